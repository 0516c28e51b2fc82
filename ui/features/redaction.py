"""Redaction editor feature: masks drawn on the canvas, a Masks dock, a lane per track and an audio waveform lane
on the timeline, the real-effect preview in the player, tracking assist and the coverage review walk.

The core does the work (reviewer.redact: model, interpolate, render, editor with undo, coverage, tracking);
this module wires it to the window and holds the actions the shortcuts and buttons run.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from ui.redaction.draw_tool import DrawTool, Tool
from ui.redaction.mask_lane import MaskLanes
from ui.redaction.masks_panel import MasksPanel
from ui.redaction.preview import Preview, PreviewMode
from ui.redaction.review import ReviewWalk
from ui.redaction.session import MaskSession, hidden_at
from ui.redaction.tracking import TrackingAssist
from ui.redaction.waveform_lane import WaveformLane
from ui.shortcuts import Shortcut

NAME = "masks"
_R = "Redaction"


def _s(action: str, keys: tuple[str, ...], text: str, target: str, args: tuple = ()) -> Shortcut:
    return Shortcut(f"masks_{action}", keys, text, f"f.masks.{target}", args, menu=_R)


SHORTCUTS: tuple[Shortcut, ...] = (
    _s("toggle_preview", ("Shift+M",), "Redaction preview: effect / outlines only / original", "toggle_preview"),
    _s("tool_select", ("Shift+V",), "Select, move and resize masks", "set_tool", ("select",)),
    _s("tool_rect", ("Shift+R",), "Draw a rectangle mask", "set_tool", ("rect",)),
    _s("tool_ellipse", ("Shift+O",), "Draw an ellipse mask", "set_tool", ("ellipse",)),
    _s("tool_polygon", ("Shift+P",), "Draw a polygon mask (click corners)", "set_tool", ("polygon",)),
    _s("tool_lasso", ("Shift+D",), "Draw a freehand mask (simplified to a polygon)", "set_tool", ("lasso",)),
    _s("delete_keyframe", ("Alt+Delete",), "Delete the selected mask's keyframe on this frame", "delete_keyframe"),
    _s("delete", ("Shift+Delete",), "Delete the selected masks", "delete_selected"),
    _s("toggle_hidden", ("Ctrl+H",), "Hide the selected mask from this frame on (or show it again)",
       "toggle_hidden"),
    _s("duplicate", ("Ctrl+Shift+D",), "Duplicate the selected masks", "duplicate"),
    _s("split", ("Alt+S",), "Split the selected mask at this frame", "split"),
    _s("track_forward", ("Ctrl+T",), "Track the selected mask forward from this frame", "track_forward"),
    _s("track_backward", ("Ctrl+Shift+T",), "Track the selected mask backward from this frame", "track_backward"),
    _s("review_next", ("Alt+N",), "Review next item: hidden stretch, abrupt jump or unseen keyframe",
       "review_next"),
    _s("next_keyframe", ("Alt+Right",), "Next keyframe of the selected mask", "review.next_keyframe"),
    _s("previous_keyframe", ("Alt+Left",), "Previous keyframe of the selected mask", "review.previous_keyframe"),
    _s("track_start", ("Alt+Home",), "First frame of the selected mask", "review.track_start"),
    _s("track_end", ("Alt+End",), "Last frame of the selected mask", "review.track_end"),
    _s("next_jump", ("Alt+J",), "Next frame where the selected mask jumps abruptly", "review.next_jump"),
    _s("mark_blackout", ("Alt+B",), "Blackout range: press on its first frame, then on its last", "mark",
       ("blackout",)),
    _s("mark_audio", ("Alt+M",), "Audio mute/bleep range: press on its first frame, then on its last", "mark",
       ("audio",)),
)


def install(window) -> "RedactionFeature":
    return RedactionFeature(window)


class RedactionFeature:
    def __init__(self, window):
        self.window = window
        self.controller = window.controller
        self.session = MaskSession(window.library, window.controller, window.undo, window)
        self.preview = Preview(self.session, window.controller, window)
        self.tracking = TrackingAssist(self.session, window.controller, window.runner, window)
        self.review = ReviewWalk(self.session, window.controller, window)
        # the panel's property box supplies new masks' effect and reason; the draw tool asks it lazily
        self.draw = DrawTool(self.session, window.canvas, window.controller, self.preview,
                             lambda: self.panel.props.new_track_options(), window)
        self.panel = MasksPanel(self)
        self.lanes = MaskLanes(window.timeline, self.session, window)
        self.waveform = window.timeline.add_lane(
            WaveformLane(window.timeline, self.session, window.runner, self.panel.ranges.new_audio_options,
                         self.say))
        self.dock = window.add_dock("masksDock", "Masks", self.panel, Qt.DockWidgetArea.RightDockWidgetArea)
        info = window.docks.get("infoDock")
        if info is not None:  # the panel needs the column's full height; the recording details are a tab away
            window.tabifyDockWidget(info, self.dock)
            info.raise_()
            window.resizeDocks([self.dock], [380], Qt.Orientation.Horizontal)
        self.session.selectionChanged.connect(self._show_panel)
        # tracking's progress and Cancel are in the panel: a tab away behind the recording details, they were unseen
        self.tracking.runningChanged.connect(lambda running: running and self.dock.isVisible() and self.dock.raise_())
        for source in (self.draw, self.tracking, self.review, self.panel.props, self.panel.ranges):
            source.message.connect(self.say)

    def _show_panel(self) -> None:
        if self.session.selected and self.dock.isVisible():
            self.dock.raise_()

    def say(self, text: str) -> None:
        if text:
            self.window.statusBar().showMessage(text, 10_000)

    def _current(self):
        track, pts = self.session.current, self.session.pts_of(self.controller.current_index)
        if track is None or pts is None:
            self.say("Select a mask first.")
            return None, None
        return track, pts

    # ---- actions (shortcut targets) -------------------------------------------------------------------------
    def toggle_preview(self) -> PreviewMode:
        mode = self.preview.cycle()
        self.say(f"Redaction preview: {mode.label}")
        return mode

    def set_tool(self, tool: str) -> None:
        if self.session.editor is None:
            self.say("Open a recording to draw masks.")
        self.draw.set_tool(Tool(tool))
        if self.dock.isVisible():
            self.dock.raise_()

    def delete_keyframe(self) -> None:
        track, pts = self._current()
        if track is None:
            return
        if track.keyframe_at(pts) is None:
            self.say("The selected mask has no keyframe on this frame (Alt+Left / Alt+Right find them).")
            return
        last = len(track.keyframes) == 1
        self.session.editor.delete_keyframe(track.id, pts)
        self.say("Deleted the mask's only keyframe, and so the mask." if last else "Keyframe deleted.")

    def delete_selected(self) -> None:
        ids = self.session.selected
        if not ids or self.session.editor is None:
            self.say("Select masks to delete.")
            return
        self.session.editor.delete_tracks(ids)  # one undo step for the selection
        self.say(f"Deleted {len(ids)} mask{'s' if len(ids) > 1 else ''} (Ctrl+Z undoes).")

    def toggle_hidden(self) -> None:
        track, pts = self._current()
        if track is None:
            return
        hide = not hidden_at(track, pts)
        self.session.editor.set_hidden(track.id, pts, hide)
        self.say("Mask hidden from this frame on (subject out of view)." if hide else "Mask shown from this frame on.")

    def duplicate(self) -> None:
        if self.session.editor is None or not self.session.selected:
            self.say("Select masks to duplicate.")
            return
        copies = self.session.editor.duplicate_tracks(self.session.selected)  # one undo step
        self.session.select([c.id for c in copies])

    def split(self) -> None:
        track, pts = self._current()
        if track is None:
            return
        span = self.session.frame_span(track)
        index = self.controller.current_index
        if span is None or not span[0] < index <= span[1]:
            self.say("Split needs a frame inside the mask's range, after its first frame.")
            return
        _first, second = self.session.editor.split_track(track.id, pts)
        self.session.select([second.id])
        self.say("Mask split: the selected half starts at this frame.")

    def track_forward(self) -> None:
        self.tracking.start(+1)

    def track_backward(self) -> None:
        self.tracking.start(-1)

    def review_next(self) -> None:
        self.review.next_item()

    def mark(self, kind: str) -> None:
        self.panel.ranges.mark(kind)

"""The redaction state of the open recording, shared by the canvas tool, the panel, the lanes and the preview.

It owns the core MaskEditor (one per open recording, writing through the window's one UndoStack), the selected
tracks, and the "live" geometry of a drag in progress: while the pointer moves, the preview and the outlines
show the shape under the pointer before the step is committed, so a drag costs no database write per event.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from reviewer.redact.coverage import track_span
from reviewer.redact.editor import MaskEditor
from reviewer.redact.interpolate import interpolate
from reviewer.redact.model import Keyframe, MaskSet, MaskTrack, Point
from reviewer.redact.store import MaskStore

class MaskSession(QObject):
    changed = Signal()  # masks (or the live drag geometry) changed: repaint, re-preview
    selectionChanged = Signal()
    recordingChanged = Signal()  # a recording was opened or closed
    # a change that arrived by sync (announced on the sync thread; the queued connection brings it here)
    _remoteChange = Signal(str)

    def __init__(self, library, controller, undo, parent: QObject | None = None):
        super().__init__(parent)
        self.library = library
        self.controller = controller
        self.undo = undo
        self.store = MaskStore(library)  # permission-checked and audited in the core
        self.editor: MaskEditor | None = None
        self.source = None
        self._selected: list[str] = []
        self._live: tuple[str, int, tuple[Point, ...]] | None = None
        self._display: MaskSet | None = None
        controller.sourceOpened.connect(self._opened)
        controller.sourceClosed.connect(self._closed)
        self._reload_queued = False
        self._remoteChange.connect(self._remote_changed)
        library.gov.subscribe(self._announced)
        self.destroyed.connect(lambda *_: library.gov.unsubscribe(self._announced))

    def _announced(self, name: str, payload: dict) -> None:
        """Core events arrive on the thread that committed them. Local edits reload through the editor already;
        a change applied by sync must reload the open recording's masks too."""
        if name in ("masks_changed", "masks_approved") and payload.get("remote", name == "masks_approved"):
            try:
                self._remoteChange.emit(str(payload.get("recording_id", "")))
            except RuntimeError:  # deleted before it could unsubscribe
                pass

    def _remote_changed(self, recording_id: str) -> None:
        # a synced page announces each of its changes at once: reload the masks once for the whole burst
        if self.editor is not None and recording_id == self.editor.recording_id and not self._reload_queued:
            self._reload_queued = True
            QTimer.singleShot(0, self._reload_remote)

    def _reload_remote(self) -> None:
        self._reload_queued = False
        if self.editor is not None:
            self.editor.reload()

    # ---- recording ------------------------------------------------------------------------------------------
    def _opened(self, source) -> None:
        view = getattr(source, "view", None)
        if view is None:  # a bare file, not a library recording: nothing to store masks against
            self._closed()
            return
        editor = MaskEditor(self.store, view.id, undo=self.undo, author=getattr(self.library, "actor", ""))
        # Commands of an earlier recording stay on the window's undo stack and may reload their own editor;
        # only this recording's editor may change what is shown.
        editor.subscribe(lambda _ms, e=editor: self._reloaded(e))
        self.editor, self.source = editor, source
        self._selected, self._live, self._display = [], None, None
        self.recordingChanged.emit()
        self.changed.emit()
        self.selectionChanged.emit()

    def _closed(self) -> None:
        self.editor, self.source = None, None
        self._selected, self._live, self._display = [], None, None
        self.recordingChanged.emit()
        self.changed.emit()
        self.selectionChanged.emit()

    def _reloaded(self, editor: MaskEditor) -> None:
        if editor is not self.editor:
            return
        self._display = None
        ids = {t.id for t in editor.mask_set.tracks}
        kept = [i for i in self._selected if i in ids]
        self.changed.emit()
        if kept != self._selected:
            self._selected = kept
            self.selectionChanged.emit()

    @property
    def table(self):
        return self.source.table if self.source is not None else None

    @property
    def recording_id(self) -> str | None:
        return self.editor.recording_id if self.editor is not None else None

    # ---- what to show ---------------------------------------------------------------------------------------
    @property
    def mask_set(self) -> MaskSet:
        """What is stored (the export's input)."""
        return self.editor.mask_set if self.editor is not None else MaskSet()

    @property
    def display_set(self) -> MaskSet:
        """What is stored, with a drag in progress applied: what the preview and the outlines show."""
        if self._display is None:
            ms = self.mask_set
            if self._live is not None:
                tid, pts, points = self._live
                tracks = tuple(_with_geometry(t, pts, points) if t.id == tid else t for t in ms.tracks)
                ms = MaskSet(tracks, ms.blackouts, ms.audio)
            self._display = ms
        return self._display

    def set_live(self, track_id: str, pts: int, points: tuple[Point, ...]) -> None:
        self._live = (track_id, pts, tuple(points))
        self._display = None
        self.changed.emit()

    def clear_live(self) -> None:
        if self._live is not None:
            self._live, self._display = None, None
            self.changed.emit()

    def track(self, track_id: str) -> MaskTrack | None:
        return next((t for t in self.display_set.tracks if t.id == track_id), None)

    def pts_of(self, index: int) -> int | None:
        table = self.table
        if table is None or not 0 <= index < table.frame_count:
            return None
        return int(table.pts[index])

    def frame_span(self, track: MaskTrack) -> tuple[int, int] | None:
        """First and last frame index the track reaches (it holds to the end of the recording until hidden)."""
        table = self.table
        return None if table is None else track_span(track, table)

    # ---- selection ------------------------------------------------------------------------------------------
    @property
    def selected(self) -> list[str]:
        return list(self._selected)

    @property
    def current(self) -> MaskTrack | None:
        """The selected track the tools act on (the most recently selected)."""
        return self.track(self._selected[-1]) if self._selected else None

    def select(self, ids: list[str]) -> None:
        ids = [i for i in dict.fromkeys(ids) if self.track(i) is not None]
        if ids != self._selected:
            self._selected = ids
            self.selectionChanged.emit()


def _with_geometry(track: MaskTrack, pts: int, points: tuple[Point, ...]) -> MaskTrack:
    kf = track.keyframe_at(pts)
    return track.with_keyframe(Keyframe(pts, points, kf.hidden if kf else False))


def held_geometry(track: MaskTrack, pts: int) -> tuple[tuple[Point, ...], bool]:
    """The geometry to draw and grab at `pts`: the interpolated one (True), or where the subject was last seen
    when the track is hidden or out of range here (False), so it can be dragged into place to extend it."""
    g = interpolate(track, pts)
    if g is not None:
        return g, True
    before = [k for k in track.keyframes if k.pts <= pts and not k.hidden]
    if before:
        return before[-1].points, False
    visible = [k for k in track.keyframes if not k.hidden] or list(track.keyframes)
    return visible[0].points, False


def hidden_at(track: MaskTrack, pts: int) -> bool:
    """Whether the track is in a hidden stretch at `pts` (its latest keyframe at or before pts is hidden)."""
    before = [k for k in track.keyframes if k.pts <= pts]
    return bool(before) and before[-1].hidden

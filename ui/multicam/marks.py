"""What the incident timeline draws on each camera's lane: its bookmarks, clips and mask tracks, placed at the
incident time of the frames they name (so a moment bookmarked on two cameras lines up across their lanes).

Read from the same stores as the single-recording lanes (BookmarkStore, ClipStore, MaskStore; a mask's active
frames by the mask lane's own active_spans), off the UI thread, and read again when a change to one of the grid's
recordings is announced (a local edit, an undo, a sync).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from reviewer.annotate.bookmarks import BookmarkStore
from reviewer.annotate.clips import ClipStore
from reviewer.redact.store import MaskStore
from ui.multicam.announced import Announced
from ui.redaction.mask_lane import active_spans

EVENTS = ("bookmarks_changed", "clips_changed", "masks_changed", "evidential_changed")


@dataclass(frozen=True)
class LaneMarks:
    """One camera's marks in incident seconds: (t, bookmark), (t_in, t_out, clip), (t_from, t_to) of a mask."""

    bookmarks: list = field(default_factory=list)
    clips: list = field(default_factory=list)
    masks: list = field(default_factory=list)
    mask_set: object = None  # the MaskSet itself, for the tiles' redaction preview


def frame_time(clock, key: str, pts: int) -> float:
    """The incident time at which the frame a stored pts names appears on that camera (the frame on screen at
    that pts, so a pts from an edited table still lands somewhere truthful)."""
    table = clock.get(key).table
    return clock.time_of_frame(key, table.index_at_or_before_pts(int(pts)))


def read_marks(library, clock, task=None) -> dict[str, LaneMarks]:
    """Every bound camera's marks (a worker thread: three store reads per camera)."""
    bookmarks, clips, masks = BookmarkStore(library.gov), ClipStore(library.gov), MaskStore(library)
    out = {}
    for p in clock.placements:
        if p.table is None:
            continue
        key, rid = p.key, p.recording_id
        mask_set = masks.load(rid)
        spans = [span for track in mask_set.tracks for span in active_spans(track, p.table.pts)]
        out[key] = LaneMarks(
            [(frame_time(clock, key, b.pts), b) for b in bookmarks.list(rid)],
            [(frame_time(clock, key, c.in_pts), frame_time(clock, key, c.out_pts), c) for c in clips.list(rid)],
            [(clock.time_of_frame(key, a), clock.time_of_frame(key, b)) for a, b in spans], mask_set)
    return out


class IncidentMarks(QObject):
    """The grid's marks, by SHA-256; `changed` after each (re-)read."""

    changed = Signal()

    def __init__(self, library, clock, runner, parent=None):
        super().__init__(parent)
        self.library, self.clock, self.runner = library, clock, runner
        self.by_key: dict[str, LaneMarks] = {}
        self.reads = 0  # completed reads (tests wait on a read after a change)
        self._announced = Announced(library.gov, EVENTS, {p.recording_id for p in clock.placements}, unnamed=True,
                                    parent=self)
        self._announced.fired.connect(self.reload)
        self.reload()

    def detach(self) -> None:
        self._announced.detach()

    def set_clock(self, clock) -> None:
        """The grid's offsets changed: every mark moves to its frame's new incident time."""
        self.clock = clock
        self.reload()

    def reload(self) -> None:
        self.runner.run(read_marks, self.library, self.clock, key="incident-marks", on_done=self._read)

    def _read(self, by_key: dict) -> None:
        self.by_key = by_key
        self.reads += 1
        self.changed.emit()

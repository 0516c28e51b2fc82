"""Coverage review: what a reviewer must look at before trusting a track, and keyframe navigation.

All of it is computed through interpolate() over the frame table, so it sees exactly the frames the export will.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reviewer.media.frametable import FrameTable
from reviewer.redact.interpolate import bounds, interpolate
from reviewer.redact.model import MaskTrack

JUMP_FRACTION = 0.25  # a corner moving by more than a quarter of the box size between two frames


@dataclass
class ReviewItem:
    frame: int
    kind: str  # "hidden", "jump", "unvisited keyframe"
    track_id: str
    detail: str


@dataclass
class TrackCoverage:
    track_id: str
    first_frame: int | None
    last_frame: int | None
    hidden_frames: list[int] = field(default_factory=list)
    jumps: list[int] = field(default_factory=list)  # frame where the jump lands
    keyframes: list[int] = field(default_factory=list)

    def items(self, visited: set[int] = frozenset()) -> list[ReviewItem]:
        out = [ReviewItem(f, "jump", self.track_id, "geometry jumps abruptly from the previous frame")
               for f in self.jumps]
        out += [ReviewItem(f, "unvisited keyframe", self.track_id, "keyframe not yet looked at")
                for f in self.keyframes if f not in visited]
        # hidden stretches: one item at the start of each stretch
        prev = None
        for f in self.hidden_frames:
            if prev is None or f != prev + 1:
                out.append(ReviewItem(f, "hidden", self.track_id, "track is hidden here inside its range"))
            prev = f
        return sorted(out, key=lambda i: (i.frame, i.kind))


def _frame_range(track: MaskTrack, table: FrameTable) -> tuple[int, int] | None:
    if not track.keyframes:
        return None
    a = int(np.searchsorted(table.pts, track.start_pts))
    b = int(np.searchsorted(table.pts, track.end_pts, side="right")) - 1
    return (a, b) if a <= b else None


def coverage(track: MaskTrack, table: FrameTable) -> TrackCoverage:
    span = _frame_range(track, table)
    cov = TrackCoverage(track.id, span[0] if span else None, span[1] if span else None)
    if span is None:
        return cov
    kf_pts = set(track.pts_list)
    prev = None
    prev_step: float | None = None
    for i in range(span[0], span[1] + 1):
        pts = int(table.pts[i])
        if pts in kf_pts:
            cov.keyframes.append(i)
        g = interpolate(track, pts)
        if g is None:
            cov.hidden_frames.append(i)
        elif prev is not None:
            x0, y0, x1, y1 = bounds(g)
            p0, q0, p1, q1 = bounds(prev)
            size = max(1.0, min(x1 - x0, y1 - y0, p1 - p0, q1 - q0))
            step = max(abs(x0 - p0), abs(y0 - q0), abs(x1 - p1), abs(y1 - q1))
            # abrupt = a big move that is also sudden: a subject crossing the picture fast moves far every
            # frame and is not a gap; a mask that leaps after moving little is
            # (with no earlier step to compare, only a leap larger than the box itself counts)
            sudden = step > size if prev_step is None else step > 2 * prev_step + 1
            if step > JUMP_FRACTION * size and sudden:
                cov.jumps.append(i)
            prev_step = step
        else:
            prev_step = None
        prev = g
    return cov


def review_items(tracks: list[MaskTrack], table: FrameTable, visited: set[int] = frozenset()) -> list[ReviewItem]:
    items = [it for t in tracks for it in coverage(t, table).items(visited)]
    return sorted(items, key=lambda i: (i.frame, i.track_id, i.kind))


def next_review_item(items: list[ReviewItem], frame: int) -> ReviewItem | None:
    """The first item after `frame` ("review next item"), wrapping to the start."""
    later = [i for i in items if i.frame > frame]
    return (later or items or [None])[0]


# ---- navigation -----------------------------------------------------------------------------------------------
def keyframe_frames(track: MaskTrack, table: FrameTable) -> list[int]:
    return [table.index_of_pts(p) for p in track.pts_list if _in_table(table, p)]


def _in_table(table: FrameTable, pts: int) -> bool:
    try:
        table.index_of_pts(pts)
        return True
    except KeyError:
        return False


def next_keyframe(track: MaskTrack, table: FrameTable, frame: int) -> int | None:
    later = [f for f in keyframe_frames(track, table) if f > frame]
    return later[0] if later else None


def previous_keyframe(track: MaskTrack, table: FrameTable, frame: int) -> int | None:
    earlier = [f for f in keyframe_frames(track, table) if f < frame]
    return earlier[-1] if earlier else None


def next_jump(track: MaskTrack, table: FrameTable, frame: int) -> int | None:
    later = [f for f in coverage(track, table).jumps if f > frame]
    return later[0] if later else None

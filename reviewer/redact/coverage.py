"""Coverage review: what a reviewer must look at before trusting a track, and keyframe navigation.

All of it follows interpolate() over the frame table, so it sees exactly the frames the export will. Where the
geometry holds still (after a keyframe with no later visible one, ADR 0004) nothing moves, so those frames are
not walked one by one; instead a hold longer than HOLD_REVIEW_S is a review item until the reviewer has had the
mask on screen at least every HOLD_REVIEW_S through it: a subject keeps moving after its last keyframe, and a
held mask that no longer covers it is only found by looking.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reviewer.media.frametable import FrameTable
from reviewer.redact.interpolate import bounds, interpolate
from reviewer.redact.model import MaskTrack

JUMP_FRACTION = 0.25  # a corner moving by more than a quarter of the box size between two frames
HOLD_REVIEW_S = 2.0  # a mask standing still longer than this without anyone looking at it is a review item


@dataclass
class ReviewItem:
    frame: int
    kind: str  # "hidden", "jump", "unvisited keyframe", "long hold"
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
    holds: list[tuple[int, int]] = field(default_factory=list)  # frames [a, b]: held from keyframe a through b
    pts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)  # the table's
    hold_ticks: int = 0  # HOLD_REVIEW_S in pts ticks

    def items(self, visited: set[int] = frozenset()) -> list[ReviewItem]:
        out = [ReviewItem(f, "jump", self.track_id, "geometry jumps abruptly from the previous frame")
               for f in self.jumps]
        seen = np.sort(np.fromiter(visited, np.int64, len(visited))) if self.holds and visited else \
            np.zeros(0, np.int64)
        for a, b in self.holds:
            f = self.unseen_in_hold(a, b, seen)
            if f is not None:
                out.append(ReviewItem(f, "long hold", self.track_id,
                                      f"mask held still since frame {a} and not looked at for over "
                                      f"{HOLD_REVIEW_S:g} s: check it still covers the subject"))
        out += [ReviewItem(f, "unvisited keyframe", self.track_id, "keyframe not yet looked at")
                for f in self.keyframes if f not in visited]
        # hidden stretches: one item at the start of each stretch
        prev = None
        for f in self.hidden_frames:
            if prev is None or f != prev + 1:
                out.append(ReviewItem(f, "hidden", self.track_id, "track is hidden here inside its range"))
            prev = f
        return sorted(out, key=lambda i: (i.frame, i.kind))

    def unseen_in_hold(self, a: int, b: int, seen: np.ndarray) -> int | None:
        """The first frame of hold [a, b] more than HOLD_REVIEW_S after the keyframe or the last frame looked at
        before it, or None when the whole hold has been looked at that closely. `seen`: visited frames, sorted."""
        pts = self.pts
        inside = seen[np.searchsorted(seen, a, side="right"): np.searchsorted(seen, b, side="right")]
        anchors = np.concatenate([[a], inside])  # frames looked at: the keyframe, then the visited ones
        limits = np.concatenate([inside, [b + 1]])  # each anchor vouches for frames up to the next one
        first_late = np.searchsorted(pts, pts[anchors] + self.hold_ticks, side="right")
        bad = np.nonzero(first_late < limits)[0]
        return int(first_late[bad[0]]) if bad.size else None


def track_span(track: MaskTrack, table: FrameTable) -> tuple[int, int] | None:
    """First and last frame index the track reaches: from its first keyframe to its last hidden keyframe, or
    to the end of the recording when its last keyframe is visible (the mask holds until hidden)."""
    if not track.keyframes or table.frame_count == 0:
        return None
    a = int(np.searchsorted(table.pts, track.start_pts))
    if track.keyframes[-1].hidden:
        b = int(np.searchsorted(table.pts, track.end_pts, side="right")) - 1
    else:
        b = table.frame_count - 1
    return (a, b) if a <= b else None


def coverage(track: MaskTrack, table: FrameTable) -> TrackCoverage:
    span = track_span(track, table)
    cov = TrackCoverage(track.id, span[0] if span else None, span[1] if span else None, pts=table.pts,
                        hold_ticks=int(HOLD_REVIEW_S / table.time_base))
    if span is None:
        return cov
    tp = table.pts
    kfs = track.keyframes
    starts = [int(np.searchsorted(tp, k.pts)) for k in kfs]  # first frame at or after each keyframe
    cov.keyframes = [f for k, f in zip(kfs, starts) if span[0] <= f <= span[1] and int(tp[f]) == k.pts]
    walk = _StepWalk(cov)
    for n, k in enumerate(kfs):
        a = max(starts[n], span[0])
        b = min(starts[n + 1] - 1 if n + 1 < len(kfs) else span[1], span[1])
        if a > b:
            continue
        if k.hidden:
            cov.hidden_frames.extend(range(a, b + 1))
            walk.reset()
        elif n + 1 < len(kfs) and not kfs[n + 1].hidden:
            for i in range(a, b + 1):
                walk.frame(i, interpolate(track, int(tp[i])))
        else:
            # a hold: the keyframe's geometry on every frame up to the next (hidden) keyframe or the end, so
            # only its first frame can jump; frame by frame it moves by zero
            walk.frame(a, k.points)
            if b > a:
                walk.frame(b, k.points)
            cov.holds.append((a, b))
    return cov


class _StepWalk:
    """Abrupt-jump detection along consecutive shown frames."""

    def __init__(self, cov: TrackCoverage):
        self.cov = cov
        self.reset()

    def reset(self) -> None:
        self.prev = None
        self.prev_step: float | None = None

    def frame(self, i: int, g) -> None:
        if g is None:
            self.cov.hidden_frames.append(i)
            self.reset()
            return
        prev = self.prev
        if prev is not None:
            x0, y0, x1, y1 = bounds(g)
            p0, q0, p1, q1 = bounds(prev)
            size = max(1.0, min(x1 - x0, y1 - y0, p1 - p0, q1 - q0))
            step = max(abs(x0 - p0), abs(y0 - q0), abs(x1 - p1), abs(y1 - q1))
            # abrupt = a big move that is also sudden: a subject crossing the picture fast moves far every
            # frame and is not a gap; a mask that leaps after moving little is
            # (with no earlier step to compare, only a leap larger than the box itself counts)
            sudden = step > size if self.prev_step is None else step > 2 * self.prev_step + 1
            if step > JUMP_FRACTION * size and sudden:
                self.cov.jumps.append(i)
            self.prev_step = step
        else:
            self.prev_step = None
        self.prev = g


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

"""Coverage review and keyframe navigation for the selected mask.

The review walk uses the core's report (reviewer.redact.coverage): frames where a track is hidden inside its
range, abrupt jumps, keyframes the reviewer has not yet had on screen, and holds (a mask standing still after
its last keyframe) not looked at every 2 s. "Review next item" seeks to the next
one after the playhead (wrapping) and selects its track; every frame shown counts as visited.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QObject, QTimer, Signal

from reviewer.redact.coverage import (ReviewItem, coverage, next_jump, next_keyframe, next_review_item,
                                      previous_keyframe)

KIND_TEXT = {"hidden": ("hidden stretch", "hidden stretches"), "jump": ("abrupt jump", "abrupt jumps"),
             "unvisited keyframe": ("unseen keyframe", "unseen keyframes"),
             "long hold": ("long hold not looked at", "long holds not looked at"),
             "possible miss": ("possible missed face", "possible missed faces")}
HOLD_ANNOUNCE_MS = 250  # frames seen inside a hold change its item; playing through, recount a few times a second


def _group_jumps(items: list[ReviewItem]) -> list[ReviewItem]:
    """One item per run of consecutive jump frames (fast motion flags every frame of it), as the core already
    does for hidden stretches; the item names the run."""
    jumps = sorted(i.frame for i in items if i.kind == "jump")
    starts = {f: f for f in jumps}
    for a, b in zip(jumps, jumps[1:]):
        if b == a + 1:
            starts[b] = starts[a]
    ends: dict[int, int] = {}
    for f, first in starts.items():
        ends[first] = max(ends.get(first, first), f)
    out = []
    for i in items:
        if i.kind != "jump":
            out.append(i)
        elif starts[i.frame] == i.frame:
            end = ends[i.frame]
            detail = i.detail if end == i.frame else f"geometry moves abruptly on frames {i.frame}–{end}"
            out.append(ReviewItem(i.frame, i.kind, i.track_id, detail))
    return out


class ReviewWalk(QObject):
    summaryChanged = Signal(str)
    message = Signal(str)

    def __init__(self, session, controller, parent: QObject | None = None):
        super().__init__(parent)
        self.session, self.controller = session, controller
        self.visited: set[int] = set()
        self._coverage: dict[str, tuple[object, object]] = {}  # track id -> (track, TrackCoverage)
        self._sources: list = []  # other features' items (detection's possible misses): fn(visited) -> items
        controller.frameShown.connect(self._shown)
        session.recordingChanged.connect(self._reset)
        session.changed.connect(self._announce)
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(HOLD_ANNOUNCE_MS)
        self._later.timeout.connect(self._announce)

    def add_source(self, items, changed) -> None:
        """Walk another feature's items too: `items(visited)` -> ReviewItems, re-read when `changed` fires."""
        self._sources.append(items)
        changed.connect(self._announce)

    def _reset(self) -> None:
        self.visited.clear()
        self._coverage.clear()
        self._announce()

    def _shown(self, index: int) -> None:
        if index not in self.visited:
            other = any(i.frame == index for source in self._sources for i in source(self.visited))
            self.visited.add(index)
            covs = [cov for _t, cov in self._coverage.values()]
            if other or any(index in cov.keyframes for cov in covs):
                self._announce()
            elif any(a < index <= b for cov in covs for a, b in cov.holds) and not self._later.isActive():
                self._later.start()

    def items(self) -> list[ReviewItem]:
        table = self.session.table
        if table is None:
            return []
        tracks = self.session.mask_set.tracks
        live = {t.id for t in tracks}
        for tid in [k for k in self._coverage if k not in live]:
            del self._coverage[tid]
        out: list[ReviewItem] = []
        for t in tracks:
            cached = self._coverage.get(t.id)
            if cached is None or cached[0] is not t:  # tracks are immutable: identity says "unchanged"
                cached = (t, coverage(t, table))
                self._coverage[t.id] = cached
            out.extend(_group_jumps(cached[1].items(self.visited)))
        for source in self._sources:
            out.extend(source(self.visited))
        return sorted(out, key=lambda i: (i.frame, i.track_id, i.kind))

    def summary(self) -> str:
        items = self.items()
        if not items:
            return "Review: nothing left to check." if self.session.mask_set.tracks else ""
        counts = Counter(i.kind for i in items)
        parts = [f"{n} {KIND_TEXT[k][n != 1]}" for k, n in sorted(counts.items())]
        return f"Review: {len(items)} item{'s' if len(items) != 1 else ''} ({', '.join(parts)})"

    def _announce(self) -> None:
        self.summaryChanged.emit(self.summary())

    def next_item(self) -> ReviewItem | None:
        items = self.items()
        item = next_review_item(items, self.controller.current_index)
        if item is None:
            self.message.emit("Review: nothing to check." if self.session.table is not None else "")
            return None
        self.session.select([item.track_id])
        self.controller.seek(item.frame, exact=True)
        track = self.session.track(item.track_id)
        name = (track.label or track.reason or "mask") if track is not None else "mask"
        self.message.emit(f"Review item {items.index(item) + 1} of {len(items)}, frame {item.frame}: "
                          f"{name}: {item.detail}.")
        return item

    # ---- navigation of the selected track -------------------------------------------------------------------
    def _go(self, frame: int | None, what: str) -> None:
        if frame is None:
            self.message.emit(f"No {what}.")
        else:
            self.controller.seek(frame, exact=True)

    def _track_and_table(self):
        track, table = self.session.current, self.session.table
        if track is None or table is None:
            self.message.emit("Select a mask first.")
            return None, None
        return track, table

    def next_keyframe(self) -> None:
        track, table = self._track_and_table()
        if track is not None:
            self._go(next_keyframe(track, table, self.controller.current_index), "later keyframe on this mask")

    def previous_keyframe(self) -> None:
        track, table = self._track_and_table()
        if track is not None:
            self._go(previous_keyframe(track, table, self.controller.current_index), "earlier keyframe on this mask")

    def track_start(self) -> None:
        track, _table = self._track_and_table()
        if track is not None:
            span = self.session.frame_span(track)
            self._go(span[0] if span else None, "range on this mask")

    def track_end(self) -> None:
        track, _table = self._track_and_table()
        if track is not None:
            span = self.session.frame_span(track)
            self._go(span[1] if span else None, "range on this mask")

    def next_jump(self) -> None:
        track, table = self._track_and_table()
        if track is not None:
            self._go(next_jump(track, table, self.controller.current_index), "abrupt jump after this frame")

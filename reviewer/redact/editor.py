"""The mask editor's operations as undoable commands, in the core: the UI calls these and shows undo state.

Each operation computes the new tracks from the current ones and pushes a Command of TrackChanges/RangeChanges
(old -> new); the store writes only what differs, as operations. Undo applies the inverse changes expecting each
entity as this undo stack last left it (gov.undo_heads, shared with Annotations): a change that arrived from
elsewhere in between makes the undo refuse (StaleRevision), reported and not overwritten. A drag passes a merge
key, so all its keyframe operations become one undo entry.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Callable

from reviewer.annotate.undo import Command, UndoStack
from reviewer.ops.apply import MISSING
from reviewer.redact.interpolate import interpolate
from reviewer.redact.model import Effect, Keyframe, MaskSet, MaskTrack, Point, PtsRange, ShapeKind
from reviewer.redact.store import Change, MaskStore, RangeChange, TrackChange


class MaskEditor:
    def __init__(self, store: MaskStore, recording_id: str, undo: UndoStack | None = None, author: str = ""):
        self.store = store
        self.recording_id = recording_id
        self.undo = undo or UndoStack()
        self.author = author
        self._set = store.load(recording_id)
        # the tracks the last reload read again (None: the whole set), so a listener can tell whether the tracks
        # it cares about may have changed without reading the database itself
        self.reread: tuple[str, ...] | None = None
        self._listeners: list[Callable[[MaskSet], None]] = []
        self._gesture: dict | None = None  # the merge key and combined changes of the drag in progress

    # ---- state ----------------------------------------------------------------------------------------------
    @property
    def mask_set(self) -> MaskSet:
        return self._set

    def track(self, track_id: str) -> MaskTrack:
        for t in self._set.tracks:
            if t.id == track_id:
                return t
        raise KeyError(track_id)

    def subscribe(self, fn: Callable[[MaskSet], None]) -> None:
        self._listeners.append(fn)

    def reload(self, track_ids: list[str] | None = None) -> None:
        """Read the mask set again; with `track_ids`, only those tracks (a drag step changes one track, and
        reading only it keeps each step cheap)."""
        self.reread = None if track_ids is None else tuple(track_ids)
        if track_ids is None:
            self._set = self.store.load(self.recording_id)
        else:
            fresh = self.store.load_tracks(self.recording_id, track_ids)
            tracks = tuple(fresh.get(t.id, t) for t in self._set.tracks)
            self._set = dataclasses.replace(self._set, tracks=tuple(t for t in tracks if t is not None))
        for fn in list(self._listeners):
            fn(self._set)

    # ---- primitive commands -------------------------------------------------------------------------------
    def _push(self, name: str, changes: list[Change], merge_key=None, note: tuple[str, dict] | None = None) -> None:
        """One command: `changes` now; undo applies their inverses, redo them again, each expecting the entities
        as this stack last left them. The steps of one gesture (same merge key, merged into one undo entry) are
        undone and redone as one change from before its first step to after its last: one drag of sixty steps
        is one undo operation per track, not sixty."""
        if not changes:
            return
        heads = self.store.gov.undo_heads
        g = self._gesture
        # a step joins only if it starts where the gesture got to: a change from elsewhere in between starts a
        # new part, whose undo keeps that change
        joins = g is not None and g["key"] == merge_key and self.undo.would_merge(merge_key) and all(
            isinstance(c, TrackChange) and c.entity in g["changes"] and _same(g["changes"][c.entity].new, c.old)
            for c in changes)
        if not joins:
            g = {"key": merge_key, "changes": {}}
            self._gesture = g if merge_key is not None else None
        for c in changes:  # from before the gesture's first step to after this one
            first = g["changes"].get(c.entity)
            g["changes"][c.entity] = c if first is None else dataclasses.replace(first, new=c.new)
        whole = lambda: list(g["changes"].values())  # noqa: E731
        state = {"first": True}

        def run(cs: list[Change], via: str | None) -> None:
            expects = None if via is None else {c.entity: heads.get(c.entity, MISSING) for c in cs}
            try:
                extra = {"note": note} if note is not None and via != "undo" else {}
                heads.update(self.store.apply(self.recording_id, cs, via=via, expects=expects, **extra))
            finally:
                # a proposal accepted (or taken back) joins (or leaves) the set: only a full read shows that
                edits_only = all(isinstance(c, TrackChange) and c.old and c.new and c.old.status == c.new.status
                                 for c in cs)
                self.reload([c.entity[1] for c in cs] if edits_only else None)

        def do() -> None:
            if state["first"]:
                state["first"] = False
                run(changes, None)
            elif not joins:
                run(whole(), "redo")

        def undo() -> None:
            if not joins:
                run([c.inverse() for c in reversed(whole())], "undo")

        self.undo.push(Command(name, do, undo, merge_key))

    def _put_track(self, name: str, new: MaskTrack | None, old: MaskTrack | None, merge_key=None) -> None:
        """One track's change as a command; None new deletes old, None old creates new."""
        self._push(name, [TrackChange(old, new)], merge_key)

    def _put_range(self, name: str, kind: str, new: PtsRange | None, old: PtsRange | None) -> None:
        self._push(name, [RangeChange(kind, old, new)])

    # ---- operations -----------------------------------------------------------------------------------------
    def add_track(self, kind: ShapeKind, pts: int, points: tuple[Point, ...], effect: Effect = Effect(),
                  reason: str = "", label: str = "", **extra) -> MaskTrack:
        t = MaskTrack(kind, (Keyframe(pts, tuple(points)),), effect=effect, reason=reason, label=label,
                      author=self.author, **extra)
        self._put_track(f"draw {kind.value}", t, None)
        return t

    def set_geometry(self, track_id: str, pts: int, points: tuple[Point, ...], merge_key=None) -> MaskTrack:
        """Move/resize at a frame: creates or updates that frame's keyframe."""
        old = self.track(track_id)
        kf = old.keyframe_at(pts)
        new = old.with_keyframe(Keyframe(pts, tuple(points), kf.hidden if kf else False))
        self._put_track("move mask", new, old, merge_key)
        return new

    def end_gesture(self) -> None:
        self._gesture = None
        self.undo.close_merge()

    def delete_keyframe(self, track_id: str, pts: int) -> MaskTrack | None:
        old = self.track(track_id)
        if old.keyframe_at(pts) is None:
            raise KeyError(f"no keyframe at pts {pts}")
        if len(old.keyframes) == 1:
            self.delete_track(track_id)
            return None
        new = old.without_keyframe(pts)
        self._put_track("delete keyframe", new, old)
        return new

    def set_hidden(self, track_id: str, pts: int, hidden: bool) -> MaskTrack:
        """Toggle 'subject out of view from here': makes a keyframe at pts holding the current geometry."""
        old = self.track(track_id)
        kf = old.keyframe_at(pts)
        points = kf.points if kf else (interpolate(old, pts) or _nearest_points(old, pts))
        new = old.with_keyframe(Keyframe(pts, points, hidden))
        self._put_track("hide from here" if hidden else "show from here", new, old)
        return new

    def edit_track(self, track_id: str, **changes) -> MaskTrack:
        old = self.track(track_id)
        new = old.edited(**changes)
        self._put_track("edit mask", new, old)
        return new

    def edit_tracks(self, changes: dict[str, dict]) -> list[MaskTrack]:
        """Property edits of several masks ({track id: {field: value}}) as ONE undo step: editing a selection
        is one gesture, and one Ctrl+Z must take all of it back."""
        olds = [self.track(tid) for tid in changes]
        news = [old.edited(**changes[old.id]) for old in olds]
        self._put_tracks("edit mask" if len(news) == 1 else f"edit {len(news)} masks", news, olds)
        return news

    def delete_tracks(self, track_ids: list[str]) -> None:
        """Delete a selection of masks as one undo step."""
        olds = [self.track(tid) for tid in track_ids]
        self._put_tracks("delete mask" if len(olds) == 1 else f"delete {len(olds)} masks", [None] * len(olds), olds)

    def duplicate_tracks(self, track_ids: list[str]) -> list[MaskTrack]:
        """Copy a selection of masks as one undo step; returns the copies."""
        copies = [dataclasses.replace(old, id=str(uuid.uuid4()), label=(old.label + " copy").strip())
                  for old in (self.track(tid) for tid in track_ids)]
        self._put_tracks("duplicate mask" if len(copies) == 1 else f"duplicate {len(copies)} masks", copies,
                         [None] * len(copies))
        return copies

    def review_proposals(self, track_ids: list[str], status: str, note: tuple[str, dict]) -> list[MaskTrack]:
        """Accept or reject a detector's proposals (or put them back to proposed) as ONE undo step, `note` (the
        audit event naming the detector, version and settings) in the same transaction. Returns the tracks."""
        olds = self.store.load_proposals(self.recording_id, track_ids=list(track_ids))
        missing = set(track_ids) - {t.id for t in olds}
        if missing:
            raise KeyError(f"no proposal {sorted(missing)[0]} on this recording")
        news = [dataclasses.replace(old, status=status) for old in olds]
        changes: list[Change] = [TrackChange(o, n) for o, n in zip(olds, news) if o.status != status]
        n = len(track_ids)
        verb = {"accepted": "accept", "rejected": "reject"}.get(status, "reopen")
        self._push(f"{verb} {n} proposal{'s' if n != 1 else ''}", changes, note=note)
        return news

    def _put_tracks(self, name: str, news: list[MaskTrack | None], olds: list[MaskTrack | None]) -> None:
        """Several tracks' changes as ONE command (pairs new, old, as _put_track)."""
        self._push(name, [TrackChange(o, n) for n, o in zip(news, olds)])

    def delete_track(self, track_id: str) -> None:
        self.delete_tracks([track_id])

    def duplicate_track(self, track_id: str) -> MaskTrack:
        return self.duplicate_tracks([track_id])[0]

    def split_track(self, track_id: str, pts: int) -> tuple[MaskTrack, MaskTrack]:
        """Two tracks: up to just before pts, and from pts on. A mask holds until hidden (ADR 0004), so the first
        half ends with a hidden keyframe at pts; between them they show exactly what the one track showed."""
        old = self.track(track_id)
        shown = interpolate(old, pts)
        at = shown or _nearest_points(old, pts)
        before = tuple(k for k in old.keyframes if k.pts < pts)
        # one tick before pts the motion is still on its way to the next keyframe: pin it there, or the first
        # half would hold its previous keyframe still instead of moving as the whole track did
        last = interpolate(old, pts - 1)
        if last is not None and old.keyframe_at(pts - 1) is None and before:
            before += (Keyframe(pts - 1, last),)
        first = old.edited(keyframes=before + (Keyframe(pts, at, True),))
        second = dataclasses.replace(old, id=str(uuid.uuid4()), keyframes=(Keyframe(pts, at, shown is None),)
                                     + tuple(k for k in old.keyframes if k.pts > pts))
        self._push("split mask", [TrackChange(old, first), TrackChange(None, second)])
        return first, second

    def add_keyframes(self, track_id: str, keyframes: list[Keyframe], name: str = "tracking result") -> MaskTrack:
        """Tracking assist's result: one undo step however many keyframes it wrote."""
        old = self.track(track_id)
        new = old.with_keyframes(keyframes)
        self._put_track(name, new, old)
        return new

    def add_range(self, kind: str, start_pts: int, end_pts: int, mode: str, reason: str) -> PtsRange:
        r = PtsRange(start_pts, end_pts, reason, mode)
        self._put_range(f"add {kind} range", kind, r, None)
        return r

    def delete_range(self, kind: str, range_id: str) -> None:
        pool = self._set.blackouts if kind == "blackout" else self._set.audio
        old = next(r for r in pool if r.id == range_id)
        self._put_range(f"delete {kind} range", kind, None, old)


def _same(a: MaskTrack | None, b: MaskTrack | None) -> bool:
    return a is b or (a is not None and b is not None and a.to_json() == b.to_json())


def _nearest_points(track: MaskTrack, pts: int) -> tuple[Point, ...]:
    return min(track.keyframes, key=lambda k: abs(k.pts - pts)).points

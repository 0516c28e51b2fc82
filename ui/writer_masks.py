"""The mask editor's store, written behind: the editor (reviewer.redact.editor) sees its change at once and the
database write (MaskStore.apply: the change as operations) runs on the one writer thread (ui.writer), so a drag
never waits for a sync holding the write lock.

What the editor reads back (`load`, `load_tracks`) is the database with the changes still in flight applied on
top, in the order they were made. The pending list is copied before the database is read: a change that lands in
between is applied twice, which is harmless because every change names its record (a track or a range by id)
and says what it becomes.

Undo and redo pass the revisions they expect (the undo history's heads). Those are read when the change runs on
the writer thread, after every earlier change has landed and recorded its heads, exactly as if each had been
written at once; an undo that finds a change from elsewhere is refused as stale there, and reported.

Checks that need no write stay synchronous, so the user hears at once what is wrong: the shape and range
validation (the same check_track/check_range the store applies) and a role without REDACT (the real store is
called, which refuses and audits as before; a granted role is asked again every few seconds, not at every step
of a drag). A change refused later (stale, or a record gone in the meantime) is
reported through `on_failed`, and the editor is reloaded from the database so the screen never shows what was not
stored.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any, Callable

from reviewer.govern.roles import Action
from reviewer.ops.apply import MISSING
from reviewer.redact.model import ACCEPTED, PROPOSED, REJECTED, MaskSet, MaskTrack
from reviewer.redact.store import RangeChange, TrackChange
from reviewer.redact.validate import check_range, check_track

REDACT_RECHECK_S = 2.0


class WriteBehindMaskStore:
    def __init__(self, store, writer, on_failed: Callable[[str, BaseException], None] | None = None):
        self._store = store
        self._writer = writer
        self._on_failed = on_failed
        self._lock = threading.Lock()
        self._pending: list[tuple[int, str, list]] = []  # (token, recording_id, changes)
        self._tokens = 0
        # tracks in the order first seen: the database lists them by creation (an undone deletion keeps its
        # place), which the overlay must follow while changes are in flight
        self._rank: dict[str, int] = {}
        self.reloaders: list[Callable[[str], None]] = []  # called with a recording id after a failed write
        self._redact_until = 0.0  # monotonic time until which the role's REDACT is taken as still granted

    def __getattr__(self, name: str) -> Any:  # gov, events, bounds, import_set, save_track, ...: the real store's
        return getattr(self._store, name)

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._pending)

    # ---- reading --------------------------------------------------------------------------------------------
    def _pending_for(self, recording_id: str) -> list[list]:
        with self._lock:
            return [changes for _t, rid, changes in self._pending if rid == recording_id]

    def load(self, recording_id: str, s=None) -> MaskSet:
        if s is not None:
            return self._store.load(recording_id, s)
        pending = self._pending_for(recording_id)
        ms = self._store.load(recording_id)
        self._ranked(t.id for t in ms.tracks)
        if not pending:
            return ms
        for changes in pending:
            self._ranked(c.entity[1] for c in changes if isinstance(c, TrackChange))
            ms = overlay(ms, changes)
        rank = self._rank
        return dataclasses.replace(ms, tracks=tuple(sorted(ms.tracks, key=lambda t: rank[t.id])))

    def _ranked(self, ids) -> None:
        for i in ids:
            self._rank.setdefault(i, len(self._rank))

    def load_tracks(self, recording_id: str, track_ids: list[str]) -> dict[str, MaskTrack | None]:
        pending = self._pending_for(recording_id)
        # a track with a change in flight is what its last change makes it, whatever the database holds: a drag
        # step re-reads only its own track, which is always in flight, so it costs no database read on the UI
        # thread (each SQLite call there waits for the GIL while a sync runs)
        covered = {c.entity[1] for changes in pending for c in changes if isinstance(c, TrackChange)}
        unknown = [t for t in track_ids if t not in covered]
        out: dict[str, MaskTrack | None] = dict.fromkeys(track_ids)
        if unknown:
            out.update(self._store.load_tracks(recording_id, unknown))
        for changes in pending:
            for c in changes:
                if isinstance(c, TrackChange) and c.entity[1] in out:
                    out[c.entity[1]] = c.new if c.new is not None and c.new.applied else None
        return out

    def load_proposals(self, recording_id: str, statuses: tuple[str, ...] = (PROPOSED, ACCEPTED, REJECTED),
                       track_ids: list[str] | None = None) -> list[MaskTrack]:
        """The detector's proposals as load_proposals lists them, with the changes in flight applied: the review
        list shows an accept at once, and a second review step reads the status the first one left."""
        pending = self._pending_for(recording_id)
        found = {t.id: t for t in self._store.load_proposals(recording_id, statuses, track_ids)}
        wanted = None if track_ids is None else set(track_ids)
        for changes in pending:
            for c in changes:
                if not isinstance(c, TrackChange) or (wanted is not None and c.entity[1] not in wanted):
                    continue
                new = c.new
                if new is not None and new.proposal is not None and new.status in statuses:
                    found[c.entity[1]] = new
                else:
                    found.pop(c.entity[1], None)
        return sorted(found.values(), key=lambda t: (t.start_pts, t.id))

    # ---- writing --------------------------------------------------------------------------------------------
    def apply(self, recording_id: str, changes: list, via: str | None = None, expects: dict | None = None,
              note: tuple[str, dict] | None = None) -> dict:
        """Queue the change; returns no heads (the writer records them in the undo history's heads when the
        change lands, which is when the next undo reads them). `note`: the store's audit note (proposals)."""
        if not self._may_redact():  # let the real store refuse (and audit) now, as it always has
            return self._store.apply(recording_id, changes, via=via, expects=expects, note=note)
        bounds = None
        for c in changes:
            if c.new is None:
                continue
            bounds = bounds or self._store.bounds(recording_id)
            if isinstance(c, TrackChange):
                check_track(c.new, bounds)
            else:
                if c.kind not in ("blackout", "audio"):
                    raise ValueError(f"range kind must be blackout or audio, got {c.kind!r}")
                check_range(c.kind, c.new, bounds)
        heads = self._store.gov.undo_heads
        if self._writer.on_writer_thread:  # already on the writer: in order, now
            return self._store.apply(recording_id, changes, via=via, expects=expects, note=note)
        with self._lock:
            self._tokens += 1
            token = self._tokens
            self._pending.append((token, recording_id, list(changes)))
        self._ranked(c.entity[1] for c in changes if isinstance(c, TrackChange))

        def write() -> None:
            try:
                # what an undo expects is what the history's heads are once every earlier change has landed
                now = None if expects is None else {e: heads.get(e, MISSING) for e in expects}
                heads.update(self._store.apply(recording_id, changes, via=via, expects=now, note=note))
            finally:
                with self._lock:  # landed (or refused): the database is the truth for it from now on
                    self._pending = [p for p in self._pending if p[0] != token]

        self._writer.submit(write, on_error=lambda exc: self._failed(recording_id, via, exc),
                            label="mask change")
        return {}

    def _may_redact(self) -> bool:
        """The early role check, asked again at most every REDACT_RECHECK_S while it says yes: a drag stores a step
        four times a second, and each question is two database reads on the UI thread, which wait for the GIL at
        every SQLite call while a sync runs. A role withdrawn in between is still refused, by the store on the
        writer thread (audited there, reported through on_failed); a refusal is never remembered."""
        now = time.monotonic()
        if now < self._redact_until:
            return True
        if not self._store.gov.can(Action.REDACT):
            return False
        self._redact_until = now + REDACT_RECHECK_S
        return True

    def _failed(self, recording_id: str, via: str | None, exc: BaseException) -> None:
        self._redact_until = 0.0  # perhaps refused for the role: the next change asks again, at once
        for reload in list(self.reloaders):
            reload(recording_id)
        if self._on_failed is not None:
            what = {"undo": "Cannot undo", "redo": "Cannot redo"}.get(via or "", "Mask change not saved")
            self._on_failed(what, exc)


def overlay(ms: MaskSet, changes: list) -> MaskSet:
    """`ms` with `changes` made (what the database will hold once they land)."""
    for c in changes:
        if isinstance(c, TrackChange):
            tid = c.entity[1]
            tracks = list(ms.tracks)
            at = next((i for i, t in enumerate(tracks) if t.id == tid), None)
            if c.new is None or not c.new.applied:  # a proposal not (or no longer) accepted is not in the set
                if at is not None:
                    del tracks[at]
            elif at is None:
                tracks.append(c.new)
            else:
                tracks[at] = c.new
            ms = dataclasses.replace(ms, tracks=tuple(tracks))
        elif isinstance(c, RangeChange):
            field = "blackouts" if c.kind == "blackout" else "audio"
            rid = c.entity[1]
            kept = [x for x in getattr(ms, field) if x.id != rid] + ([c.new] if c.new is not None else [])
            ms = dataclasses.replace(ms, **{field: tuple(sorted(kept, key=lambda x: (x.start_pts, x.id)))})
    return ms

"""The mask editor's store, written behind: the editor (reviewer.redact.editor) sees its change at once and the
database write runs on the one writer thread (ui.writer), so a drag never waits for a sync holding the write lock.

What the editor reads back (`load`) is the database with the writes still in flight applied on top, in the order
they were made. The pending list is copied before the database is read: a write that lands in between is applied
twice, which is harmless because every write names its row (save by id, delete by id).

Checks that need no write stay synchronous, so the user hears at once what is wrong: the shape and range
validation (the same check_track/check_range the store applies) and a role without REDACT (the real store is
called, which refuses and audits as before). A write that fails later (a row gone in the meantime) is reported
through `failed`, and the editor is reloaded from the database so the screen never shows what was not stored.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, Callable

from reviewer.govern.roles import Action
from reviewer.redact.model import MaskSet, MaskTrack, PtsRange
from reviewer.redact.validate import check_range, check_track


class WriteBehindMaskStore:
    def __init__(self, store, writer, on_failed: Callable[[str, BaseException], None] | None = None):
        self._store = store
        self._writer = writer
        self._on_failed = on_failed
        self._lock = threading.Lock()
        self._pending: list[tuple[int, str, str, tuple]] = []  # (token, recording_id, method, args)
        self._tokens = 0
        self.reloaders: list[Callable[[str], None]] = []  # called with a recording id after a failed write

    def __getattr__(self, name: str) -> Any:  # events, bounds, import_set, export_json, ...: the real store's
        return getattr(self._store, name)

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._pending)

    # ---- reading --------------------------------------------------------------------------------------------
    def load(self, recording_id: str, s=None) -> MaskSet:
        if s is not None:
            return self._store.load(recording_id, s)
        with self._lock:
            pending = [p for p in self._pending if p[1] == recording_id]
        ms = self._store.load(recording_id)
        for _t, _rid, method, args in pending:
            ms = _overlay(ms, method, args)
        return ms

    # ---- writing --------------------------------------------------------------------------------------------
    def save_track(self, recording_id: str, track: MaskTrack) -> None:
        if self._refused_here():
            return self._store.save_track(recording_id, track)
        check_track(track, self._store.bounds(recording_id))
        self._queue(recording_id, "save_track", (track,))

    def delete_track(self, recording_id: str, track_id: str) -> None:
        if self._refused_here():
            return self._store.delete_track(recording_id, track_id)
        self._queue(recording_id, "delete_track", (track_id,))

    def save_range(self, recording_id: str, kind: str, r: PtsRange) -> None:
        if self._refused_here():
            return self._store.save_range(recording_id, kind, r)
        if kind not in ("blackout", "audio"):
            raise ValueError(f"range kind must be blackout or audio, got {kind!r}")
        check_range(kind, r, self._store.bounds(recording_id))
        self._queue(recording_id, "save_range", (kind, r))

    def delete_range(self, recording_id: str, range_id: str) -> None:
        if self._refused_here():
            return self._store.delete_range(recording_id, range_id)
        self._queue(recording_id, "delete_range", (range_id,))

    def _refused_here(self) -> bool:
        """A role that may not redact: let the real store refuse (and audit) now, as it always has."""
        return not self._store.gov.can(Action.REDACT)

    def _queue(self, recording_id: str, method: str, args: tuple) -> None:
        if self._writer.on_writer_thread:  # already on the writer (an undo run there): write in order, now
            getattr(self._store, method)(recording_id, *args)
            return
        with self._lock:
            self._tokens += 1
            token = self._tokens
            self._pending.append((token, recording_id, method, args))

        def write() -> None:
            try:
                getattr(self._store, method)(recording_id, *args)
            finally:
                with self._lock:  # landed (or failed): the database is the truth for it from now on
                    self._pending = [p for p in self._pending if p[0] != token]

        self._writer.submit(write, on_error=lambda exc: self._failed(recording_id, method, exc),
                            label=f"mask {method.replace('_', ' ')}")

    def _failed(self, recording_id: str, method: str, exc: BaseException) -> None:
        for reload in list(self.reloaders):
            reload(recording_id)
        if self._on_failed is not None:
            self._on_failed(f"Mask change not saved ({method.replace('_', ' ')})", exc)


def _overlay(ms: MaskSet, method: str, args: tuple) -> MaskSet:
    if method == "save_track":
        (track,) = args
        tracks = list(ms.tracks)
        at = next((i for i, t in enumerate(tracks) if t.id == track.id), None)
        if at is None:
            tracks.append(track)
        else:
            tracks[at] = track
        return dataclasses.replace(ms, tracks=tuple(tracks))
    if method == "delete_track":
        (track_id,) = args
        return dataclasses.replace(ms, tracks=tuple(t for t in ms.tracks if t.id != track_id))
    if method == "save_range":
        kind, r = args
        field = "blackouts" if kind == "blackout" else "audio"
        kept = [x for x in getattr(ms, field) if x.id != r.id] + [r]
        return dataclasses.replace(ms, **{field: tuple(sorted(kept, key=lambda x: (x.start_pts, x.id)))})
    if method == "delete_range":
        (range_id,) = args
        return dataclasses.replace(ms, blackouts=tuple(x for x in ms.blackouts if x.id != range_id),
                                   audio=tuple(x for x in ms.audio if x.id != range_id))
    raise ValueError(method)

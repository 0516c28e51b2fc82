"""The Library facade: the one object the UI and CLI use to reach the local library."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import DatabaseError

from reviewer.config import Paths, default_home
from reviewer.errors import Cancelled, IntegrityError, NotFound, ReviewerError, StillUploading
from reviewer.events import Publisher
from reviewer.govern.gated import gated, read_only, ungated
from reviewer.govern.governance import Governance
from reviewer.govern.roles import Action
from reviewer.govern.signing import KeyUnavailable
from reviewer.leftovers import sweep_exports
from reviewer.library.db import open_database
from reviewer.library.ingest import ImportReport, Ingestor, subtask
from reviewer.library.models import Incident, Recording, utcnow
from reviewer.library.originals import OriginalStore
from reviewer.library.private import restrict_umask, tighten
from reviewer.library.search import recordings_query
from reviewer.library.views import RecordingView, view_of
from reviewer.media.caps import check_picture
from reviewer.media.frametable_cache import FrameTableCache
from reviewer.media.probe import MediaInfo, display_geometry, parse_time_tag, probe
from reviewer.media.source import MediaSource
from reviewer.progress import NO_TASK, Task


@dataclass(frozen=True, eq=False, kw_only=True)
class OpenRecording(MediaSource):
    """A verified recording ready for review: a MediaSource (path, info, table, camera_start, reader()) plus its
    library view. `path` is the read-only original."""

    view: RecordingView = field()


class Library:
    def __init__(self, home: Path | None = None, actor: str | None = None, as_os_account: bool = False):
        home = Path(home) if home is not None else default_home()
        existed = (home / "library.sqlite3").exists()
        restrict_umask()  # from here on, everything this process creates is private to its account
        self.paths = Paths(home).ensure()
        loosened = tighten(self.paths.home, self.paths.originals)
        try:
            self.engine, self.sessions = open_database(self.paths.database)
        except DatabaseError as exc:
            raise ReviewerError(f"{self.paths.database}: library database cannot be opened ({exc.orig})") from None
        self.store = OriginalStore(self.paths.originals)
        self.frame_tables = FrameTableCache(self.paths.frame_tables)
        # One writer at a time: SQLite would otherwise fail a second writer whose read snapshot went stale.
        self._write_lock = threading.RLock()
        # identity (the OS account; REVIEWER_USER in a test library), permissions, the audit trail and the undo
        # stack of this library. as_os_account ignores REVIEWER_USER (only `admin init` needs that).
        try:
            self.gov = Governance(self.paths, self.sessions, self._write_lock, as_os_account)
        except BaseException:
            self.engine.dispose()
            raise
        self.actor = actor or self.gov.actor
        self._register_key()
        if loosened and existed:  # a new library's folder is simply made private; an existing one is reported
            self.gov.record_now("library", "", "library.permissions_tightened",
                                details={"changed": len(loosened), "paths": loosened[:50]})
        self._events = Publisher()
        # fetches a catalogued recording's footage from the central store (reviewer/sync/downloads.py), once a
        # store is attached; None for a standalone library
        self._footage: Callable[[str, Task], RecordingView] | None = None
        self._ingestor = Ingestor(self.paths, self.sessions, self.store, self.frame_tables, self._write_lock,
                                  lambda: self.actor, self.gov)
        # what killed imports and exports left: only temps no running process holds (reviewer/leftovers.py)
        self.store.clean_stale_temps()
        sweep_exports(self.paths.exports)

    def _register_key(self) -> None:
        """Make this workstation's signing key known to an initialised library (once; audited), so what it seals
        verifies even before its first checkpoint. Without a secure keyring the library still opens: sealing
        then refuses, with the reason, when it is attempted."""
        if not self.gov.has_supervisor():
            return  # a new library: its first event is the naming of its supervisor
        try:
            self.gov.register_key(quick=True)
        except KeyUnavailable as exc:
            self.gov.seal_error = str(exc)

    # ---- events ----------------------------------------------------------------------------------------------
    @ungated("subscribing to change events")
    def subscribe(self, callback: Callable[[str, dict], None]) -> None:
        """Events: ("recordings_changed", {"added": [ids]} or {"id": id}), ("integrity_failed", {"id", "path",
        "expected", "actual"}). Callbacks run on the emitting thread (often a worker)."""
        self._events.subscribe(callback)

    @ungated("subscribing to change events")
    def unsubscribe(self, callback: Callable[[str, dict], None]) -> None:
        self._events.unsubscribe(callback)

    # ---- import ----------------------------------------------------------------------------------------------
    @gated(Action.IMPORT)
    def import_paths(self, paths: list[Path], incident: str | None = None, task: Task = NO_TASK) -> ImportReport:
        """Import files and folders (recursively). Per-file problems land in report.errors; a cancel stops after
        the current file is discarded and sets report.cancelled (earlier files stay imported). The permission and
        the audit events are the ingestor's (Ingestor.run)."""
        report = self._ingestor.run([Path(p) for p in paths], incident, task)
        for path, message in report.errors:
            self.gov.record_now("file", str(path), "recording.import", outcome="failed", details={"error": message})
        if report.added:
            self._events.emit("recordings_changed", {"added": [v.id for v in report.added]})
        for _path, view in report.repaired:
            self._events.emit("recordings_changed", {"id": view.id})
        return report

    # ---- queries ---------------------------------------------------------------------------------------------
    @read_only
    def recordings(self, text: str | None = None, since: dt.datetime | None = None, until: dt.datetime | None = None,
                   incident: str | None = None) -> list[RecordingView]:
        with self.sessions() as s:
            return [view_of(rec, ref, self.paths) for rec, ref in s.execute(
                recordings_query(text, since, until, incident)).all()]

    @read_only
    def get(self, recording_id: str) -> RecordingView:
        """By full id or a unique prefix of it."""
        key = recording_id.strip().lower()
        if not key:
            raise NotFound("no recording id given")
        with self.sessions() as s:
            rows = s.execute(
                recordings_query().where(Recording.id.startswith(key, autoescape=True)).limit(2)
            ).all()
            if not rows:
                raise NotFound(f"no recording with id {recording_id!r} in the library at {self.paths.home}")
            if len(rows) > 1:
                raise NotFound(f"recording id prefix {recording_id!r} is ambiguous; give more characters")
            rec, ref = rows[0]
            return view_of(rec, ref, self.paths)

    @read_only
    def incidents(self) -> list[tuple[str, int]]:
        live = Recording.deleted_at.is_(None)
        with self.sessions() as s:
            rows = s.execute(
                select(Incident.reference, func.count(Recording.id))
                .outerjoin(Recording, (Recording.incident_id == Incident.id) & live)
                .where(Incident.deleted_at.is_(None))
                .group_by(Incident.id)
                .order_by(Incident.reference)
            ).all()
        return [(ref, int(n)) for ref, n in rows]

    # ---- opening ---------------------------------------------------------------------------------------------
    @gated(Action.VIEW)
    def open_recording(self, recording_id: str, task: Task = NO_TASK, reason: str | None = None) -> OpenRecording:
        """Verify the original against its hash, then load (or build and cache) its frame table.

        Raises IntegrityError naming the original when it is missing or altered; the recording is then flagged
        "failed" and an "integrity_failed" event is emitted. The opening is audited with `reason` (why the
        footage is consulted, DPA 2018 s62), or the reason already given for it in this session.
        """
        view = self.get(recording_id)
        self.gov.require(Action.VIEW, "recording", view.id)
        if reason:
            self.gov.remember_justification(view.id, reason)
        if not view.is_local:  # footage on demand: opening a catalogued recording downloads it first
            view = self.ensure_local(view.id, task)
        try:
            opened = self._open_verified(view, task)
        except Cancelled:
            raise
        except ReviewerError as exc:
            self.gov.record_now("recording", view.id, "recording.open", outcome="failed", details={"error": str(exc)},
                                justification=self.gov.justification_for(view.id))
            raise
        self.gov.record_now("recording", view.id, "recording.open", justification=self.gov.justification_for(view.id),
                            details={"sha256": view.sha256, "file_name": view.file_name})
        return opened

    def _open_verified(self, view: RecordingView, task: Task) -> OpenRecording:
        path = view.original_path
        if not path.is_file():
            self._flag(view, "failed", expected=view.sha256, actual="nothing (the original is missing)")
            raise IntegrityError(path, view.sha256, "no file (the original is missing from the store)")
        actual = self.store.verify(view.sha256, path, subtask(task, 0.0, 0.8))
        if actual != view.sha256:
            self._flag(view, "failed", expected=view.sha256, actual=actual)
            raise IntegrityError(path, view.sha256, actual)
        view = self._flag(view, "ok")
        table = self.frame_tables.get_or_build(view.sha256, path, subtask(task, 0.8, 0.2))
        info = self._media_info(view, path, task)
        check_picture(path, info.width, info.height, info.pix_fmt)  # imported before the limits existed
        task.report(1.0, "opened")
        return OpenRecording(path=path, info=info, table=table, camera_start=view.camera_start, view=view)

    def _flag(self, view: RecordingView, state: str, **details: str) -> RecordingView:
        with self.gov.write() as s:
            rec = s.get(Recording, view.id)
            if rec is None:
                raise NotFound(f"recording {view.id} disappeared while it was being opened")
            changed = rec.integrity != state
            rec.integrity = state
            rec.verified_at = utcnow()  # local bookkeeping: deliberately not a revision bump (see Tracked.touch)
            rec.last_used_at = rec.verified_at  # the cache policy evicts the least recently opened first
            if state == "failed":  # committed with the flag, so a failure can never go unrecorded
                self.gov.record(s, "recording", view.id, "recording.integrity_failed", outcome="failed",
                                details={"path": str(view.original_path), **details})
        view = dataclasses.replace(view, integrity=state, verified_at=rec.verified_at)
        if state == "failed":
            self._events.emit("integrity_failed", {"id": view.id, "path": str(view.original_path), **details})
        if changed:
            self._events.emit("recordings_changed", {"id": view.id})
        return view

    def _media_info(self, view: RecordingView, path: Path, task: Task) -> MediaInfo:
        with self.sessions() as s:
            raw = s.scalar(select(Recording.media_json).where(Recording.id == view.id))
        names = {f.name for f in dataclasses.fields(MediaInfo)}
        try:
            data = json.loads(raw or "{}")
            data["path"] = str(path)
            data["start_time"] = parse_time_tag(data.get("start_time"))
            if set(data) == names - {"sar"}:  # stored before the geometry was read (ADR 0022)
                data["rotation"], data["sar"] = display_geometry(path)
            if set(data) == names:
                return MediaInfo(**data)
        except (ValueError, TypeError):
            pass
        return probe(path, task)[0]  # stored description from an older version: describe the file again

    # ---- footage on demand ----------------------------------------------------------------------------------
    @ungated("attaching the central store's footage source (reviewer/sync/downloads.py checks VIEW itself)")
    def attach_footage(self, fetch: Callable[[str, Task], RecordingView] | None) -> None:
        """fetch(recording_id, task) -> the view once its original is local; None detaches the store."""
        self._footage = fetch

    @gated(Action.VIEW)
    def ensure_local(self, recording_id: str, task: Task = NO_TASK) -> RecordingView:
        """The recording with its footage in the originals store: downloaded from the central store first when
        the library lists it but does not hold it (remote or evicted)."""
        view = self.get(recording_id)
        self.gov.require(Action.VIEW, "recording", view.id)
        if view.is_local:
            return view
        if view.is_uploading:
            raise StillUploading(view.id, view.file_name)
        if self._footage is None:
            raise ReviewerError(f"recording {view.short_id} ({view.file_name}): its footage is in the central store "
                                "only; connect to the store (reviewer sync login) to download it")
        return self._footage(view.id, task)

    # ---- lifetime --------------------------------------------------------------------------------------------
    @ungated("closing the library (seals the audit trail)")
    def close(self) -> None:
        self.gov.close()
        self.engine.dispose()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

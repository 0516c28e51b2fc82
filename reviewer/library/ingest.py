"""Ingest: copy footage into the originals store and record what it is.

Per file: read the sidecar, copy while hashing, stop early on a duplicate, probe and index the *copy* (the bytes
we keep), render the thumbnail, then place the original and commit its row. Until that last step nothing is
visible in the library, so a failure or a cancel leaves the library as it was for that file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from reviewer.config import Paths
from reviewer.errors import Cancelled, MediaError, ReviewerError
from reviewer.govern.gated import gated
from reviewer.govern.roles import Action, PermissionDenied
from reviewer.library.models import Incident, Recording, utcnow
from reviewer.library.originals import Incoming, OriginalStore
from reviewer.library.sidecar import Sidecar, clean_text, read_sidecar
from reviewer.library.views import RecordingView, thumbnail_path, view_of
from reviewer.media.geometry import Geometry
from reviewer.media.frametable_cache import FrameTableCache
from reviewer.media.probe import MediaInfo, probe
from reviewer.media.thumbnail import make_thumbnail
from reviewer.progress import NO_TASK, Task

log = logging.getLogger(__name__)

# Inside a folder these are companions of footage (sidecars, notes, stills), not footage; named explicitly they
# are still tried, since FFmpeg decides what is media.
COMPANION_EXTS = {
    ".json", ".txt", ".md", ".xml", ".csv", ".log", ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".html", ".htm",
    ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".sha256", ".md5", ".ini", ".db",
}


@dataclass
class ImportReport:
    added: list[RecordingView] = field(default_factory=list)
    duplicates: list[tuple[Path, RecordingView]] = field(default_factory=list)
    # intact copies of a recording whose stored original was damaged or missing: the original was restored
    repaired: list[tuple[Path, RecordingView]] = field(default_factory=list)
    errors: list[tuple[Path, str]] = field(default_factory=list)  # message names the file and the problem
    skipped: list[Path] = field(default_factory=list)  # companion files met inside folders
    cancelled: bool = False  # files added before the cancel stay added

    @property
    def ok(self) -> bool:
        return not self.errors and not self.cancelled


def expand(paths: list[Path], report: ImportReport) -> list[Path]:
    """Files to try, in a stable order: named files as given, folders walked recursively."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found: list[Path] = []
            for root, dirs, files in os.walk(p, onerror=lambda e: report.errors.append(
                    (Path(e.filename or p), f"{e.filename or p}: folder cannot be read ({e.strerror})"))):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    f = Path(root) / name
                    if name.startswith(".") or f.suffix.lower() in COMPANION_EXTS:
                        report.skipped.append(f)
                    else:
                        found.append(f)
            out.extend(found)
        else:
            out.append(p)  # a missing path fails later with a clear per-file error
    return out


def subtask(task: Task, start: float, span: float) -> Task:
    """A Task reporting into [start, start + span] of `task`, sharing its cancel token."""
    if task.progress is None:
        return Task(None, task.cancel)
    outer = task.progress
    return Task(lambda f, label: outer(start + f * span, label), task.cancel)


class Ingestor:
    def __init__(self, paths: Paths, sessions: sessionmaker[Session], store: OriginalStore,
                 tables: FrameTableCache, write_lock: threading.RLock, actor: Callable[[], str], gov=None):
        self.paths = paths
        self.gov = gov  # reviewer.govern.governance.Governance: the import is audited in its own transaction
        self.sessions = sessions
        self.store = store
        self.tables = tables
        self.write_lock = write_lock
        self.actor = actor

    @gated(Action.IMPORT)
    def run(self, paths: list[Path], incident: str | None = None, task: Task = NO_TASK) -> ImportReport:
        """Refused (and the refusal audited) before anything is read when the user may not import; each
        recording is then added through the gate with its "recording.import" event."""
        if self.gov is not None:
            self.gov.require(Action.IMPORT, "library", "", {"paths": [str(p) for p in paths]})
        report = ImportReport()
        try:
            incident = clean_text(incident, "incident reference") if incident else None
        except ValueError as exc:  # the whole import is refused: every file would be filed under a bad reference
            raise ReviewerError(str(exc)) from None
        files = expand(paths, report)
        n = max(1, len(files))
        for i, f in enumerate(files):
            sub = subtask(task, i / n, 1 / n)
            try:
                task.check("import")
                sub.report(0.0, f"importing {f.name}")
                dup = self._one(f, incident, sub, report)
                if dup is not None:
                    report.duplicates.append((f, dup))
            except Cancelled:
                report.cancelled = True
                break
            except PermissionDenied:  # the role was taken away mid-import: not a problem of this one file
                raise
            except ReviewerError as exc:
                report.errors.append((f, str(exc)))
            except OSError as exc:
                report.errors.append((f, f"{f}: {exc.strerror or exc}"))
            except Exception as exc:  # a bug must not abort the rest of a folder; it is logged in full
                log.exception("import of %s failed", f)
                report.errors.append((f, f"{f}: unexpected error during import ({exc!r})"))
        if not report.cancelled:
            task.report(1.0, "import finished")
        return report

    # ---- one file --------------------------------------------------------------------------------------------
    def _one(self, src: Path, incident: str | None, task: Task, report: ImportReport) -> RecordingView | None:
        """Import `src`; returns the existing view if it is a duplicate, else appends to report.added."""
        if src.is_dir():
            raise MediaError(src, "is a folder, not a media file")
        sidecar = read_sidecar(src)
        incoming = self.store.copy_in(src, subtask(task, 0.0, 0.45))
        made: list[Path] = []  # cache files this import created, removed again if the import fails
        try:
            existing = self._live_with_hash(incoming.sha256)
            if existing is not None:
                problem = self._original_problem(existing, subtask(task, 0.45, 0.5))
                if problem is not None:
                    report.repaired.append((src, self._repair(src, incoming, existing, problem)))
                    return None
                incoming.discard()
                return existing
            try:
                info, table = probe(incoming.temp, subtask(task, 0.45, 0.45))
            except MediaError as exc:
                raise MediaError(src, exc.problem) from None
            table_file = self.tables.path_for(incoming.sha256)
            if not table_file.exists():
                self.tables.save(incoming.sha256, table)
                made.append(table_file)
            thumb = thumbnail_path(self.paths, incoming.sha256)
            if not thumb.exists():
                try:
                    make_thumbnail(incoming.temp, table, thumb, geometry=Geometry.of(info))
                except MediaError as exc:
                    raise MediaError(src, f"video cannot be decoded ({exc.problem})") from None
                made.append(thumb)
            task.report(0.95, f"recording {src.name}")
            task.check("import")  # the last point where cancelling discards this file
            report.added.append(self._commit(src, incoming, info, sidecar, incident))
            made.clear()
            return None
        finally:
            incoming.discard()
            for p in made:
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()

    def _live_with_hash(self, sha256: str) -> RecordingView | None:
        with self.sessions() as s:
            row = s.execute(
                select(Recording, Incident.reference)
                .outerjoin(Incident, Recording.incident_id == Incident.id)
                .where(Recording.sha256 == sha256, Recording.deleted_at.is_(None))
                .order_by(Recording.imported_at)
            ).first()
            return view_of(row[0], row[1], self.paths) if row else None

    # ---- repair -----------------------------------------------------------------------------------------------
    def _original_problem(self, view: RecordingView, task: Task) -> str | None:
        """What is wrong with the stored original of `view`, None when it is intact. Re-importing the same bytes
        is the moment an intact copy is at hand, so the stored one is checked in full, not just by its flag."""
        path = view.original_path
        try:
            if path.is_symlink() or not path.is_file():
                return "missing"
            if path.stat().st_size != view.size:
                return "size differs"
            actual = self.store.verify(view.sha256, path, task)
        except OSError as exc:
            return f"unreadable ({exc.strerror or exc})"
        return None if actual == view.sha256 else f"altered (SHA-256 {actual})"

    def _repair(self, src: Path, incoming: Incoming, view: RecordingView, problem: str) -> RecordingView:
        """Put the intact copy back as the original, read-only, and set the integrity flag to ok: one audited
        change ("recording.repair"), refused like an import for a role that may not import."""
        if self.gov is None:
            raise ReviewerError(f"{src}: the original of recording {view.id} is {problem}; repair needs governance")
        with self.write_lock, self.gov.gate(Action.IMPORT, "recording", view.id, "recording.repair", details={
                "sha256": view.sha256, "file_name": view.file_name, "restored_from": str(src.absolute()),
                "problem": problem, "previous_integrity": view.integrity}) as g:
            rec = g.session.get(Recording, view.id)
            self.store.restore(incoming, view.original_path)
            rec.integrity = "ok"  # the bytes now in place were hashed while copying, moments ago
            rec.verified_at = utcnow()
            repaired = view_of(rec, view.incident_ref, self.paths)
        return repaired

    def _commit(self, src: Path, incoming: Incoming, info: MediaInfo, sidecar: Sidecar | None,
                incident: str | None) -> RecordingView:
        actor = self.actor()
        start, source = info.start_time, ("container" if info.start_time else None)
        if sidecar is not None and sidecar.start_time is not None:
            start, source = sidecar.start_time, "sidecar"  # an operator's statement beats a camera's clock tag
        ref = incident or (sidecar.incident_ref if sidecar else None)
        media = info.to_json()
        media.pop("path", None)
        with self.write_lock:
            had_original = self.store.find(incoming.sha256) is not None
            final = incoming.commit()
            try:
                with self._transaction() as (s, audited):
                    rec = Recording(
                        sha256=incoming.sha256,
                        file_name=src.name,
                        original_ext=final.suffix,
                        imported_from=str(src.absolute()),
                        size=incoming.size,
                        container=info.container,
                        codec=info.codec,
                        width=info.width,
                        height=info.height,
                        time_base=info.time_base,
                        frame_count=info.frame_count,
                        duration=info.duration,
                        average_fps=info.average_fps,
                        is_vfr=info.is_vfr,
                        has_audio=info.has_audio,
                        audio_codec=info.audio_codec,
                        media_json=json.dumps(media, sort_keys=True),
                        camera_start=start,
                        camera_start_source=source,
                        officer_id=sidecar.officer_id if sidecar else None,
                        device_id=sidecar.device_id if sidecar else None,
                        incident=self._incident(s, ref, actor) if ref else None,
                        integrity="ok",  # hashed while copying, moments ago
                        verified_at=utcnow(),
                        updated_by=actor,
                    )
                    s.add(rec)
                    s.flush()
                    view = view_of(rec, ref, self.paths)
                    audited(rec.id, {"sha256": rec.sha256, "file_name": rec.file_name,
                                     "imported_from": rec.imported_from, "size": rec.size, "incident_ref": ref,
                                     "camera_start_source": source})
                    if self.gov is not None:
                        self._flag_future_start(s, rec)
            except BaseException:
                if not had_original:
                    self.store.remove(final)
                raise
        return view

    def _flag_future_start(self, s: Session, rec: Recording) -> None:
        from reviewer.govern.retention import FUTURE_TOLERANCE, camera_start_in_future

        if camera_start_in_future(rec.camera_start, rec.imported_at):
            self.gov.record(s, "recording", rec.id, "recording.camera_start_future", outcome="flagged", details={
                "camera_start": rec.camera_start.isoformat(), "camera_start_source": rec.camera_start_source,
                "imported_at": rec.imported_at.isoformat(),
                "tolerance_hours": FUTURE_TOLERANCE / dt.timedelta(hours=1),
                "effect": "ignored for retention: the clock runs from the import time"})

    @contextlib.contextmanager
    def _transaction(self):
        """(session, audited(recording_id, details)): through the gate (IMPORT, event "recording.import") when
        the ingestor belongs to a governed library."""
        if self.gov is None:
            with self.sessions.begin() as s:
                yield s, lambda _object_id, _details: None
            return
        with self.gov.gate(Action.IMPORT, "recording", "", "recording.import") as g:
            def audited(object_id: str, details: dict) -> None:
                g.object_id = object_id
                g.details.update(details)

            yield g.session, audited

    @staticmethod
    def _incident(s: Session, reference: str, actor: str) -> Incident:
        inc = s.scalar(select(Incident).where(Incident.reference == reference))
        if inc is None:
            inc = Incident(reference=reference, updated_by=actor)
            s.add(inc)
        elif inc.deleted_at is not None:
            inc.deleted_at = None
            inc.touch(actor)
        return inc

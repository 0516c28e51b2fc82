"""Retention status and purge runs.

A purge of one recording is one transaction: re-check that it is still due (a mark or hold may have arrived
since the status was read), check the central-store seam, tombstone the recording, write the Purge record and
its audit event. Only after that commit are the files removed (original, cached frame table, thumbnail, onset
envelope), and the Purge record notes when they are gone. A crash between the two leaves files that the next run removes; the
reverse order could leave a live recording whose original is missing.

The sync seam: `store_confirms(sha256) -> bool` answers "has the central store confirmed this footage may
go?". Footage it has not confirmed is never deleted (state stays "due", reported as skipped). A local-only
library has no central store, so `local_only` confirms everything; a library linked to a store confirms only what
the store says it purged (reviewer/sync/purges.py, through `default_store_confirms`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import select

from reviewer.errors import NotFound, ReviewerError
from reviewer.govern.gated import gated, read_only, ungated
from reviewer.govern.retention import DUE, Policies, RetentionStatus, statuses
from reviewer.govern.roles import Action
from reviewer.library.models import Recording, utcnow
from reviewer.library.models_govern import Purge
from reviewer.incident.onset import EnvelopeCache
from reviewer.library.views import thumbnail_path
from reviewer.progress import NO_TASK, Task

StoreConfirms = Callable[[str], bool]
CLOCK_SLACK = dt.timedelta(minutes=5)


def local_only(sha256: str) -> bool:
    """No central store: the local copy is the only one, and retention law applies to it directly."""
    return True


def default_store_confirms(library) -> StoreConfirms:
    """The seam sync fills in: a library whose catalog comes from a central store deletes footage only on the
    store's word that it was purged (reviewer/sync/purges.py); a standalone library is its own authority."""
    from reviewer.sync.purges import linked, store_confirms

    return store_confirms(library) if linked(library) else local_only


@dataclass(frozen=True)
class PurgeView:
    id: str
    recording_id: str
    sha256: str
    file_name: str
    rule: str
    expired_at: dt.datetime
    purged_at: dt.datetime
    purged_by: str
    files: tuple[str, ...]
    files_removed: bool

    def to_json(self) -> dict:
        return {"id": self.id, "recording_id": self.recording_id, "sha256": self.sha256,
                "file_name": self.file_name, "rule": self.rule, "expired_at": self.expired_at.isoformat(),
                "purged_at": self.purged_at.isoformat(), "purged_by": self.purged_by, "files": list(self.files),
                "files_removed": self.files_removed}


def purge_view(p: Purge) -> PurgeView:
    return PurgeView(p.id, p.recording_id, p.sha256, p.file_name, p.rule, p.expired_at, p.purged_at, p.purged_by,
                     tuple(json.loads(p.files_json)), p.files_removed_at is not None)


@dataclass
class PurgeReport:
    now: dt.datetime
    dry_run: bool
    due: list[RetentionStatus] = field(default_factory=list)  # what is (or was, before this run) due
    purged: list[PurgeView] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (recording id, why)

    def to_json(self) -> dict:
        return {"now": self.now.isoformat(), "dry_run": self.dry_run, "due": [d.to_json() for d in self.due],
                "purged": [p.to_json() for p in self.purged],
                "skipped": [{"recording_id": r, "reason": why} for r, why in self.skipped]}


class Retention:
    def __init__(self, library, store_confirms: StoreConfirms | None = None):
        self.library = library
        self.gov = library.gov
        self.policies = Policies(self.gov)
        self.store_confirms = store_confirms or default_store_confirms(library)

    @read_only
    def status(self, now: dt.datetime | None = None) -> list[RetentionStatus]:
        """Every live recording's retention state and days left, soonest deadline first. Open to every role."""
        with self.gov.sessions() as s:
            return statuses(s, _aware(now or utcnow()))

    @read_only
    def status_of(self, recording_id: str, now: dt.datetime | None = None) -> RetentionStatus:
        with self.gov.sessions() as s:
            found = statuses(s, _aware(now or utcnow()), [recording_id])
        if not found:
            raise NotFound(f"no live recording {recording_id} in the library")
        return found[0]

    @read_only
    def purges(self) -> list[PurgeView]:
        with self.gov.sessions() as s:
            return [purge_view(p) for p in s.scalars(select(Purge).order_by(Purge.purged_at, Purge.id))]

    @gated(Action.RUN_PURGE)
    def run(self, now: dt.datetime | None = None, dry_run: bool = False, task: Task = NO_TASK) -> PurgeReport:
        """Purge everything due at `now` (default: the real time). A dry run changes nothing and needs no
        permission. A simulated clock may not run ahead of the real one except in a dry run: it would delete
        footage before its time."""
        real = utcnow()
        now = _aware(now or real)
        report = PurgeReport(now, dry_run)
        if not dry_run:
            if now > real + CLOCK_SLACK:
                raise ReviewerError(f"--now {now.isoformat()} is in the future; a simulated clock ahead of the "
                                    "real one may only be used with --dry-run")
            self.gov.require(Action.RUN_PURGE, "retention", "", {"now": now.isoformat()})
        report.due = [st for st in self.status(now) if st.state == DUE]
        if dry_run:
            for st in report.due:
                if not self.store_confirms(st.sha256):
                    report.skipped.append((st.recording_id, "the central store has not confirmed the purge"))
            return report
        self._finish_pending()
        for i, st in enumerate(report.due):
            task.check("purge")
            task.report(i / max(1, len(report.due)), f"purging {st.file_name}")
            why = self._purge_one(st.recording_id, now, report)
            if why:
                report.skipped.append((st.recording_id, why))
        self.gov.record_now("retention", "", "retention.run", details={
            "now": now.isoformat(), "simulated_clock": abs(now - real) > CLOCK_SLACK, "due": len(report.due),
            "purged": [p.recording_id for p in report.purged], "skipped": [r for r, _ in report.skipped]})
        task.report(1.0, "purge finished")
        return report

    # ---- one recording --------------------------------------------------------------------------------------
    def _purge_one(self, recording_id: str, now: dt.datetime, report: PurgeReport) -> str | None:
        gov, paths = self.gov, self.library.paths
        with gov.write() as s:
            gov.require(Action.RUN_PURGE, "recording", recording_id, s=s)
            found = statuses(s, now, [recording_id])
            if not found or found[0].state != DUE:
                return f"no longer due ({found[0].state if found else 'gone'})"
            st = found[0]
            if not self.store_confirms(st.sha256):
                return "the central store has not confirmed the purge"
            rec = s.get(Recording, recording_id)
            files = [str(p) for p in files_of(self.library, rec)]
            rec.deleted_at = utcnow()
            rec.touch(gov.actor)
            p = Purge(recording_id=rec.id, sha256=rec.sha256, file_name=rec.file_name, rule=st.rule,
                      expired_at=st.deadline, purged_at=rec.deleted_at, purged_by=gov.username,
                      files_json=json.dumps(files), updated_by=gov.actor)
            s.add(p)
            s.flush()
            gov.record(s, "recording", rec.id, "retention.purge", details={
                "purge_id": p.id, "sha256": rec.sha256, "file_name": rec.file_name, "rule": st.rule,
                "recorded_at": st.recorded_at.isoformat(), "expired_at": st.deadline.isoformat(),
                "now": now.isoformat(), "files": files})
            gov.notify("retention_changed", {"recording_id": rec.id})
            purge_id = p.id
        self._remove_files(purge_id)
        with gov.sessions() as s:
            report.purged.append(purge_view(s.get(Purge, purge_id)))
        self.library._events.emit("recordings_changed", {"id": recording_id})
        return None

    @ungated("removes the files of a purge already committed and audited (a local or a central store purge)")
    def remove_files(self, purge_id: str) -> None:
        """Remove a committed purge's files (also used by purges the central store ordered)."""
        self._remove_files(purge_id)

    def _finish_pending(self) -> None:
        with self.gov.sessions() as s:
            pending = s.scalars(select(Purge.id).where(Purge.files_removed_at.is_(None))).all()
        for pid in pending:
            self._remove_files(pid)

    def _remove_files(self, purge_id: str) -> None:
        gov = self.gov
        with gov.sessions() as s:
            p = s.get(Purge, purge_id)
            shared = s.scalar(select(Recording.id).where(Recording.sha256 == p.sha256,
                                                         Recording.deleted_at.is_(None)).limit(1))
            files = [Path(f) for f in json.loads(p.files_json)]
        failed = []
        if shared is None:  # the same footage imported again since: its files are that recording's now
            for f in files:
                try:
                    _unlink_read_only(f)
                except OSError as exc:
                    failed.append(f"{f}: {exc.strerror or exc}")
        with gov.write() as s:
            if failed:
                gov.record(s, "recording", p.recording_id, "retention.purge_files", outcome="failed",
                           details={"purge_id": purge_id, "errors": failed})
            else:
                s.get(Purge, purge_id).files_removed_at = utcnow()  # bookkeeping: no revision bump


def files_of(library, rec: Recording) -> list[Path]:
    out = []
    original = library.store.find(rec.sha256)
    if original is not None:
        out.append(original)
    out += [library.frame_tables.path_for(rec.sha256), thumbnail_path(library.paths, rec.sha256)]
    onsets = EnvelopeCache(library.paths.onsets).path_for(rec.sha256)  # derived from its audio, when aligned
    if onsets.exists():
        out.append(onsets)
    return out


def _unlink_read_only(path: Path) -> None:
    """Originals are stored read-only; make the file writable first (Windows refuses to unlink otherwise)."""
    with contextlib.suppress(FileNotFoundError):
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        path.unlink()


def _aware(t: dt.datetime) -> dt.datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ReviewerError(f"time {t.isoformat()} has no time zone; give one (e.g. 2024-06-01T00:00:00Z)")
    return t.astimezone(dt.timezone.utc)

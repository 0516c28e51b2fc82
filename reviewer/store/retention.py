"""Retention at the centre (ADR 0014): how long the store keeps each recording, and the job that purges, notifies
and destroys. One function decides a recording's date (due()); the job, the notices and the admin answers use it.

- legal hold: never deleted;
- evidential: kept `evidential_days`, then due for review by a person, never purged automatically;
- otherwise: `non_evidential_days` (31) from the earlier of camera start and registration (upload), or the
  recording's category period when that is longer (the longest wins).
A purge keeps a tombstone: a supervisor may restore the recording for `restore_days`; then the blob is destroyed
(the storage refuses while an Object Lock protects it, and the refusal is audited).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reviewer.store import audit, events
from reviewer.store.db import transact
from reviewer.store.errors import BlobLocked, BlobNotFound
from reviewer.store.models import Blob, Recording, TrainingShare
from reviewer.store.models_retention import ProbeResult, RetentionMark, StoreEvent, Tombstone

ACTOR = "retention job"
DAY = dt.timedelta(days=1)
log = logging.getLogger("reviewer.store.retention")


@dataclass(frozen=True)
class Settings:
    non_evidential_days: int = 31
    evidential_days: int = 2557
    notice_days: int = 7
    restore_days: int = 7
    interval_s: float = 3600.0

    @classmethod
    def of(cls, config) -> "Settings":
        from reviewer.store.errors import ConfigError

        r = getattr(config, "retention", {}) or {}
        try:
            got = cls(int(r.get("non_evidential_days", 31)), int(r.get("evidential_days", 2557)),
                      int(r.get("notice_days", 7)), int(r.get("restore_days", 7)),
                      float(r.get("interval_seconds", 3600)))
            float(r.get("events_poll_seconds", 0.5))
        except (TypeError, ValueError) as exc:
            raise ConfigError(None, f"[retention]: bad value: {exc}") from None
        if min(got.non_evidential_days, got.evidential_days, got.interval_s) <= 0 or \
                min(got.notice_days, got.restore_days) < 0:
            raise ConfigError(None, "[retention]: periods must be positive (notice and restore days may be 0)")
        return got


@dataclass(frozen=True)
class Due:
    at: dt.datetime | None  # None: under legal hold
    purgeable: bool  # False: held or evidential (a person decides)
    rule: str


def recorded_at(started_at: dt.datetime | None, registered_at: dt.datetime) -> dt.datetime:
    return min(started_at, registered_at) if started_at is not None else registered_at


def due(started_at, registered_at, mark: RetentionMark | None, st: Settings) -> Due:
    if mark is not None and mark.legal_hold:
        return Due(None, False, "legal hold")
    days, rule = st.non_evidential_days, "non_evidential"
    if mark is not None and mark.category_days > days:
        days, rule = mark.category_days, mark.category or "category"
    if mark is not None and mark.evidential:
        if st.evidential_days > days:
            days, rule = st.evidential_days, "evidential"
        return Due(recorded_at(started_at, registered_at) + days * DAY, False, rule)
    return Due(recorded_at(started_at, registered_at) + days * DAY, True, rule)


def due_of(s: Session, rec: Recording, st: Settings) -> Due:
    return due(rec.started_at, rec.registered_at, s.get(RetentionMark, rec.sha256), st)


@dataclass
class Report:
    now: dt.datetime
    dry_run: bool
    purged: list[str] = field(default_factory=list)
    noticed: list[str] = field(default_factory=list)
    destroyed: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (sha256, why) the storage kept

    def lines(self) -> list[str]:
        verb = "would " if self.dry_run else ""
        out = [f"{verb}purge {sha} (restorable for the restore window)" for sha in self.purged]
        out += [f"{verb}notify deletion of {sha}" for sha in self.noticed]
        out += [f"{verb}destroy {sha}" for sha in self.destroyed]
        out += [f"kept {sha}: {why}" for sha, why in self.refused]
        return out


def run(sessions, blobs, st: Settings, now: dt.datetime, dry_run: bool = False) -> Report:
    """One pass: purge what is due, notify what will be due within notice_days, destroy tombstones whose restore
    window has passed. Each recording in its own transaction, re-checked inside it, so passes in several
    processes at once do each thing once."""
    report = Report(now, dry_run)
    with sessions() as s:
        # a recording still uploading has no footage to purge (its upload's expiry withdraws it)
        live = s.scalars(select(Recording).where(Recording.state == "available")
                         .order_by(Recording.registered_at)).all()
        dues = {r.sha256: due_of(s, r, st) for r in live}
        expired = s.scalars(select(Tombstone.sha256).where(Tombstone.state == "purged",
                                                           Tombstone.restore_until <= now)).all()
    for rec in live:
        d = dues[rec.sha256]
        if not d.purgeable:
            continue
        if d.at <= now:
            if dry_run or _purge(sessions, rec.sha256, st, now):
                report.purged.append(rec.sha256)
        elif d.at <= now + st.notice_days * DAY:
            if dry_run or _notice(sessions, rec.sha256, d.at):
                report.noticed.append(rec.sha256)
    for sha in expired:
        if dry_run:
            report.destroyed.append(sha)
            continue
        why = _destroy(sessions, blobs, sha, now)
        if why:
            report.refused.append((sha, why))
        else:
            report.destroyed.append(sha)
    return report


def _purge(sessions, sha: str, st: Settings, now: dt.datetime) -> bool:
    def body(s: Session) -> bool:
        rec = s.get(Recording, sha)
        if rec is None:
            return False
        d = due_of(s, rec, st)
        if not d.purgeable or d.at > now:
            return False  # marked since the pass began
        restore_until = now + st.restore_days * DAY
        s.add(Tombstone(sha256=sha, incident_id=rec.incident_id, file_name=rec.file_name, camera=rec.camera,
                        started_at=rec.started_at, registered_at=rec.registered_at, due_at=d.at, purged_at=now,
                        restore_until=restore_until, state="purged"))
        shares = s.scalars(select(TrainingShare).where(TrainingShare.recording_sha256 == sha)).all()
        for sh in shares:
            s.delete(sh)
        s.delete(rec)
        s.flush()
        audit.record(s, ACTOR, "retention_purge", "recording", sha, details={
            "incident": rec.incident_id, "file_name": rec.file_name, "due_at": d.at.isoformat(), "rule": d.rule,
            "restore_until": restore_until.isoformat(), "training_shares_removed": [sh.id for sh in shares]})
        events.emit(s, "recording_deleted", sha, rec.incident_id, restore_until=restore_until.isoformat())
        return True
    try:
        return transact(sessions, body)
    except IntegrityError:
        return False  # another process purged it first


def _notice(sessions, sha: str, due_at: dt.datetime) -> bool:
    def body(s: Session) -> bool:
        rec = s.get(Recording, sha)
        if rec is None:
            return False
        sent = s.scalars(select(StoreEvent.details).where(StoreEvent.kind == "deletion_notice",
                                                          StoreEvent.sha256 == sha)).all()
        if any(f'"due_at": "{due_at.isoformat()}"' in d for d in sent):
            return False  # one notice per recording and date
        events.emit(s, "deletion_notice", sha, rec.incident_id, due_at=due_at.isoformat(), file_name=rec.file_name)
        return True
    return transact(sessions, body)


def _destroy(sessions, blobs, sha: str, now: dt.datetime) -> str | None:
    """Delete the blob from storage, then record it; returns why the storage refused, if it did."""
    try:
        blobs.delete(sha)
    except BlobNotFound:
        pass  # destroyed by an earlier pass that did not get to record it
    except BlobLocked as exc:
        transact(sessions, lambda s: audit.record(s, ACTOR, "retention_destroy", "recording", sha,
                                                  outcome="refused", details={"why": str(exc)}))
        return str(exc)

    def body(s: Session) -> None:
        tomb = s.get(Tombstone, sha)
        if tomb is None or tomb.state != "purged":
            return
        for model in (ProbeResult, RetentionMark):
            row = s.get(model, sha)
            if row is not None:
                s.delete(row)
        s.flush()
        if s.scalar(select(TrainingShare.id).where(TrainingShare.clip_sha256 == sha).limit(1)) is None:
            blob = s.get(Blob, sha)
            if blob is not None:
                s.delete(blob)
        tomb.state, tomb.destroyed_at = "destroyed", now
        audit.record(s, ACTOR, "retention_destroy", "recording", sha,
                     details={"incident": tomb.incident_id, "file_name": tomb.file_name, "purged_at":
                              tomb.purged_at.isoformat()})
        events.emit(s, "recording_destroyed", sha, tomb.incident_id)
    transact(sessions, body)
    return None

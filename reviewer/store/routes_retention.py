"""Retention through the API (ADR 0014): supervisors mark recordings (evidential, legal hold, category) and
restore purged ones; everyone gets the deletion notices of the recordings they may see. Marks reach the storage
as an Object Lock (legal hold; a compliance retention date for evidential footage) before the change commits."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select

from reviewer.store import access, audit, events
from reviewer.store.access import ADMIN, Caller, authenticate
from reviewer.store.context import Context, ctx
from reviewer.store.db import transact
from reviewer.store.errors import Refused, RetentionShortened
from reviewer.store.models import Blob, Incident, Recording
from reviewer.store.models_retention import RetentionMark, Tombstone
from reviewer.store.retention import DAY, Settings, due, recorded_at

router = APIRouter(prefix="/api/v1", tags=["retention"])
PROBLEMS = {401: {"description": "sign-in required"}, 403: {"description": "supervisors only"},
            404: {"description": "not found"}, 409: {"description": "conflict"}}


class MarkIn(BaseModel):
    evidential: bool | None = None
    legal_hold: bool | None = None
    category: str | None = Field(None, max_length=64)
    category_days: int | None = Field(None, ge=0, le=36600)


class RetentionOut(BaseModel):
    sha256: str
    evidential: bool
    legal_hold: bool
    category: str
    category_days: int
    due_at: dt.datetime | None
    rule: str
    purgeable: bool


class Notice(BaseModel):
    sha256: str
    incident_id: str
    file_name: str
    due_at: dt.datetime


class TombstoneOut(BaseModel):
    sha256: str
    incident_id: str
    file_name: str
    purged_at: dt.datetime
    restore_until: dt.datetime
    state: str
    destroyed_at: dt.datetime | None


def retention_out(rec: Recording, mark: RetentionMark | None, st: Settings) -> RetentionOut:
    d = due(rec.started_at, rec.registered_at, mark, st)
    m = mark or RetentionMark(evidential=False, legal_hold=False, category="", category_days=0)
    return RetentionOut(sha256=rec.sha256, evidential=m.evidential, legal_hold=m.legal_hold, category=m.category,
                        category_days=m.category_days, due_at=d.at, rule=d.rule, purgeable=d.purgeable)


def _lock_storage(c: Context, rec: Recording, before: RetentionMark | None, mark: RetentionMark,
                  st: Settings) -> None:
    """Hold and evidential date at the storage layer too. A compliance date cannot be shortened: clearing the
    evidential mark leaves it, and the storage keeps the blob until then (the job audits that refusal)."""
    if before is None or before.legal_hold != mark.legal_hold:
        c.blobs.lock(rec.sha256, legal_hold=mark.legal_hold)
    if mark.evidential:
        until = recorded_at(rec.started_at, rec.registered_at) + max(st.evidential_days, mark.category_days) * DAY
        try:
            c.blobs.lock(rec.sha256, retain_until=until)
        except RetentionShortened:
            pass  # already protected for longer


@router.put("/admin/recordings/{sha256}/retention", response_model=RetentionOut, tags=["admin"],
            responses=PROBLEMS)
def set_retention(sha256: str, body: MarkIn, caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    """Mark a recording evidential, put it under legal hold, or give it a longer category; omitted fields stay."""
    st = Settings.of(c.config)

    def fn(s):
        access.refuse_role(s, caller, ADMIN, "retention_set")
        rec = s.get(Recording, sha256)
        if rec is None:
            raise Refused(404, f"recording {sha256}: not found")
        if rec.state != "available":  # the storage lock needs the object
            raise Refused(409, f"recording {sha256} ({rec.file_name}): still uploading from the dock; mark it once "
                               "its footage is in the store")
        mark = s.get(RetentionMark, sha256)
        before = None if mark is None else RetentionMark(evidential=mark.evidential, legal_hold=mark.legal_hold)
        if mark is None:
            mark = RetentionMark(sha256=sha256, evidential=False, legal_hold=False, category="", category_days=0)
            s.add(mark)
        for name in ("evidential", "legal_hold", "category", "category_days"):
            if getattr(body, name) is not None:
                setattr(mark, name, getattr(body, name))
        mark.updated_by, mark.updated_at = caller.actor, dt.datetime.now(dt.timezone.utc)
        s.flush()
        _lock_storage(c, rec, before, mark, st)
        out = retention_out(rec, mark, st)
        audit.record(s, caller.actor, "retention_set", "recording", sha256,
                     details={**body.model_dump(exclude_none=True), "due_at": out.due_at.isoformat()
                              if out.due_at else None})
        events.emit(s, "recording_changed", sha256, rec.incident_id, evidential=mark.evidential,
                    legal_hold=mark.legal_hold, due_at=out.due_at.isoformat() if out.due_at else None)
        return out
    return transact(c.sessions, fn)


@router.get("/admin/tombstones", response_model=list[TombstoneOut], tags=["admin"], responses=PROBLEMS)
def list_tombstones(caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    """Purged recordings: restorable until restore_until, then destroyed."""
    def fn(s):
        access.refuse_role(s, caller, ADMIN, "tombstones_list")
        rows = s.scalars(select(Tombstone).order_by(Tombstone.purged_at)).all()
        return [TombstoneOut(sha256=t.sha256, incident_id=t.incident_id, file_name=t.file_name,
                             purged_at=t.purged_at, restore_until=t.restore_until, state=t.state,
                             destroyed_at=t.destroyed_at) for t in rows]
    return transact(c.sessions, fn)


@router.post("/admin/recordings/{sha256}/restore", response_model=RetentionOut, tags=["admin"],
             responses={**PROBLEMS, 410: {"description": "destroyed"}})
def restore(sha256: str, caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    """Bring back a purged recording within its restore window. It gets a fresh default period from now
    (category "restored"), so the next pass does not purge it again before someone marks it."""
    st = Settings.of(c.config)

    def fn(s):
        access.refuse_role(s, caller, ADMIN, "retention_restore")
        tomb = s.get(Tombstone, sha256)
        if tomb is None:
            if s.get(Recording, sha256) is not None:
                raise Refused(409, f"recording {sha256}: not purged; nothing to restore")
            raise Refused(404, f"recording {sha256}: not found")
        if tomb.state != "purged":
            raise Refused(410, f"recording {sha256}: destroyed on {tomb.destroyed_at.isoformat()}; cannot restore")
        now = dt.datetime.now(dt.timezone.utc)
        blob = s.get(Blob, sha256)  # kept through the restore window; destroyed only after it
        rec = Recording(sha256=sha256, incident_id=tomb.incident_id, file_name=tomb.file_name, camera=tomb.camera,
                        started_at=tomb.started_at, registered_at=tomb.registered_at, state="available",
                        size=blob.size if blob is not None else 0)
        s.delete(tomb)
        s.flush()
        s.add(rec)
        mark = s.get(RetentionMark, sha256)
        if mark is None:
            mark = RetentionMark(sha256=sha256, evidential=False, legal_hold=False, category="", category_days=0)
            s.add(mark)
        days = (now - recorded_at(rec.started_at, rec.registered_at)) // DAY + 1 + st.non_evidential_days
        if days > mark.category_days:
            mark.category, mark.category_days = "restored", days
        mark.updated_by, mark.updated_at = caller.actor, now
        s.flush()
        out = retention_out(rec, mark, st)
        audit.record(s, caller.actor, "retention_restore", "recording", sha256,
                     details={"incident": rec.incident_id, "due_at": out.due_at.isoformat() if out.due_at else None})
        events.emit(s, "recording_restored", sha256, rec.incident_id, file_name=rec.file_name)
        return out
    return transact(c.sessions, fn)


@router.get("/notices", response_model=list[Notice], responses={401: {"description": "sign-in required"}})
def notices(caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    """Recordings the caller may see that are due for deletion within the notice period (or overdue)."""
    st = Settings.of(c.config)
    horizon = dt.datetime.now(dt.timezone.utc) + st.notice_days * DAY
    with c.read_sessions()() as s:
        rows = s.execute(select(Recording, RetentionMark).outerjoin(RetentionMark,
                                                                     RetentionMark.sha256 == Recording.sha256)
                         .where(Recording.incident_id.in_(access.visible_incidents(caller)
                                                          .with_only_columns(Incident.id)))).all()
        out = []
        for rec, mark in rows:
            d = due(rec.started_at, rec.registered_at, mark, st)
            if d.purgeable and d.at <= horizon:
                out.append(Notice(sha256=rec.sha256, incident_id=rec.incident_id, file_name=rec.file_name,
                                  due_at=d.at))
        return sorted(out, key=lambda n: n.due_at)

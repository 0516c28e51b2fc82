"""Administration, for supervisors only: users and roles, incidents, assignments (the first one files an unfiled
incident), registering a stored blob as a recording of an incident (docks register their own: dock_register.py),
and training shares (shared by one supervisor, approved by another). Every change
writes an audit event in the same transaction; any other role gets 403 whatever the ids."""

from __future__ import annotations

import datetime as dt
import uuid

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete

from reviewer.store import access, audit, events, identity
from reviewer.store.access import ADMIN, Caller, authenticate
from reviewer.store.blobs.base import SHA256_RE
from reviewer.store.context import Context, ctx
from reviewer.store.db import transact
from reviewer.store.errors import Refused
from reviewer.store.models import Assignment, Blob, Incident, Recording, TrainingShare, User

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
PROBLEMS = {401: {"description": "sign-in required"}, 403: {"description": "supervisors only"},
            404: {"description": "not found"}, 409: {"description": "conflict"}}
USER_PROBLEMS = {**PROBLEMS, 400: {"description": "unknown role, or an issuer this store does not trust"}}


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    role: str
    issuer: str = Field("", description='"" for the store\'s own sign-in; else the OIDC issuer URL')


class UserOut(BaseModel):
    id: str
    name: str
    issuer: str
    role: str
    active: bool
    enrolment_code: str | None = None


class UserChange(BaseModel):
    role: str | None = None
    active: bool | None = None


class IncidentIn(BaseModel):
    reference: str = Field(min_length=1, max_length=255)
    title: str = ""


class Created(BaseModel):
    id: str


class RecordingIn(BaseModel):
    sha256: str
    incident_id: str
    file_name: str = Field(min_length=1, max_length=255)
    camera: str = ""
    officer: str = Field("", max_length=255)
    started_at: dt.datetime | None = None


class ShareIn(BaseModel):
    recording_sha256: str
    clip_sha256: str
    title: str = ""


def admin(c: Context, caller: Caller, action: str, fn):
    def body(s):
        access.refuse_role(s, caller, ADMIN, action)
        return fn(s)
    return transact(c.sessions, body)


def user_out(u: User, code: str | None = None) -> UserOut:
    return UserOut(id=u.id, name=u.name, issuer=u.issuer, role=u.role, active=u.active, enrolment_code=code)


def _get(s, model, key, what: str):
    row = s.get(model, key) if key else None
    if row is None:
        raise Refused(404, f"{what} {key}: not found")
    return row


@router.post("/users", response_model=UserOut, status_code=201, responses=USER_PROBLEMS)
def add_user(body: UserIn, caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    """Add a user; for the store's own sign-in the answer carries their one-time enrolment code."""
    def fn(s):
        if body.issuer and body.issuer not in {o.issuer for o in c.config.oidc}:
            raise Refused(400, f"issuer {body.issuer}: not configured in this store's [oidc] section")
        user, code = identity.add_user(s, caller.actor, body.name, body.role, body.issuer, c.config.enrolment_ttl_s)
        return user_out(user, code)
    return admin(c, caller, "user_add", fn)


@router.patch("/users/{user_id}", response_model=UserOut, responses=USER_PROBLEMS)
def change_user(user_id: str, body: UserChange, caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    """Change a user's role, or disable them (their refresh tokens are revoked at once)."""
    return admin(c, caller, "user_change",
                 lambda s: user_out(identity.change_user(s, caller.actor, user_id, body.role, body.active)))


@router.post("/incidents", response_model=Created, status_code=201, responses=PROBLEMS)
def add_incident(body: IncidentIn, caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    def fn(s):
        inc = Incident(id=str(uuid.uuid4()), reference=body.reference, title=body.title,
                       created_at=dt.datetime.now(dt.timezone.utc))
        s.add(inc)
        audit.record(s, caller.actor, "incident_add", "incident", inc.id, details={"reference": body.reference})
        return Created(id=inc.id)
    return admin(c, caller, "incident_add", fn)


@router.put("/incidents/{incident_id}/assignments/{user_id}", status_code=204, responses=PROBLEMS)
def assign(incident_id: str, user_id: str, caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    """Assign a user to an incident (idempotent)."""
    def fn(s):
        inc = _get(s, Incident, incident_id, "incident")
        _get(s, User, user_id, "user")
        if s.get(Assignment, (incident_id, user_id)) is None:
            s.add(Assignment(incident_id=incident_id, user_id=user_id, assigned_by=caller.user_id,
                             assigned_at=dt.datetime.now(dt.timezone.utc)))
            audit.record(s, caller.actor, "assign", "incident", incident_id, details={"user": user_id})
        if inc.unfiled:  # someone now answers for it: it leaves every other supervisor's view
            inc.unfiled = False
            audit.record(s, caller.actor, "incident_filed", "incident", incident_id, details={"user": user_id})
        return Response(status_code=204)
    return admin(c, caller, "assign", fn)


@router.delete("/incidents/{incident_id}/assignments/{user_id}", status_code=204, responses=PROBLEMS)
def unassign(incident_id: str, user_id: str, caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    def fn(s):
        _get(s, Assignment, (incident_id, user_id) if incident_id and user_id else None, "assignment")
        s.execute(delete(Assignment).where(Assignment.incident_id == incident_id, Assignment.user_id == user_id))
        audit.record(s, caller.actor, "unassign", "incident", incident_id, details={"user": user_id})
        return Response(status_code=204)
    return admin(c, caller, "unassign", fn)


@router.post("/recordings", response_model=Created, status_code=201, responses=PROBLEMS)
def register_recording(body: RecordingIn, caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    """File an uploaded, verified blob (tus) under an incident as a recording; its SHA-256 is its id."""
    def fn(s):
        _get(s, Incident, body.incident_id, "incident")
        blob = _get(s, Blob, body.sha256 if SHA256_RE.match(body.sha256) else None, "blob")
        if s.get(Recording, body.sha256) is not None:
            raise Refused(409, f"recording {body.sha256}: already registered")
        if body.started_at is not None and body.started_at.tzinfo is None:
            raise Refused(400, "started_at needs a time zone (UTC)")
        s.add(Recording(sha256=body.sha256, incident_id=body.incident_id, file_name=body.file_name,
                        camera=body.camera, officer=body.officer, started_at=body.started_at, state="available",
                        size=blob.size, registered_at=dt.datetime.now(dt.timezone.utc)))
        audit.record(s, caller.actor, "recording_register", "recording", body.sha256,
                     details={"incident": body.incident_id, "file_name": body.file_name})
        events.emit(s, "recording_registered", body.sha256, body.incident_id, file_name=body.file_name)
        return Created(id=body.sha256)
    return admin(c, caller, "recording_register", fn)


@router.post("/training-shares", response_model=Created, status_code=201, responses=PROBLEMS)
def share_for_training(body: ShareIn, caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    """Share a redacted rendition (already uploaded as a blob) of a recording for training."""
    def fn(s):
        rec = _get(s, Recording, body.recording_sha256, "recording")
        if rec.state != "available":  # a rendition of footage the store does not hold yet cannot be checked
            raise Refused(409, f"recording {rec.sha256}: still uploading from the dock")
        _get(s, Blob, body.clip_sha256 if SHA256_RE.match(body.clip_sha256) else None, "blob")
        if body.clip_sha256 == body.recording_sha256:
            raise Refused(400, "a training clip must be a redacted rendition, not the original recording")
        sh = TrainingShare(id=str(uuid.uuid4()), recording_sha256=body.recording_sha256,
                           clip_sha256=body.clip_sha256, title=body.title, shared_by=caller.user_id)
        s.add(sh)
        audit.record(s, caller.actor, "training_share", "training clip", sh.id,
                     details={"recording": body.recording_sha256, "clip": body.clip_sha256})
        return Created(id=sh.id)
    return admin(c, caller, "training_share", fn)


@router.post("/training-shares/{share_id}/approve", status_code=204, responses=PROBLEMS)
def approve_share(share_id: str, caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    """Approve the mask set a training clip was rendered with: a second supervisor, not the one who shared it."""
    def fn(s):
        sh = _get(s, TrainingShare, share_id, "training clip")
        if sh.shared_by == caller.user_id:
            raise Refused(409, f"training clip {share_id}: shared by you; another supervisor must approve it")
        if sh.approved_by is None:
            sh.approved_by, sh.approved_at = caller.user_id, dt.datetime.now(dt.timezone.utc)
            audit.record(s, caller.actor, "training_approve", "training clip", sh.id)
        return Response(status_code=204)
    return admin(c, caller, "training_approve", fn)

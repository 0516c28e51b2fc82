"""Incidents, recordings and footage, as the caller may see them (access.py). Every id that is not visible
answers 404 with the same body as one that does not exist, and the refusal is audited."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import select

from reviewer.store import access, audit
from reviewer.store.access import Caller, authenticate
from reviewer.store.context import Context, ctx
from reviewer.store.db import transact
from reviewer.store.errors import Refused
from reviewer.store.models import Blob, Incident, Recording
from reviewer.store.ranges import blob_response

router = APIRouter(prefix="/api/v1", tags=["incidents"])
PROBLEMS = {401: {"description": "sign-in required"}, 404: {"description": "not found (or not visible)"}}


class IncidentOut(BaseModel):
    id: str
    reference: str
    title: str
    created_at: dt.datetime
    unfiled: bool = False


class RecordingOut(BaseModel):
    sha256: str
    incident_id: str
    file_name: str
    camera: str
    officer: str = ""
    size: int
    started_at: dt.datetime | None
    registered_at: dt.datetime
    state: str = "available"  # uploading: announced by its dock, footage not yet in (ADR 0018) | available


def incident_out(i: Incident) -> IncidentOut:
    return IncidentOut(id=i.id, reference=i.reference, title=i.title, created_at=i.created_at, unfiled=i.unfiled)


def recording_out(r: Recording) -> RecordingOut:
    return RecordingOut(sha256=r.sha256, incident_id=r.incident_id, file_name=r.file_name, camera=r.camera,
                        officer=r.officer, size=r.size, started_at=r.started_at, registered_at=r.registered_at,
                        state=r.state)


@router.get("/incidents", response_model=list[IncidentOut], responses=PROBLEMS)
def list_incidents(caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    with c.read_sessions()() as s:
        rows = s.scalars(access.visible_incidents(caller).order_by(Incident.created_at, Incident.id)).all()
        return [incident_out(i) for i in rows]


@router.get("/incidents/{incident_id}", response_model=IncidentOut, responses=PROBLEMS)
def incident_detail(incident_id: str, caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    return transact(c.sessions, lambda s: incident_out(access.incident(s, caller, incident_id, "incident_view")))


@router.get("/incidents/{incident_id}/recordings", response_model=list[RecordingOut], responses=PROBLEMS)
def incident_recordings(incident_id: str, caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    def body(s):
        inc = access.incident(s, caller, incident_id, "recordings_list")
        rows = s.scalars(select(Recording).where(Recording.incident_id == inc.id)
                         .order_by(Recording.registered_at)).all()
        return [recording_out(r) for r in rows]
    return transact(c.sessions, body)


@router.get("/recordings/{sha256}", response_model=RecordingOut, responses=PROBLEMS)
def recording_detail(sha256: str, caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    def body(s):
        rec = access.recording(s, caller, sha256, "recording_view")
        return recording_out(rec)
    return transact(c.sessions, body)


@router.get("/recordings/{sha256}/content", responses={
    **PROBLEMS, 206: {"description": "the requested byte range"}, 416: {"description": "range not satisfiable"},
    409: {"description": "still uploading from the dock: no footage yet"},
    200: {"content": {"application/octet-stream": {}}, "description": "the footage; ETag is its SHA-256"}})
def recording_content(sha256: str, request: Request, caller: Caller = Depends(authenticate),
                      c: Context = Depends(ctx)):
    """The original footage. Range and If-Range resume an interrupted download; the ETag is the SHA-256."""
    def body(s):
        rec = access.recording(s, caller, sha256, "footage_download")
        if rec.state != "available":
            raise Refused(409, f"recording {sha256} ({rec.file_name}): still uploading from the dock; its footage "
                               "can be downloaded once the store has received and verified it")
        response, revealed = blob_response(request, c.blobs, rec.sha256, s.get(Blob, rec.sha256).size,
                                           "application/octet-stream", rec.file_name)
        # recorded when the response is decided: a client that hangs up early has still been sent footage
        audit.record(s, caller.actor, "footage_download", "recording", rec.sha256,
                     details={"incident": rec.incident_id, "role": caller.role, **revealed})
        return response
    return transact(c.sessions, body)

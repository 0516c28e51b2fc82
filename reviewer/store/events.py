"""Live notification (ADR 0014): changes are rows of the events table, written in the transaction of the change,
and GET /api/v1/events streams them as server-sent events to every connected caller who may see the recording's
incident. Each server process polls the table, so a change made through one process reaches clients of all.
Resume: the SSE id is the row id; a client reconnecting with Last-Event-ID gets what it missed."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from reviewer.store import access, events_prune
from reviewer.store.access import Caller, authenticate
from reviewer.store.context import Context, ctx
from reviewer.store.models import Incident, User
from reviewer.store.models_retention import StoreEvent

router = APIRouter(prefix="/api/v1", tags=["events"])
EVENTS_LOCK = 0x62777665  # "bwve": ids handed out in commit order on PostgreSQL (SQLite: BEGIN IMMEDIATE)
KEEPALIVE_S = 15.0
BATCH = 500


def emit(s: Session, kind: str, sha256: str, incident_id: str, **details) -> None:
    """Announce a change inside the caller's transaction: it is seen exactly when the change commits."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": EVENTS_LOCK})
    s.add(StoreEvent(at=dt.datetime.now(dt.timezone.utc), kind=kind, sha256=sha256, incident_id=incident_id,
                     details=json.dumps(details, sort_keys=True, default=str)))
    s.flush()


def latest_id(s: Session) -> int:
    return s.scalar(select(func.max(StoreEvent.id))) or 0


def visible_since(c: Context, caller: Caller, cursor: int) -> tuple[int, list[StoreEvent]] | None:
    """Events after cursor that the caller may see now, and the new cursor (past invisible ones too); None once
    the caller's account is disabled (the stream ends). The role is re-read each time: a change applies at once."""
    with c.read_sessions()() as s:
        user = s.get(User, caller.user_id)
        if user is None or not user.active:
            return None
        caller = Caller(user.id, user.name, user.role)
        rows = s.scalars(select(StoreEvent).where(StoreEvent.id > cursor).order_by(StoreEvent.id).limit(BATCH)).all()
        if not rows:
            return cursor, []
        seen = set(s.scalars(access.visible_incidents(caller).with_only_columns(Incident.id)
                             .where(Incident.id.in_({r.incident_id for r in rows}))).all())
        return rows[-1].id, [r for r in rows if r.incident_id in seen]


def frame(e: StoreEvent) -> bytes:
    data = {"kind": e.kind, "sha256": e.sha256, "incident_id": e.incident_id, "at": e.at.isoformat(),
            **json.loads(e.details)}
    return f"id: {e.id}\nevent: {e.kind}\ndata: {json.dumps(data, sort_keys=True)}\n\n".encode()


@router.get("/events", responses={401: {"description": "sign-in required"},
                                  200: {"content": {"text/event-stream": {}},
                                        "description": "server-sent events: recording_registered "
                                                       "(state uploading: announced by a dock, its footage "
                                                       "still arriving), recording_available, "
                                                       "recording_withdrawn, recording_probed, recording_changed, recording_deleted, "
                                                       "recording_restored, deletion_notice, operations, "
                                                       "resync (events after Last-Event-ID were pruned: list "
                                                       "the library again)"}})
async def events(request: Request, caller: Caller = Depends(authenticate), c: Context = Depends(ctx),
                 last_event_id: str | None = Header(None),
                 after: int | None = Query(None, ge=0, description="resume after this event id")):
    """The stream of changes to recordings the caller may see. Without Last-Event-ID (or `after`) it starts now."""
    cursor = after
    if last_event_id is not None and last_event_id.strip().isdigit():
        cursor = int(last_event_id.strip())
    if cursor is None:
        cursor = await run_in_threadpool(lambda: _latest(c))
    poll = float(c.config.retention.get("events_poll_seconds", 0.5))

    pruned = await run_in_threadpool(lambda: _horizon(c))

    async def stream():
        nonlocal cursor
        yield b": connected\n\n"  # headers and a first byte at once, so clients know they are subscribed
        if cursor < pruned:  # what it missed is no longer kept: it must list the library again
            yield resync_frame(pruned)
            cursor = pruned
        key = id(stream)
        idle = 0.0
        try:
            while not await request.is_disconnected():
                events_prune.track(key, cursor)
                got = await run_in_threadpool(visible_since, c, caller, cursor)
                if got is None:
                    return
                cursor, batch = got
                for e in batch:
                    yield frame(e)
                if batch:
                    idle = 0.0
                    continue
                idle += poll
                if idle >= KEEPALIVE_S:
                    idle = 0.0
                    yield b": keepalive\n\n"
                await asyncio.sleep(poll)
        finally:
            events_prune.track(key, None)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def resync_frame(through: int) -> bytes:
    data = {"kind": "resync", "sha256": "", "incident_id": "", "pruned_through": through}
    return f"id: {through}\nevent: resync\ndata: {json.dumps(data, sort_keys=True)}\n\n".encode()


def _horizon(c: Context) -> int:
    with c.read_sessions()() as s:
        return events_prune.horizon(s)


def _latest(c: Context) -> int:
    with c.read_sessions()() as s:
        return latest_id(s)

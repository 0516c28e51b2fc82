"""The whole visible library in pages, for a workstation's sync client (issue 11): every recording the caller may
see now (access.py), with its size, the store's probe summary and where its thumbnail is, without walking
incidents.

Paging is by SHA-256 (`after` = the last one of the previous page). `event_id` is the newest event when the page
was read: a client keeps the first page's value and then follows GET /events?after=EVENT_ID (or lists again with
`since=EVENT_ID`), so nothing that changes while it pages is missed. With `since`, only recordings touched by an
event after it are listed, and `gone` names those deleted since. A recording a dock announced is listed with
state "uploading" until its footage is verified ("available"); one whose upload failed or expired is withdrawn
(event `recording_withdrawn`) and simply no longer listed; a `since` older than the events the store still
keeps (events_prune.py) is 410: list again without it."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select

from reviewer.store import access, events_prune
from reviewer.store.access import Caller, authenticate
from reviewer.store.context import Context, ctx
from reviewer.store.errors import Refused
from reviewer.store.events import latest_id
from reviewer.store.models import Incident, Recording
from reviewer.store.models_retention import ProbeResult, StoreEvent
from reviewer.store.routes_read import RecordingOut, recording_out

router = APIRouter(prefix="/api/v1", tags=["incidents"])
MAX_PAGE = 1000


class ProbeSummary(BaseModel):
    state: str  # pending | ok | failed
    error: str = ""
    frame_count: int | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    codec: str = ""
    media: dict | None = None  # the core probe's MediaInfo (docs: reviewer/media/probe.py), path left out


class ListedRecording(RecordingOut):
    incident_reference: str
    probe: ProbeSummary
    thumbnail_url: str | None  # set once the probe made one; fetching it is audited like any frame


class RecordingsPage(BaseModel):
    recordings: list[ListedRecording]
    next_after: str | None  # pass as `after` for the next page; null on the last page
    event_id: int  # follow GET /events?after=EVENT_ID from the first page's value
    gone: list[str] = []  # with `since`: recordings deleted (purged) since then (not those withdrawn: never held)


PROBE_COLUMNS = (ProbeResult.state, ProbeResult.error, ProbeResult.frame_count, ProbeResult.duration,
                 ProbeResult.width, ProbeResult.height, ProbeResult.fps, ProbeResult.codec, ProbeResult.media)


def probe_summary(row) -> ProbeSummary:
    if row.state is None:
        return ProbeSummary(state="pending")
    return ProbeSummary(state=row.state, error=row.error or "", frame_count=row.frame_count, duration=row.duration,
                        width=row.width, height=row.height, fps=row.fps, codec=row.codec or "",
                        media=json.loads(row.media) if row.media else None)


@router.get("/recordings", response_model=RecordingsPage, responses={
    401: {"description": "sign-in required"}, 410: {"description": "`since` is older than the events kept"}})
def list_recordings(after: str | None = Query(None, pattern=r"^[0-9a-f]{64}$"),
                    since: int | None = Query(None, ge=0, lt=2**63),
                    limit: int = Query(500, ge=1, le=MAX_PAGE),
                    caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    """Every recording the caller may see, ordered by SHA-256, `limit` at a time."""
    with c.read_sessions()() as s:
        event_id = latest_id(s)  # read first: a change committed after it is reported again, never lost
        if since is not None and since < events_prune.horizon(s):
            raise Refused(410, f"events up to {events_prune.horizon(s)} have been pruned; list again without "
                               "`since`")
        visible = access.visible_incidents(caller).with_only_columns(Incident.id)
        q = (select(Recording, Incident.reference, *PROBE_COLUMNS)
             .join(Incident, Incident.id == Recording.incident_id)
             .outerjoin(ProbeResult, ProbeResult.sha256 == Recording.sha256)
             .where(Recording.incident_id.in_(visible)))
        gone: list[str] = []
        if since is not None:
            q = q.where(Recording.sha256.in_(select(StoreEvent.sha256).where(StoreEvent.id > since)))
            if after is None:  # once, on the first page
                deleted = select(StoreEvent.sha256).where(
                    StoreEvent.id > since, StoreEvent.kind == "recording_deleted",
                    StoreEvent.incident_id.in_(visible), StoreEvent.sha256.not_in(select(Recording.sha256)))
                gone = sorted(set(s.scalars(deleted).all()))
        if after is not None:
            q = q.where(Recording.sha256 > after)
        rows = s.execute(q.order_by(Recording.sha256).limit(limit + 1)).all()
    more = len(rows) > limit
    out = []
    for row in rows[:limit]:
        rec, reference = row[0], row[1]
        probe = probe_summary(row)
        thumb = f"/api/v1/recordings/{rec.sha256}/thumbnail" if probe.state == "ok" else None
        out.append(ListedRecording(**recording_out(rec).model_dump(), incident_reference=reference,
                                   probe=probe, thumbnail_url=thumb))
    return RecordingsPage(recordings=out, next_after=out[-1].sha256 if more else None, event_id=event_id,
                          gone=gone)

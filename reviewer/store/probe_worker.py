"""Probe on registration (ADR 0014): every registered recording is probed with the core's probe and frame table
and gets a thumbnail (the same code the desktop library uses), off the request path. Each server process runs a
worker that claims unprobed recordings by inserting their `pending` row (the primary key makes the claim
exclusive across processes), and announces the result as a `recording_probed` event.

GET /recordings/{sha}/probe gives the state; /thumbnail the PNG once it exists (409 while pending or failed),
with the same access rules and 404s as the recording itself."""

from __future__ import annotations

import datetime as dt
import json
import logging
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from reviewer.store import access, audit, events
from reviewer.store.access import Caller, authenticate
from reviewer.store.context import Context, ctx
from reviewer.store.db import transact
from reviewer.store.errors import Refused
from reviewer.store.models import Recording
from reviewer.store.models_retention import ProbeResult

router = APIRouter(prefix="/api/v1", tags=["incidents"])
PROBLEMS = {401: {"description": "sign-in required"}, 404: {"description": "not found (or not visible)"}}
STALE = dt.timedelta(minutes=15)  # a pending claim older than this belonged to a process that died
log = logging.getLogger("reviewer.store.probe")


class ProbeOut(BaseModel):
    sha256: str
    state: str  # pending | ok | failed
    error: str = ""
    frame_count: int | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    codec: str = ""


def claim(sessions) -> str | None:
    """The next recording nobody has probed (or whose prober died), now claimed by this process; one still
    uploading from its dock has nothing to probe yet."""
    now = dt.datetime.now(dt.timezone.utc)
    with sessions() as s:
        sha = s.scalar(select(Recording.sha256).outerjoin(ProbeResult, ProbeResult.sha256 == Recording.sha256)
                       .where(ProbeResult.sha256.is_(None), Recording.state == "available")
                       .order_by(Recording.registered_at).limit(1))
        stale = None if sha else s.scalar(select(ProbeResult.sha256).where(
            ProbeResult.state == "pending", ProbeResult.started_at < now - STALE).limit(1))
    if sha is None and stale is None:
        return None

    def body(s):
        if stale is not None:
            row = s.get(ProbeResult, stale)
            if row is None or row.state != "pending" or row.started_at >= now - STALE:
                return None
            row.started_at = now
            return stale
        s.add(ProbeResult(sha256=sha, state="pending", started_at=now, error="", codec=""))
        s.flush()
        return sha
    try:
        return transact(sessions, body)
    except IntegrityError:
        return None  # another process claimed it


def probe_blob(blobs, sha: str, workdir: Path) -> dict:
    """Probe the blob's bytes and make its thumbnail. The core reads files: an S3 blob is copied to a temp file
    first (a whole-file copy for a large recording; see ADR 0014)."""
    from reviewer.errors import ReviewerError
    from reviewer.media.geometry import Geometry
    from reviewer.media.probe import probe
    from reviewer.media.thumbnail import make_thumbnail

    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=workdir, prefix="probe-") as tmp:
        if blobs.kind == "filesystem":
            media = blobs.path(sha)  # read-only in place: no copy competing with downloads for the disk
        else:
            media = Path(tmp) / "recording"
            with open(media, "wb") as fh:
                for chunk in blobs.read(sha):
                    fh.write(chunk)
        try:
            info, table = probe(media)
            png = make_thumbnail(media, table, Path(tmp) / "thumb.png", geometry=Geometry.of(info)).read_bytes()
        except ReviewerError as exc:
            return {"state": "failed", "error": str(exc).replace(str(media), f"recording {sha}")}
        media_json = {k: v for k, v in info.to_json().items() if k != "path"}  # the path is our temp copy's
        return {"state": "ok", "frame_count": info.frame_count, "duration": info.duration, "width": info.width,
                "height": info.height, "codec": info.codec, "fps": info.average_fps, "thumbnail": png,
                "media": json.dumps(media_json, sort_keys=True, default=str)}


def probe_next(c: Context) -> bool:
    """Claim and probe one recording; False when there was nothing to do."""
    sha = claim(c.sessions)
    if sha is None:
        return False
    try:
        result = probe_blob(c.blobs, sha, c.config.staging_dir / "probe")
    except Exception as exc:  # a damaged blob or a storage fault: recorded, not retried forever
        log.exception("probe of %s", sha)
        result = {"state": "failed", "error": f"recording {sha}: {type(exc).__name__}: {exc}"}

    def body(s):
        row = s.get(ProbeResult, sha)
        rec = s.get(Recording, sha)
        if row is None or rec is None:
            return
        for k, v in result.items():
            setattr(row, k, v)
        events.emit(s, "recording_probed", sha, rec.incident_id, state=row.state, frame_count=row.frame_count,
                    width=row.width, height=row.height, duration=row.duration)
    transact(c.sessions, body)
    return True


def _probe_row(s, caller: Caller, sha256: str, action: str) -> ProbeResult:
    rec = access.recording(s, caller, sha256, action)
    row = s.get(ProbeResult, rec.sha256)
    return row or ProbeResult(sha256=rec.sha256, state="pending", error="", codec="")


@router.get("/recordings/{sha256}/probe", response_model=ProbeOut, responses=PROBLEMS)
def probe_state(sha256: str, caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    """What the store's probe found: pending until the background worker has run, then ok or failed."""
    def body(s):
        r = _probe_row(s, caller, sha256, "recording_view")
        return ProbeOut(sha256=r.sha256, state=r.state, error=r.error or "", frame_count=r.frame_count,
                        duration=r.duration, width=r.width, height=r.height, codec=r.codec or "")
    return transact(c.sessions, body)


@router.get("/recordings/{sha256}/thumbnail", responses={
    **PROBLEMS, 409: {"description": "no thumbnail: the probe is pending or failed"},
    200: {"content": {"image/png": {}}, "description": "a frame about 10% in, 320 px wide"}})
def thumbnail(sha256: str, caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    """The recording's thumbnail (a frame of footage, so its viewing is audited)."""
    def body(s):
        r = _probe_row(s, caller, sha256, "thumbnail_view")
        if r.state != "ok" or not r.thumbnail:
            why = r.error if r.state == "failed" else "the probe is still pending"
            raise Refused(409, f"recording {sha256}: no thumbnail: {why}")
        audit.record(s, caller.actor, "thumbnail_view", "recording", r.sha256, details={"role": caller.role})
        return Response(r.thumbnail, media_type="image/png", headers={"Cache-Control": "private, no-store"})
    return transact(c.sessions, body)

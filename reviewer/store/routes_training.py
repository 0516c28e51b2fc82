"""Clips shared for training: a redacted rendition of a recording, visible to trainers only once its mask set
has been approved (supervisors see every share, to review it before a second supervisor approves)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from reviewer.store import access, audit
from reviewer.store.access import TRAINING, Caller, authenticate
from reviewer.store.context import Context, ctx
from reviewer.store.db import transact
from reviewer.store.models import Blob, TrainingShare
from reviewer.store.ranges import blob_response

router = APIRouter(prefix="/api/v1/training", tags=["training"])
PROBLEMS = {401: {"description": "sign-in required"}, 403: {"description": "role may not"},
            404: {"description": "not found (or not visible)"}}


class ClipOut(BaseModel):
    id: str
    title: str
    clip_sha256: str
    size: int
    approved: bool
    approved_at: dt.datetime | None


def clip_out(sh: TrainingShare, size: int) -> ClipOut:
    return ClipOut(id=sh.id, title=sh.title, clip_sha256=sh.clip_sha256, size=size,
                   approved=sh.approved_by is not None, approved_at=sh.approved_at)


@router.get("/clips", response_model=list[ClipOut], responses=PROBLEMS)
def list_clips(caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    def body(s):
        access.refuse_role(s, caller, TRAINING, "training_list")
        rows = s.execute(access.visible_shares(caller).add_columns(Blob.size)
                         .join(Blob, Blob.sha256 == TrainingShare.clip_sha256).order_by(TrainingShare.id)).all()
        return [clip_out(sh, size) for sh, size in rows]
    return transact(c.sessions, body)


@router.get("/clips/{share_id}/content", responses={**PROBLEMS, 206: {"description": "byte range"}})
def clip_content(share_id: str, request: Request, caller: Caller = Depends(authenticate),
                 c: Context = Depends(ctx)):
    """The redacted clip (never the original), with Range and the SHA-256 as ETag."""
    def body(s):
        access.refuse_role(s, caller, TRAINING, "training_download")
        sh = access.share(s, caller, share_id, "training_download")
        response, revealed = blob_response(request, c.blobs, sh.clip_sha256, s.get(Blob, sh.clip_sha256).size,
                                           "application/octet-stream", f"{sh.title or 'training'}.mp4")
        audit.record(s, caller.actor, "training_download", "training clip", sh.id,
                     details={"clip": sh.clip_sha256, "role": caller.role, **revealed})
        return response
    return transact(c.sessions, body)

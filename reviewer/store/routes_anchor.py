"""Workstation audit chains (ADR 0013): push events, read the latest signed checkpoint; and the store's public
keys, for anyone to check a checkpoint (or a token) against."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from reviewer.store import access, anchor
from reviewer.store.access import Caller, authenticate
from reviewer.store.context import Context, ctx
from reviewer.store.db import transact
from reviewer.store.errors import Refused

router = APIRouter(prefix="/api/v1", tags=["audit anchoring"])
# every signed-in person works at a workstation; a docking station has no audit chain to anchor
CHAIN_ROLES = {"investigator", "professional_standards", "trainer", "supervisor"}
HASH = r"^[0-9a-f]{64}$"
MAX_DETAILS = 64 * 1024  # bytes of JSON per event: the desktop writes a few hundred
WORKSTATION = Path(min_length=1, max_length=255)
PROBLEMS = {401: {"description": "sign-in required"}, 403: {"description": "role may not"},
            404: {"description": "no chain held for this workstation"}}


class ChainEvent(BaseModel):
    """One event as the workstation's chain hashes it (audit_chain.EXPORT_HASHED_FIELDS + hash)."""

    model_config = ConfigDict(extra="forbid")
    seq: int = Field(ge=1, lt=2**63)
    event_id: str = Field(max_length=64)
    at: str = Field(max_length=32)
    user: str = Field(max_length=255)
    role: str = Field(max_length=64)
    workstation: str = Field(max_length=255)
    os_account: str | None = Field(default=None, max_length=255)  # chain format 2; absent in format-1 events
    object_type: str = Field(max_length=64)
    object_id: str = Field(max_length=512)
    action: str = Field(max_length=64)
    outcome: str = Field(max_length=16)
    details: Any
    justification: str | None = Field(default=None, max_length=4000)
    prev_hash: str = Field(pattern=HASH)
    hash: str = Field(pattern=HASH)

    @field_validator("details")
    @classmethod
    def _bounded(cls, v):
        if len(json.dumps(v, separators=(",", ":"), ensure_ascii=False, default=str).encode()) > MAX_DETAILS:
            raise ValueError(f"details larger than {MAX_DETAILS} bytes")
        return v


class AuditPush(BaseModel):
    events: list[ChainEvent] = Field(max_length=anchor.MAX_EVENTS)


class SignedCheckpoint(BaseModel):
    workstation: str
    seq: int
    head_hash: str
    at: str
    kid: str
    signature: str  # base64url Ed25519 over anchor.CHECKPOINT_CONTEXT + canonical JSON of the four fields above


class AuditPushOut(BaseModel):
    checkpoint: SignedCheckpoint
    added: int
    already_held: int


def chain_caller(request: Request, caller: Caller = Depends(authenticate)) -> Caller:
    transact(request.app.state.ctx.sessions,
             lambda s: access.refuse_role(s, caller, CHAIN_ROLES, "workstation_audit"))
    return caller


@router.post("/workstations/{workstation}/audit", response_model=AuditPushOut, responses={
    **PROBLEMS, 409: {"description": "a gap (names the expected seq) or a rewrite of a held event"},
    422: {"description": "an event whose hash does not match its content"}})
def push_audit(body: AuditPush, workstation: str = WORKSTATION, caller: Caller = Depends(chain_caller),
               c: Context = Depends(ctx)):
    """Append events to the workstation's chain held here (idempotent for events already held) and return the
    checkpoint the store signed of what it now holds."""
    key = anchor.anchor_key(c.config.signing_key_path)
    events = [e.model_dump() for e in sorted(body.events, key=lambda e: e.seq)]
    cp, added, held = transact(c.sessions, lambda s: anchor.push(s, key, caller, workstation, events))
    return AuditPushOut(checkpoint=SignedCheckpoint(**cp), added=added, already_held=held)


@router.get("/workstations/{workstation}/audit/checkpoint", response_model=SignedCheckpoint, responses=PROBLEMS)
def latest_checkpoint(workstation: str = WORKSTATION, caller: Caller = Depends(chain_caller),
                      c: Context = Depends(ctx)):
    """The latest checkpoint the store signed of this workstation's chain."""
    with c.read_sessions()() as s:
        row = anchor.latest(s, workstation)
        if row is None:
            raise Refused(404, f"workstation {workstation}: no audit chain held")
        return SignedCheckpoint(**anchor.checkpoint_out(row))


@router.get("/keys", tags=["service"])
def public_keys(c: Context = Depends(ctx)):
    """The store's public keys (JWK): `use` "audit-checkpoint" signs workstation checkpoints, "offline-grant"
    workstations' offline grants (ADR 0016), "sig" tokens."""
    from reviewer.store.grant_sign import grant_key

    return {"keys": [anchor.anchor_key(c.config.signing_key_path).jwk, grant_key(c.config.signing_key_path).jwk,
                     c.issuer.jwk]}

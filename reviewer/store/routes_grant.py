"""GET /api/v1/grant: the signed offline grant a workstation keeps so it knows, offline, who its user is and what
they may do until the grant expires (ADR 0016)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from reviewer.store import access, audit
from reviewer.store.access import Caller, authenticate
from reviewer.store.context import Context, ctx
from reviewer.store.db import transact
from reviewer.store.grant_sign import grant_key
from reviewer.store.models import Incident
from reviewer.store.routes_anchor import CHAIN_ROLES

router = APIRouter(prefix="/api/v1", tags=["auth"])


class SignedGrant(BaseModel):
    user: str
    role: str
    workstation: str | None
    issued_at: str
    expires_at: str
    incidents: list[str]
    kid: str
    signature: str  # base64url Ed25519 over grant_format.GRANT_CONTEXT + canonical JSON of the six fields above


@router.get("/grant", response_model=SignedGrant, responses={401: {"description": "sign-in required"},
                                                             403: {"description": "role may not work offline"}})
def offline_grant(request: Request, workstation: str | None = Query(default=None, min_length=1, max_length=255),
                  caller: Caller = Depends(authenticate), c: Context = Depends(ctx)):
    """A grant for the caller at `workstation`, signed with the store's offline-grant key (GET /keys, `use`
    "offline-grant"), valid for [auth] grant_ttl_seconds (12 h by default). Issuing it is audited."""

    def issue(s: Session) -> dict:
        access.refuse_role(s, caller, CHAIN_ROLES, "offline_grant")
        incidents = list(s.scalars(access.visible_incidents(caller).with_only_columns(Incident.id)))
        g = grant_key(c.config.signing_key_path).sign(caller.name, caller.role, workstation, incidents,
                                                      c.config.grant_ttl_s)
        audit.record(s, caller.actor, "offline_grant", "workstation", (workstation or "")[:255],
                     details={"role": caller.role, "expires_at": g["expires_at"], "incidents": len(incidents)})
        return g

    return SignedGrant(**transact(c.sessions, issue))

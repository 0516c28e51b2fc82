"""Who is calling (authentication) and what they may see (the access model of ADR 0010).

- investigator, supervisor: the incidents they are assigned to, and those incidents' recordings; supervisors also
  see every unfiled incident (made by the store for a docked recording whose reference it did not know,
  dock_register.py) until someone is assigned to it;
- professional_standards: every incident;
- trainer: no incidents; only training clips whose mask set has been approved;
- dock: no incidents; uploads only.
Supervisors also administer (users, incidents, assignments, registration, training shares) through /admin.
Anything not visible answers exactly as a nonexistent id would, and the refusal is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

import jwt
from fastapi import Depends, Request, Security
from fastapi.security import HTTPBearer
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from reviewer.store import audit
from reviewer.store.errors import Refused
from reviewer.store.identity import EMBEDDED, find_user
from reviewer.store.models import Assignment, Incident, Recording, TrainingShare, User

SEES_ALL = {"professional_standards"}
SEES_ASSIGNED = {"investigator", "supervisor"}
SEES_UNFILED = {"supervisor"}
ADMIN = {"supervisor"}
UPLOADERS = {"dock", "supervisor"}
TRAINING = {"trainer", "supervisor"}


@dataclass(frozen=True)
class Caller:
    user_id: str
    name: str
    role: str

    @property
    def actor(self) -> str:
        return self.name


def unauthenticated(why: str) -> Refused:
    return Refused(401, f"sign-in required: {why}")


# declares the scheme in the OpenAPI document; the checking is ours (a missing token is our 401, not FastAPI's 403)
bearer = HTTPBearer(auto_error=False, description="an access token of the store or of a configured OIDC issuer")


def authenticate(request: Request, _declared=Security(bearer)) -> Caller:
    """The caller behind the request's bearer token, with the role the store holds for them now."""
    ctx = request.app.state.ctx
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("send Authorization: Bearer ACCESS_TOKEN")
    token = token.strip()
    try:
        iss = jwt.decode(token, options={"verify_signature": False}).get("iss")
        if iss == ctx.issuer.issuer:
            claims = ctx.issuer.verify(token)
            issuer, key = EMBEDDED, claims["sub"]
        elif isinstance(iss, str) and ctx.external.knows(iss):
            oidc, key = ctx.external.verify(token, iss)
            issuer = oidc.issuer
        else:
            raise jwt.InvalidTokenError("unknown issuer")
    except jwt.ExpiredSignatureError:
        raise unauthenticated("the access token has expired; refresh it") from None
    except jwt.InvalidTokenError:
        raise unauthenticated("the access token is not valid") from None
    with ctx.read_sessions()() as s:
        user = s.get(User, key) if issuer == EMBEDDED else find_user(s, key, issuer)
    if user is None:
        if issuer == EMBEDDED:
            raise unauthenticated("the access token is not valid")
        raise Refused(403, f"{key} ({issuer}) has no account in this store: ask a supervisor to add one")
    if not user.active:
        raise unauthenticated("this account is disabled")
    return Caller(user.id, user.name, user.role)


def refuse_role(s: Session, caller: Caller, allowed: set[str], action: str) -> None:
    """403 for a role that may never do this, whatever the object (so it reveals nothing about ids)."""
    if caller.role not in allowed:
        audit.record(s, caller.actor, action, "endpoint", action, outcome="refused",
                     details={"role": caller.role, "why": "role"})
        raise Refused(403, f"{caller.name} ({caller.role}) may not {action.replace('_', ' ')}")


def not_found(s: Session, caller: Caller, action: str, object_type: str, object_id: str) -> Refused:
    audit.record(s, caller.actor, action, object_type, object_id[:255], outcome="refused",
                 details={"role": caller.role, "why": "not visible"})
    return Refused(404, f"{object_type} {object_id}: not found")


def visible_incidents(caller: Caller):
    q = select(Incident)
    if caller.role in SEES_ALL:
        return q
    if caller.role in SEES_ASSIGNED:
        mine = Incident.id.in_(select(Assignment.incident_id).where(Assignment.user_id == caller.user_id))
        return q.where(or_(mine, Incident.unfiled.is_(True)) if caller.role in SEES_UNFILED else mine)
    return q.where(False)


def incident(s: Session, caller: Caller, incident_id: str, action: str) -> Incident:
    found = s.scalars(visible_incidents(caller).where(Incident.id == incident_id)).first()
    if found is None:
        raise not_found(s, caller, action, "incident", incident_id)
    return found


def recording(s: Session, caller: Caller, sha256: str, action: str) -> Recording:
    q = select(Recording).where(Recording.sha256 == sha256,
                                Recording.incident_id.in_(visible_incidents(caller).with_only_columns(Incident.id)))
    found = s.scalars(q).first()
    if found is None:
        raise not_found(s, caller, action, "recording", sha256)
    return found


def visible_shares(caller: Caller):
    q = select(TrainingShare)
    if caller.role == "supervisor":
        return q  # they review a share before a second supervisor approves it
    if caller.role == "trainer":
        return q.where(TrainingShare.approved_by.is_not(None))
    return q.where(False)


def share(s: Session, caller: Caller, share_id: str, action: str) -> TrainingShare:
    found = s.scalars(visible_shares(caller).where(TrainingShare.id == share_id)).first()
    if found is None:
        raise not_found(s, caller, action, "training clip", share_id)
    return found


def uploader(request: Request, caller: Caller = Depends(authenticate)) -> Caller:
    """Uploads and blob checks: docking stations and supervisors."""
    from reviewer.store.db import transact

    transact(request.app.state.ctx.sessions, lambda s: refuse_role(s, caller, UPLOADERS, "upload"))
    return caller

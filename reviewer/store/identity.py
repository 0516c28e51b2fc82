"""Users of the store and the embedded issuer's secrets: one-time enrolment codes and rotating refresh tokens.

Secrets are stored only as their SHA-256 (they are long random strings, so a plain hash is enough). A refresh
token is single-use: using it returns a new one. Presenting a used one again means a copy leaked, so the whole
family (every token descended from one enrolment) is revoked and the user must enrol again.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reviewer.store import audit
from reviewer.store.errors import Refused
from reviewer.store.models import Credential, User

ROLES = ("investigator", "professional_standards", "trainer", "supervisor", "dock")
EMBEDDED = ""  # User.issuer of users the store itself signs in


IdentityError = Refused  # a refused sign-in or a bad administration request

@dataclass(frozen=True)
class Grant:
    access_token: str
    expires_at: dt.datetime
    refresh_token: str
    user: str
    role: str


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_code(code: str) -> str:
    """Enrolment codes are read aloud and typed: case and dashes do not matter."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(15)).decode()  # 120 bits, 24 characters
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def check_role(role: str) -> str:
    if role not in ROLES:
        raise IdentityError(400, f"unknown role {role!r} (expected one of {', '.join(ROLES)})")
    return role


def find_user(s: Session, name: str, issuer: str = EMBEDDED) -> User | None:
    return s.scalars(select(User).where(User.issuer == issuer, User.name == name)).first()


def add_user(s: Session, actor: str, name: str, role: str, issuer: str = EMBEDDED,
             enrolment_ttl_s: float = 86400) -> tuple[User, str | None]:
    """A new user; for the embedded issuer also their one-time enrolment code (None for OIDC users)."""
    check_role(role)
    name = name.strip()
    if not name or len(name) > 255:
        raise IdentityError(400, "a user name must be 1 to 255 characters")
    if find_user(s, name, issuer) is not None:
        raise IdentityError(409, f"user {name}: already exists")
    user = User(id=uuid.uuid4().hex, issuer=issuer, name=name, role=role, active=True, created_at=utcnow())
    s.add(user)
    s.flush()
    code = None
    if issuer == EMBEDDED:
        code = new_code()
        s.add(Credential(hash=secret_hash(normalise_code(code)), kind="enrolment", user_id=user.id,
                         family=uuid.uuid4().hex, expires_at=utcnow() + dt.timedelta(seconds=enrolment_ttl_s),
                         revoked=False))
    audit.record(s, actor, "user_add", "user", user.id, details={"name": name, "role": role, "issuer": issuer})
    return user, code


def change_user(s: Session, actor: str, user_id: str, role: str | None, active: bool | None) -> User:
    user = s.get(User, user_id) if user_id else None
    if user is None:
        raise IdentityError(404, f"user {user_id}: not found")
    before = {"role": user.role, "active": user.active}
    if role is not None:
        user.role = check_role(role)
    if active is not None:
        user.active = active
        if not active:  # a disabled user's outstanding refresh tokens and codes die with the account
            s.execute(update(Credential).where(Credential.user_id == user.id).values(revoked=True))
    audit.record(s, actor, "user_change", "user", user.id,
                 details={"before": before, "after": {"role": user.role, "active": user.active}})
    return user


def _issue_refresh(s: Session, user: User, family: str, ttl_s: float) -> str:
    token = secrets.token_urlsafe(32)
    s.add(Credential(hash=secret_hash(token), kind="refresh", user_id=user.id, family=family,
                     expires_at=utcnow() + dt.timedelta(seconds=ttl_s), revoked=False))
    return token


def _spend(s: Session, secret: str, kind: str) -> tuple[Credential, User]:
    """Mark a code or refresh token used; refuse with one message whatever the reason (unknown, used, expired,
    revoked, disabled account), so a guesser learns nothing."""
    refused = IdentityError(401, "enrolment code not valid: unknown, used or expired" if kind == "enrolment"
                            else "refresh token not valid: sign in again")
    cred = s.get(Credential, secret_hash(secret))
    if cred is None or cred.kind != kind:
        raise refused
    user = s.get(User, cred.user_id)
    if cred.used_at is not None and kind == "refresh" and not cred.revoked:
        # a rotated token came back: someone holds a copy. End the family (committed even though we refuse).
        s.execute(update(Credential).where(Credential.family == cred.family).values(revoked=True))
        audit.record(s, user.name, "refresh_replayed", "user", user.id, outcome="refused",
                     details={"family": cred.family})
        raise IdentityError(401, "refresh token already used: every session of this enrolment is revoked; "
                                 "enrol again")
    if cred.used_at is not None or cred.revoked or cred.expires_at <= utcnow() or not user.active:
        raise refused
    cred.used_at = utcnow()
    return cred, user


def enrol(s: Session, issuer, code: str, refresh_ttl_s: float) -> Grant:
    cred, user = _spend(s, normalise_code(code), "enrolment")
    refresh = _issue_refresh(s, user, uuid.uuid4().hex, refresh_ttl_s)
    audit.record(s, user.name, "enrol", "user", user.id)
    token, exp = issuer.mint(user.id, user.name)
    return Grant(token, exp, refresh, user.name, user.role)


def refresh(s: Session, issuer, token: str, refresh_ttl_s: float) -> Grant:
    cred, user = _spend(s, token, "refresh")
    new = _issue_refresh(s, user, cred.family, refresh_ttl_s)
    access, exp = issuer.mint(user.id, user.name)
    return Grant(access, exp, new, user.name, user.role)

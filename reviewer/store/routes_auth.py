"""Sign-in with the store's embedded issuer: an enrolment code for the first tokens, a refresh token for the
next ones; /auth/me says who the store thinks the caller is; the issuer's public key for anyone to verify."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from reviewer.store import identity
from reviewer.store.access import Caller, authenticate
from reviewer.store.context import Context, ctx
from reviewer.store.db import transact

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class EnrolIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=256)


class TokensOut(BaseModel):
    token_type: str = "Bearer"
    access_token: str
    expires_at: dt.datetime
    refresh_token: str
    user: str
    role: str


class Me(BaseModel):
    id: str
    name: str
    role: str


def tokens_out(g: identity.Grant) -> TokensOut:
    return TokensOut(access_token=g.access_token, expires_at=g.expires_at, refresh_token=g.refresh_token,
                     user=g.user, role=g.role)


@router.post("/enrol", response_model=TokensOut, responses={401: {"description": "code not valid"}})
def enrol(body: EnrolIn, c: Context = Depends(ctx)):
    """Exchange a one-time enrolment code (from `reviewer store user add`) for an access and a refresh token."""
    return tokens_out(transact(c.sessions, lambda s: identity.enrol(s, c.issuer, body.code, c.config.refresh_ttl_s)))


@router.post("/refresh", response_model=TokensOut, responses={401: {"description": "refresh token not valid"}})
def refresh(body: RefreshIn, c: Context = Depends(ctx)):
    """A new access token and a new refresh token; the one sent is spent (sending it again revokes both)."""
    return tokens_out(transact(c.sessions,
                               lambda s: identity.refresh(s, c.issuer, body.refresh_token, c.config.refresh_ttl_s)))


@router.get("/me", response_model=Me, responses={401: {"description": "sign-in required"}})
def me(caller: Caller = Depends(authenticate)):
    return Me(id=caller.user_id, name=caller.name, role=caller.role)


@router.get("/jwks.json")
def jwks(c: Context = Depends(ctx)):
    """The public key the store signs its access tokens with."""
    return {"keys": [c.issuer.jwk]}

"""GET /api/v1/signin: the ways this store lets a workstation sign in, so that a user needs only its address.

Unauthenticated, like /health and /keys: whoever can reach the store may learn how to sign in to it. Only public
facts are listed (an issuer's address, a public client's id, scopes, flows, an Entra tenant); never an audience
check, a JWKS address or anything else the store uses to check tokens, and no secret exists to list. An [oidc]
issuer with no client_id is trusted for tokens but not offered: the store cannot say which app to sign in as.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from reviewer.store.config import OidcIssuer
from reviewer.store.context import Context, ctx
from reviewer.store.signin_format import PATH, RESERVED_SCOPES

router = APIRouter(tags=["auth"])


class Method(BaseModel):
    kind: Literal["code", "oidc", "entra"]
    name: str | None = None  # the [oidc.NAME] table: tells two issuers apart
    issuer: str | None = None  # oidc
    tenant: str | None = None  # entra: a tenant id or domain, or an https authority
    client_id: str | None = None
    scope: str | None = None  # space-separated, as OAuth writes it
    flows: list[Literal["browser", "device"]] | None = None


class SignInMethods(BaseModel):
    methods: list[Method]


def method_of(o: OidcIssuer) -> Method:
    if o.msal is not None:
        scope = " ".join(s for s in o.scope.split() if s not in RESERVED_SCOPES)
        return Method(kind="entra", name=o.name, tenant=o.msal, client_id=o.client_id, scope=scope,
                      flows=list(o.flows))
    return Method(kind="oidc", name=o.name, issuer=o.issuer, client_id=o.client_id, scope=o.scope, flows=list(o.flows))


def listing(issuers: list[OidcIssuer]) -> SignInMethods:
    """The embedded issuer's enrolment codes always (the store's own users), then each offered issuer in the
    configuration's order."""
    return SignInMethods(methods=[Method(kind="code"), *(method_of(o) for o in issuers if o.client_id is not None)])


@router.get(PATH, response_model=SignInMethods, response_model_exclude_none=True)
def signin_methods(c: Context = Depends(ctx)) -> SignInMethods:
    """How to sign in here: enrolment codes (`reviewer store user add`), and each OIDC issuer the store trusts with
    the workstation app's public client id, scopes and flows (or Entra through MSAL). No sign-in needed."""
    return listing(c.config.oidc)

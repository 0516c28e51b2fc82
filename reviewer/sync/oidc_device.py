"""Sign-in with an external OIDC issuer (Entra ID and the like) by the device authorization grant (RFC 8628):
the workstation shows a code and a URL, the user approves in any browser, the workstation polls the issuer's
token endpoint. The issuer's access token is the bearer the store accepts (reviewer/store/oidc.py); its refresh
token goes to the OS keyring like the embedded issuer's (credentials.py), and rotates the same way.

No client secret: a desktop app is a public client. Only https issuers, loopback excepted (tests, a local IdP).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

import httpx

from reviewer.store.client_auth import EARLY_S, SignInError

TIMEOUT_S = 30.0
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_SCOPE = "openid offline_access"


@dataclass(frozen=True)
class Issuer:
    issuer: str
    client_id: str
    scope: str
    token_endpoint: str
    device_endpoint: str

    def to_json(self) -> dict:
        return {"kind": "oidc", "issuer": self.issuer, "client_id": self.client_id, "scope": self.scope,
                "token_endpoint": self.token_endpoint, "device_endpoint": self.device_endpoint}

    @classmethod
    def from_json(cls, d: dict) -> "Issuer":
        return cls(d["issuer"], d["client_id"], d["scope"], d["token_endpoint"], d["device_endpoint"])


@dataclass(frozen=True)
class OidcTokens:
    access_token: str
    expires_at: dt.datetime
    refresh_token: str


@dataclass(frozen=True)
class DeviceCode:
    device_code: str
    user_code: str
    verification_uri: str
    interval: float
    expires_at: float  # time.monotonic()


def _checked_url(url: str, what: str) -> str:
    u = urlsplit(url)
    if u.scheme == "https" or (u.scheme == "http" and u.hostname in ("127.0.0.1", "localhost", "::1")):
        return url
    raise SignInError(f"{url}: the {what} must use https")


def _json(r: httpx.Response, where: str) -> dict:
    try:
        body = r.json()
    except ValueError:
        raise SignInError(f"{where}: not a JSON answer ({r.status_code})") from None
    if not isinstance(body, dict):
        raise SignInError(f"{where}: not a JSON object ({r.status_code})")
    return body


def discovery(issuer: str) -> tuple[str, dict]:
    """(the issuer, normalised; its discovery document), which must name that same issuer."""
    issuer = _checked_url(issuer.rstrip("/"), "OIDC issuer")
    where = issuer + "/.well-known/openid-configuration"
    try:
        doc = _json(httpx.get(where, timeout=TIMEOUT_S), where)
    except httpx.HTTPError as exc:
        raise SignInError(f"{issuer}: cannot reach the OIDC issuer: {exc}") from None
    if str(doc.get("issuer", "")).rstrip("/") != issuer:
        raise SignInError(f"{where}: names issuer {doc.get('issuer')!r}, not {issuer}")
    if not doc.get("token_endpoint"):
        raise SignInError(f"{where}: names no token endpoint")
    return issuer, doc


def discover(issuer: str, client_id: str, scope: str = DEFAULT_SCOPE) -> Issuer:
    issuer, doc = discovery(issuer)
    if not doc.get("device_authorization_endpoint"):
        raise SignInError(f"{issuer}: the OIDC issuer offers no device-code sign-in")
    return Issuer(issuer, client_id, scope, _checked_url(doc["token_endpoint"], "token endpoint"),
                  _checked_url(doc["device_authorization_endpoint"], "device authorization endpoint"))


def start(iss: Issuer) -> DeviceCode:
    try:
        r = httpx.post(iss.device_endpoint, data={"client_id": iss.client_id, "scope": iss.scope}, timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise SignInError(f"{iss.issuer}: cannot start the device sign-in: {exc}") from None
    body = _json(r, iss.device_endpoint)
    if r.status_code != 200:
        raise SignInError(f"{iss.issuer}: device sign-in refused ({r.status_code}): "
                          f"{body.get('error_description') or body.get('error')}")
    try:
        return DeviceCode(str(body["device_code"]), str(body["user_code"]),
                          str(body.get("verification_uri_complete") or body["verification_uri"]),
                          max(1.0, float(body.get("interval", 5))),
                          time.monotonic() + float(body.get("expires_in", 900)))
    except (KeyError, TypeError, ValueError):
        raise SignInError(f"{iss.issuer}: malformed device sign-in answer") from None


def tokens_from(body: dict, previous_refresh: str | None, where: str) -> OidcTokens:
    try:
        expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=float(body.get("expires_in", 300)))
        refresh_token = body.get("refresh_token") or previous_refresh
        if not refresh_token:
            raise KeyError("refresh_token")
        return OidcTokens(str(body["access_token"]), expires, str(refresh_token))
    except (KeyError, TypeError, ValueError) as exc:
        raise SignInError(f"{where}: the issuer's answer has no usable {exc} (ask for the offline_access scope)") \
            from None


def poll(iss: Issuer, code: DeviceCode, cancelled: Callable[[], bool] = lambda: False,
         sleep: Callable[[float], None] = time.sleep) -> OidcTokens:
    """Poll until the user approves (or refuses, or the code expires), honouring `interval` and slow_down."""
    interval = code.interval
    while True:
        if cancelled():
            raise SignInError(f"{iss.issuer}: device sign-in cancelled")
        if time.monotonic() >= code.expires_at:
            raise SignInError(f"{iss.issuer}: the device code expired before it was approved; sign in again")
        try:
            r = httpx.post(iss.token_endpoint, timeout=TIMEOUT_S, data={
                "grant_type": GRANT_TYPE, "device_code": code.device_code, "client_id": iss.client_id})
        except httpx.HTTPError as exc:
            raise SignInError(f"{iss.issuer}: cannot reach the token endpoint: {exc}") from None
        body = _json(r, iss.token_endpoint)
        if r.status_code == 200:
            return tokens_from(body, None, iss.token_endpoint)
        error = body.get("error")
        if error == "slow_down":
            interval += 5  # RFC 8628 3.5
        elif error != "authorization_pending":
            raise SignInError(f"{iss.issuer}: device sign-in refused: {body.get('error_description') or error}")
        sleep(interval)


def refresh(iss: Issuer, refresh_token: str) -> OidcTokens:
    try:
        r = httpx.post(iss.token_endpoint, timeout=TIMEOUT_S, data={
            "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": iss.client_id,
            "scope": iss.scope})
    except httpx.HTTPError as exc:
        raise SignInError(f"{iss.issuer}: cannot reach the token endpoint to refresh the sign-in: {exc}") from None
    body = _json(r, iss.token_endpoint)
    if r.status_code != 200:
        raise SignInError(f"{iss.issuer}: refreshing the sign-in refused ({r.status_code}): "
                          f"{body.get('error_description') or body.get('error')}")
    return tokens_from(body, refresh_token, iss.token_endpoint)


class OidcAuth(httpx.Auth):
    """Bearer = the issuer's access token, refreshed early and once more on a 401; each new refresh token is
    handed to `on_rotate` (the keyring). One refresh at a time: an issuer may spend a refresh token once."""

    def __init__(self, iss: Issuer, tokens: OidcTokens, on_rotate: Callable[[OidcTokens], None] | None = None):
        self.iss, self._tokens, self.on_rotate = iss, tokens, on_rotate
        self._lock = threading.Lock()

    def _refresh_if(self, stale: str | None) -> None:
        with self._lock:
            t = self._tokens
            due = t.expires_at - dt.timedelta(seconds=EARLY_S) <= dt.datetime.now(dt.timezone.utc)
            if (stale is None and not due) or (stale is not None and t.access_token != stale):
                return
            self._tokens = refresh(self.iss, t.refresh_token)
            if self.on_rotate:
                self.on_rotate(self._tokens)

    def auth_flow(self, request: httpx.Request):
        self._refresh_if(None)
        token = self._tokens.access_token
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            self._refresh_if(token)
            request.headers["Authorization"] = f"Bearer {self._tokens.access_token}"
            yield request

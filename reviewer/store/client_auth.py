"""Getting and keeping tokens for the store, for its clients (the dock, the workstation's sync): enrol with a
one-time code, then let StoreAuth attach the access token to every request and refresh it when it is about to
expire or the store answers 401. Refresh tokens rotate: each refresh returns a new one, which `on_rotate` hands
to the caller to persist (the OS keyring on a workstation); the old one is spent.

    tokens = enrol("http://127.0.0.1:8400", "ABCD-EFGH-...")
    auth = StoreAuth("http://127.0.0.1:8400", tokens, on_rotate=save)
    httpx.get(url, auth=auth)                      # or: headers=auth.headers()
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Callable

import httpx

from reviewer.errors import ReviewerError

API = "/api/v1/auth"
EARLY_S = 30.0  # refresh this long before expiry, so a request never leaves with a token about to lapse
TIMEOUT_S = 30.0


class SignInError(ReviewerError):
    """The store refused the code or the refresh token (or could not be reached): sign in again."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_at: dt.datetime
    refresh_token: str
    user: str
    role: str

    @classmethod
    def from_json(cls, d: dict) -> "Tokens":
        expires = dt.datetime.fromisoformat(d["expires_at"].replace("Z", "+00:00"))
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=dt.timezone.utc)
        return cls(d["access_token"], expires, d["refresh_token"], d["user"], d["role"])


def _post(server: str, path: str, body: dict, what: str) -> Tokens:
    url = server.rstrip("/") + API + path
    try:
        r = httpx.post(url, json=body, timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise SignInError(f"{server}: cannot reach the store to {what}: {exc}") from None
    if r.status_code != 200:
        try:
            detail = r.json().get("detail")
        except ValueError:
            detail = r.text[:200]
        raise SignInError(f"{server}: {what} refused ({r.status_code}): {detail}")
    return Tokens.from_json(r.json())


def enrol(server: str, code: str) -> Tokens:
    return _post(server, "/enrol", {"code": code}, "enrol")


def refresh(server: str, refresh_token: str) -> Tokens:
    return _post(server, "/refresh", {"refresh_token": refresh_token}, "refresh the sign-in")


class StoreAuth(httpx.Auth):
    """httpx authentication for the store: bearer token, refreshed early, and once more on a 401. Thread-safe:
    one refresh at a time, since a refresh token can be spent only once."""

    def __init__(self, server: str, tokens: Tokens, on_rotate: Callable[[Tokens], None] | None = None,
                 clock: Callable[[], dt.datetime] | None = None):
        self.server, self._tokens, self.on_rotate = server, tokens, on_rotate
        self._clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self._lock = threading.Lock()

    @property
    def tokens(self) -> Tokens:
        return self._tokens

    def _refresh_if(self, stale_token: str | None) -> None:
        with self._lock:
            t = self._tokens
            due = t.expires_at - dt.timedelta(seconds=EARLY_S) <= self._clock()
            if (stale_token is None and not due) or (stale_token is not None and t.access_token != stale_token):
                return  # still fresh, or another thread has refreshed already
            self._tokens = refresh(self.server, t.refresh_token)
            if self.on_rotate:
                self.on_rotate(self._tokens)

    def access_token(self) -> str:
        self._refresh_if(None)
        return self._tokens.access_token

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.access_token()}"}

    def auth_flow(self, request: httpx.Request):
        token = self.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            self._refresh_if(token)
            request.headers["Authorization"] = f"Bearer {self._tokens.access_token}"
            yield request

"""The store's operations API as the sync loop uses it, over an httpx.Client that already carries the store's
base URL and sign-in (reviewer/sync/link.py open_client; tests build one from reviewer/store/client_auth.py).
Every failure is one of two ReviewerErrors, so the loop can tell "cannot reach the store" from "the store
answered no"."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from reviewer.errors import ReviewerError

API = "/api/v1"
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Offline(ReviewerError):
    """The store could not be reached (or the connection broke before it answered)."""


class StoreAnswered(ReviewerError):
    """The store answered with an error status."""

    def __init__(self, what: str, status: int, detail: str):
        self.status, self.detail = status, detail
        super().__init__(f"{what}: the store answered {status}: {detail}")

    def names(self) -> set[str]:
        """The operation ids the store's message names (a refusal of one operation names it)."""
        return set(UUID_RE.findall(self.detail.lower()))


@dataclass(frozen=True)
class Page:
    operations: list[dict]  # StoredOperation JSON: the envelope plus seq, submitted_by, submitted_role
    cursor: int
    more: bool


def _detail(r: httpx.Response) -> str:
    try:
        d = r.json().get("detail")
    except ValueError:
        return r.text[:300]
    return d if isinstance(d, str) else str(d)[:600]


class OpsClient:
    def __init__(self, http: httpx.Client, timeout: float | None = None):
        self.http = http
        self._timeout = {"timeout": timeout} if timeout is not None else {}  # else the client's own

    def _call(self, what: str, method: str, path: str, **kw) -> httpx.Response:
        try:
            r = self.http.request(method, API + path, **self._timeout, **kw)
        except httpx.HTTPError as exc:  # transport errors and a refresh the store could not answer
            raise Offline(f"{what}: cannot reach the store at {self.http.base_url}: {exc or type(exc).__name__}") \
                from None
        except ReviewerError as exc:  # client_auth.SignInError: the refresh token was refused
            raise StoreAnswered(what, 401, str(exc)) from None
        if r.status_code >= 400:
            raise StoreAnswered(what, r.status_code, _detail(r))
        return r

    def push(self, envelopes: list[dict]) -> list[dict]:
        """POST /operations: [{op_id, seq, status}] in the order sent; all or nothing."""
        r = self._call("push", "POST", "/operations", json={"operations": envelopes})
        return r.json()["results"]

    def changes(self, since: int, limit: int) -> Page:
        r = self._call("pull", "GET", "/changes", params={"since": since, "limit": limit})
        body = r.json()
        return Page(body["operations"], int(body["cursor"]), bool(body["more"]))

    def visible_incidents(self) -> set[str]:
        return {i["id"] for i in self._call("list incidents", "GET", "/incidents").json()}

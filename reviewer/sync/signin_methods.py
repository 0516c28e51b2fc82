"""Signing in with only the store's address: read the methods the store publishes (GET /api/v1/signin), pick one
for `reviewer sync login URL` when the choice is plain, and run the chosen one through link.py's sign-ins (the
dialog and the CLI share this dispatch).

The listing is read over the same transport as everything else from the store, before any key is pinned; it names
where to sign in, not whom to trust: the store still checks every token against its own configuration, the
workstation still checks the issuer's ID token (browser) and the store's pinned keys (ADR 0023, addendum).
"""

from __future__ import annotations

from typing import Callable

import httpx

from reviewer.errors import ReviewerError
from reviewer.store.client_auth import SignInError
from reviewer.store.signin_format import PATH, Method, parse
from reviewer.sync import link

__all__ = ["Method", "fetch", "choose", "sign_in", "instruction"]


def fetch(url: str) -> list[Method]:
    """The store's sign-in methods; SignInError (one line naming the address) when it is down or answers wrongly."""
    url = link.normalise_url(url)
    try:
        r = httpx.get(url + PATH, timeout=link.TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise SignInError(f"{url}: cannot reach the store: {exc}") from None
    if r.status_code == 404:
        raise SignInError(f"{url}: this store does not list its sign-in methods (an older store); sign in with "
                          "--code, --oidc or --entra")
    if r.status_code != 200:
        raise SignInError(f"{url}: the store would not list its sign-in methods ({r.status_code})")
    try:
        return parse(r.json())
    except ValueError as exc:
        raise SignInError(f"{url}: the store's list of sign-in methods is not usable: {exc}") from None


def _flags(m: Method) -> str:
    if m.kind == "code":
        return "--code CODE"
    if m.kind == "oidc":
        return f"--oidc {m.issuer} --client-id {m.client_id}"
    return f"--entra {m.tenant} --client-id {m.client_id}"


def choose(url: str, methods: list[Method], browser: bool = False) -> tuple[Method, str]:
    """(method, flow) for a login given only the address (and perhaps --browser): the store's one organisation
    sign-in, by device code unless it offers only the browser or --browser asks for it. Anything else is a
    ReviewerError that names the flags that choose."""
    orgs = [m for m in methods if m.kind != "code" and (not browser or "browser" in m.flows)]
    if len(orgs) == 1:
        m = orgs[0]
        return m, "browser" if browser or "device" not in m.flows else "device"
    if not orgs and not browser and [m.kind for m in methods] == ["code"]:
        raise ReviewerError(f"{url}: this store signs in with a one-time enrolment code: add --code CODE")
    if not orgs:
        offered = "; ".join(_flags(m) for m in methods) or "nothing"
        raise ReviewerError(f"{url}: the store offers no {'browser ' if browser else ''}sign-in this command can "
                            f"pick (it offers: {offered})")
    raise ReviewerError(f"{url}: the store offers {len(methods)} ways to sign in; choose one: "
                        + " | ".join(_flags(m) for m in methods))


def instruction(code) -> str:
    """What a device-code sign-in asks of the user (an oidc_device.DeviceCode), in one line."""
    return f"To sign in, open {code.verification_uri} and enter the code {code.user_code}"


def sign_in(library, url: str, method: Method, flow: str, show: Callable[[str], None] = lambda line: None,
            open_browser: Callable[[str], None] = lambda uri: None, cancelled: Callable[[], bool] = lambda: False,
            timeout_s: float | None = None, scope: str | None = None) -> dict:
    """Sign in by `method` (an organisation's) and `flow` ("device": `show` gets the one-line instruction;
    "browser": `open_browser` gets the sign-in page). `scope` overrides the store's. Returns link.status()."""
    scope = scope or method.scope or None
    if method.kind == "oidc":
        if flow == "browser":
            wait = {} if timeout_s is None else {"timeout_s": timeout_s}
            return link.login_oidc_browser(library, url, method.issuer, method.client_id, scope,
                                           open_browser=open_browser, cancelled=cancelled, **wait)
        return link.login_oidc(library, url, method.issuer, method.client_id, scope,
                               show=lambda code: show(instruction(code)), cancelled=cancelled)
    if method.kind == "entra":
        from reviewer.sync import entra

        cfg = entra.configure(method.tenant, method.client_id, scope)
        wait = {} if timeout_s is None else {"timeout_s": timeout_s}
        return link.login_entra(library, url, cfg, browser=flow == "browser", show=show, cancelled=cancelled,
                                **wait)
    raise ReviewerError(f"{url}: {method.kind!r} is not an organisation's sign-in")

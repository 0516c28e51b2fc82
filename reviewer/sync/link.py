"""Linking a library to a store, and staying signed in (ADR 0016): `reviewer sync login/logout/status`, the signed
offline grant, the pinned store keys, the audit chain pushed to the store, and `open_client` for the sync loop
and downloads.

What lives where: the store URL, its pinned public keys, the user and the latest grant in library_settings (written
with an audit event in one transaction); the refresh token only in the OS keyring (credentials.py); the access
token only in memory.
"""

from __future__ import annotations

import hashlib
import json
from typing import Callable
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select

from reviewer.errors import ReviewerError
from reviewer.govern.identity import checked_username
from reviewer.govern.state import put_setting as _put
from reviewer.govern.state import with_state
from reviewer.library.models_govern import LibrarySetting
from reviewer.store import anchor_format
from reviewer.store.client_auth import SignInError, StoreAuth, enrol, refresh
from reviewer.store.grant_format import KEY_USE as GRANT_USE
from reviewer.store.grant_format import format_time, verify_grant
from reviewer.sync import credentials, entra, oidc_browser, oidc_device
from reviewer.sync.oidc_device import DeviceCode
from reviewer.sync.grant import GRANT, KEYS, LINK_EVENT_TYPE, URL, USER

AUTH = "sync.auth"  # how this library signs in: {"kind": "embedded"} or an OIDC issuer (oidc_device.Issuer)

TIMEOUT_S = 30.0
PINNED_USES = (GRANT_USE, anchor_format.KEY_USE)  # the keys a workstation trusts offline, for years


class NotLinked(ReviewerError):
    """The library is not linked to a store."""


class SignedOut(ReviewerError):
    """The library is linked, but nobody is signed in on this workstation (no refresh token in the keyring)."""


class StoreKeyChanged(ReviewerError):
    """The store now publishes a key other than the one pinned at first sign-in: refused until resolved."""


# ---- the link's rows ---------------------------------------------------------------------------------------------
def _read(library) -> dict[str, str]:
    with library.sessions() as s:
        return dict(s.execute(select(LibrarySetting.key, LibrarySetting.value).where(
            LibrarySetting.key.in_((URL, KEYS, USER, GRANT, AUTH)))).all())


def normalise_url(url: str) -> str:
    u = urlsplit(url.strip())
    if u.scheme not in ("http", "https") or not u.netloc or u.query or u.fragment:
        raise ReviewerError(f"{url}: not a store URL (expected http(s)://HOST[:PORT])")
    return f"{u.scheme}://{u.netloc}{u.path.rstrip('/')}"


def linked_url(library) -> str:
    url = _read(library).get(URL)
    if url is None:
        raise NotLinked(f"{library.paths.home}: this library is not linked to a store (reviewer sync login URL "
                        "--code CODE)")
    return url


def sign_in_method(library) -> dict:
    """How this library last signed in (sync.auth): {"kind": "embedded"}, an OIDC issuer, or Entra through MSAL
    (open_client refreshes that way)."""
    return json.loads(_read(library).get(AUTH) or '{"kind": "embedded"}')


# ---- keys --------------------------------------------------------------------------------------------------------
def _get(url: str, path: str, what: str, **kw) -> httpx.Response:
    try:
        r = httpx.get(url + path, timeout=TIMEOUT_S, **kw)
    except httpx.HTTPError as exc:
        raise SignInError(f"{url}: cannot reach the store to {what}: {exc}") from None
    if r.status_code != 200:
        raise SignInError(f"{url}: {what} refused ({r.status_code}): {_detail(r)}")
    return r


def _detail(r: httpx.Response) -> str:
    try:
        return str(r.json().get("detail"))
    except ValueError:
        return r.text[:200]


def _pinned(keys_doc: dict) -> dict[str, dict]:
    """use -> the JWK the workstation pins for it (exactly one each)."""
    out = {}
    for use in PINNED_USES:
        found = [k for k in keys_doc.get("keys", []) if isinstance(k, dict) and k.get("use") == use]
        if len(found) != 1:
            raise StoreKeyChanged(f"the store publishes {len(found)} {use!r} keys; exactly one is expected")
        out[use] = {k: found[0].get(k) for k in ("kty", "crv", "x", "kid", "alg", "use")}
    return out


def _fingerprint(jwk: dict) -> str:
    """kid and a digest of the key itself: a swapped key may keep its kid."""
    return f"{jwk.get('kid')} sha256:{hashlib.sha256(str(jwk.get('x')).encode()).hexdigest()[:16]}"


def check_keys(url: str, pinned_text: str | None) -> dict:
    """The store's keys now; StoreKeyChanged when a pinned one differs. Returns the document to pin (the pinned
    one when there is one: a key added later is never trusted silently)."""
    now = _pinned(_get(url, "/api/v1/keys", "read its public keys").json())
    if pinned_text is None:
        return {"keys": list(now.values())}
    pinned = _pinned(json.loads(pinned_text))
    for use, key in pinned.items():
        if now[use] != key:
            raise StoreKeyChanged(f"{url}: the store's {use} key changed (pinned {_fingerprint(key)}, now "
                                  f"{_fingerprint(now[use])}): refused; if the store's key was replaced on purpose, "
                                  "its administrator must say so out of band before this library trusts it")
    return {"keys": list(pinned.values())}


# ---- sign-in -----------------------------------------------------------------------------------------------------
def _save_rotated(workstation: str, url: str):
    return lambda t: credentials.save_refresh_token(workstation, url, t.refresh_token)


def _fetch_grant(client: httpx.Client, workstation: str, keys_doc: dict) -> dict:
    try:
        r = client.get("/api/v1/grant", params={"workstation": workstation})
    except httpx.HTTPError as exc:
        raise SignInError(f"{client.base_url}: cannot reach the store for the offline grant: {exc}") from None
    if r.status_code != 200:
        raise SignInError(f"{client.base_url}: offline grant refused ({r.status_code}): {_detail(r)}")
    doc = r.json()
    verify_grant(doc, keys_doc, workstation)  # GrantError: a store that signs with a key we do not trust
    return doc


def _store_grant(library, url: str, keys_doc: dict, doc: dict, event: str, auth_doc: dict | None = None) -> None:
    """The grant and the link in library_settings, with their event (each renewal too: the rows are governed).
    `auth_doc`: how the user signed in (at login; a renewal keeps it)."""
    gov = library.gov
    g = verify_grant(doc, keys_doc, gov.workstation)
    checked_username(g.user, f"the store {url}")  # refused before anything is written
    values = [(URL, url), (KEYS, json.dumps(keys_doc, sort_keys=True)), (USER, g.user),
              (GRANT, json.dumps(doc, sort_keys=True))]
    if auth_doc is not None:
        values.append((AUTH, json.dumps(auth_doc, sort_keys=True)))
    with gov.write() as s:
        rows = [_put(s, key, value, gov.actor) for key, value in values]
        gov.username = g.user
        gov.record(s, LINK_EVENT_TYPE, url, event, details=with_state({
            "url": url, "user": g.user, "role": g.role, "expires_at": format_time(g.expires_at),
            "keys": sorted(k["kid"] for k in keys_doc["keys"])}, *rows))
    gov.follow_store_identity()


def _before_login(library, url: str) -> tuple[str, dict]:
    """(normalised URL, the keys to pin): refused before anything is spent (an enrolment code works once, a device
    code needs the user's approval) when no secure keyring exists, the library belongs to another store, or the
    store's keys are not the pinned ones."""
    url = normalise_url(url)
    credentials.require_secure_keyring()
    st = _read(library)
    if st.get(URL) not in (None, url):
        raise ReviewerError(f"{library.paths.home}: this library is linked to the store {st[URL]}, not {url}")
    return url, check_keys(url, st.get(KEYS))


def _finish_login(library, url: str, keys_doc: dict, auth: httpx.Auth, auth_doc: dict) -> dict:
    with httpx.Client(base_url=url, auth=auth, timeout=TIMEOUT_S) as client:
        try:
            doc = _fetch_grant(client, library.gov.workstation, keys_doc)
            _store_grant(library, url, keys_doc, doc, "sync.login", auth_doc)
        except Exception:
            if _read(library).get(URL) is None:  # nothing linked: keep no sign-in for it either
                credentials.forget_refresh_token(library.gov.workstation, url)
            raise
        pushed = _push(library, client)
    return {**status(library), "pushed_audit": pushed}


def login(library, url: str, code: str) -> dict:
    """Enrol with a one-time code, keep the refresh token in the keyring, pin the store's keys (first time) or check
    them (later), store the signed grant, and push the audit chain. Returns status()."""
    gov = library.gov
    url, keys_doc = _before_login(library, url)
    tokens = enrol(url, code)
    credentials.save_refresh_token(gov.workstation, url, tokens.refresh_token)
    auth = StoreAuth(url, tokens, on_rotate=_save_rotated(gov.workstation, url))
    return _finish_login(library, url, keys_doc, auth, {"kind": "embedded"})


def login_oidc(library, url: str, issuer: str, client_id: str, scope: str | None = None,
               show: Callable[[DeviceCode], None] = lambda code: None,
               cancelled: Callable[[], bool] = lambda: False) -> dict:
    """The same with an external OIDC issuer's device-code sign-in: `show` tells the user where to go and which
    code to enter; this returns once they approved (SignInError when refused, expired or cancelled)."""
    gov = library.gov
    url, keys_doc = _before_login(library, url)
    iss = oidc_device.discover(issuer, client_id, scope or oidc_device.DEFAULT_SCOPE)
    code = oidc_device.start(iss)
    show(code)
    tokens = oidc_device.poll(iss, code, cancelled)
    credentials.save_refresh_token(gov.workstation, url, tokens.refresh_token)
    auth = oidc_device.OidcAuth(iss, tokens, on_rotate=_save_rotated(gov.workstation, url))
    return _finish_login(library, url, keys_doc, auth, iss.to_json())


def login_oidc_browser(library, url: str, issuer: str, client_id: str, scope: str | None = None,
                       open_browser: Callable[[str], None] = lambda uri: None,
                       cancelled: Callable[[], bool] = lambda: False,
                       timeout_s: float = oidc_browser.WAIT_S) -> dict:
    """The same with the browser: `open_browser` is handed the issuer's sign-in page (the system browser opens
    it); this returns once the redirect came back to 127.0.0.1 and every check passed (SignInError otherwise:
    refused, cancelled or timed out, with nothing kept)."""
    gov = library.gov
    url, keys_doc = _before_login(library, url)
    bi = oidc_browser.discover(issuer, client_id, scope or oidc_device.DEFAULT_SCOPE)
    tokens = oidc_browser.sign_in(bi, open_browser, cancelled, timeout_s)
    credentials.save_refresh_token(gov.workstation, url, tokens.refresh_token)
    auth = oidc_device.OidcAuth(bi.issuer, tokens, on_rotate=_save_rotated(gov.workstation, url))
    return _finish_login(library, url, keys_doc, auth, bi.issuer.to_json())


def login_entra(library, url: str, cfg: entra.Entra, browser: bool = False,
                show: Callable[[str], None] = lambda message: None,
                cancelled: Callable[[], bool] = lambda: False, timeout_s: float = entra.WAIT_S) -> dict:
    """The same with Entra ID through MSAL: its device flow (`show` gets MSAL's instruction), or with `browser`
    its interactive flow in the system browser (MSAL offers no cancel there: it ends at `timeout_s`). MSAL's token
    cache is kept only in the keyring."""
    gov = library.gov
    url, keys_doc = _before_login(library, url)
    cache = entra.KeyringCache(gov.workstation, url)
    app = entra.application(cfg, cache)
    if browser:
        entra.interactive(app, cfg, timeout_s)
    else:
        entra.device_flow(app, cfg, show, cancelled)
    auth = entra.MsalAuth(app, cfg, cache, entra.account(app, cfg))
    cache.persist()
    return _finish_login(library, url, keys_doc, auth, cfg.to_json())


def logout(library) -> bool:
    """Forget the refresh token and the grant; the library stays linked (the store stays its authority) and is
    read-only until someone signs in again. True when a token was removed."""
    gov = library.gov
    url = linked_url(library)
    removed = credentials.forget_refresh_token(gov.workstation, url)
    with gov.write() as s:
        row = _put(s, GRANT, "", gov.actor)
        gov.record(s, LINK_EVENT_TYPE, url, "sync.logout", details=with_state(
            {"url": url, "token_removed": removed}, row))
    return removed


def open_client(library) -> httpx.Client:
    """An httpx client for the linked store: base_url set, auth refreshed from the keyring's refresh token (each
    rotation saved back there). NotLinked / SignedOut / CredentialsUnavailable otherwise."""
    gov = library.gov
    url = linked_url(library)
    token = credentials.load_refresh_token(gov.workstation, url)
    if token is None:
        raise SignedOut(f"{library.paths.home}: signed out of the store {url} (reviewer sync login {url} --code "
                        "CODE)")
    save = _save_rotated(gov.workstation, url)
    how = sign_in_method(library)
    # the access token lives in memory only; the spent refresh token is replaced at once
    if how.get("kind") == "entra":
        auth: httpx.Auth = entra.signed_in(entra.Entra.from_json(how), gov.workstation, url, token)
    elif how.get("kind") == "oidc":
        iss = oidc_device.Issuer.from_json(how)
        tokens = oidc_device.refresh(iss, token)
        save(tokens)
        auth = oidc_device.OidcAuth(iss, tokens, on_rotate=save)
    else:
        tokens = refresh(url, token)
        save(tokens)
        auth = StoreAuth(url, tokens, on_rotate=save)
    return httpx.Client(base_url=url, auth=auth, timeout=TIMEOUT_S)


def renew_grant(library, client: httpx.Client | None = None) -> dict:
    """Check the pinned keys and fetch a fresh grant (the sync loop calls this on each connection)."""
    st = _read(library)
    url = linked_url(library)
    keys_doc = check_keys(url, st.get(KEYS))
    own = client is None
    client = client or open_client(library)
    try:
        doc = _fetch_grant(client, library.gov.workstation, keys_doc)
    finally:
        if own:
            client.close()
    _store_grant(library, url, keys_doc, doc, "sync.grant")
    return doc


# ---- audit anchoring ---------------------------------------------------------------------------------------------
def _push(library, client: httpx.Client) -> dict:
    from reviewer.store.anchor_client import push_chain

    gov = library.gov
    events = [e.to_json() for e in gov.audit.events()]
    return push_chain(client, gov.workstation, events)


def push_audit(library, client: httpx.Client | None = None) -> dict:
    """Push this library's audit chain to the store (what it does not hold yet); returns the store's signed
    checkpoint. The sync loop calls this; `reviewer sync status --push-audit` and login do too."""
    if client is not None:
        return _push(library, client)
    with open_client(library) as c:
        return _push(library, c)


def store_checkpoint(library) -> tuple[dict, dict]:
    """(the store's latest signed checkpoint of this workstation's chain, the pinned keys), for audit verify."""
    st = _read(library)
    url = linked_url(library)
    keys_doc = check_keys(url, st.get(KEYS))
    ws = library.gov.workstation
    with open_client(library) as c:
        try:
            r = c.get(f"/api/v1/workstations/{ws}/audit/checkpoint")
        except httpx.HTTPError as exc:
            raise SignInError(f"{url}: cannot reach the store for the audit checkpoint: {exc}") from None
    if r.status_code != 200:
        raise SignInError(f"{url}: audit checkpoint of workstation {ws}: {r.status_code} {_detail(r)}")
    return r.json(), keys_doc


# ---- status ------------------------------------------------------------------------------------------------------
def status(library, online_check: bool = True) -> dict:
    gov = library.gov
    st = _read(library)
    auth = gov.store_authority()
    out = {"linked": st.get(URL) is not None, "url": st.get(URL), "user": gov.username,
           "role": gov.role().value, "grant_expires_at": None, "read_only": bool(auth and auth.problem),
           "problem": auth.problem if auth else None, "online": None, "signed_in": None,
           "pending_operations": _pending(library)}
    if auth is not None and auth.expires_at is not None:
        out["grant_expires_at"] = format_time(auth.expires_at)
    if out["linked"]:
        try:
            out["signed_in"] = credentials.load_refresh_token(gov.workstation, st[URL]) is not None
        except credentials.CredentialsUnavailable:
            out["signed_in"] = False
        if online_check:
            try:
                out["online"] = httpx.get(st[URL] + "/api/v1/health", timeout=5).status_code == 200
            except httpx.HTTPError:
                out["online"] = False
    return out


def _pending(library) -> int:
    """Operations made here that the store has not acknowledged yet (the operation model's outbox)."""
    from sqlalchemy import func

    from reviewer.library.models_ops import OutboxRow

    with library.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(OutboxRow)))


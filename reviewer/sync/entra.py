"""Entra ID sign-in through Microsoft's own library, MSAL (PublicClientApplication: a desktop app is a public
client, no secret): the device flow, or the interactive flow in the system browser with MSAL's loopback redirect
(http://localhost). MSAL keeps its tokens in a cache; here that cache lives only in the OS keyring (KeyringCache,
through credentials.py and so through the same secure-backend allow-list), never in a file, and only the part a
later process needs (accounts and refresh tokens): access and ID tokens stay in this process's memory, as the
embedded issuer's access tokens do (ADR 0016, ADR 0023).

An authority is a tenant of the public cloud (a tenant id or domain: https://login.microsoftonline.com/TENANT) or a
full https URL: a national cloud's Entra (Microsoft's login hosts), or any other OpenID provider MSAL can use as a
generic OIDC authority (its `oidc_authority`; how the tests drive MSAL against a local issuer).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

import httpx

from reviewer.errors import ReviewerError
from reviewer.store.client_auth import SignInError
from reviewer.store.signin_format import RESERVED_SCOPES
from reviewer.sync import credentials

PUBLIC_CLOUD = "https://login.microsoftonline.com"
# Entra's login hosts (public, US government, China); an authority on another host is a generic OIDC authority
MICROSOFT_HOSTS = ("login.microsoftonline.com", "login.microsoftonline.us", "login.partner.microsoftonline.cn",
                   "login.chinacloudapi.cn")
DEFAULT_SCOPES = ("api://bwv-store/.default",)
KEEP = ("Account", "RefreshToken", "AppMetadata")  # what a later process needs; no access or ID token
WAIT_S = 300


@dataclass(frozen=True)
class Entra:
    authority: str
    client_id: str
    scopes: tuple[str, ...]

    @property
    def microsoft(self) -> bool:
        return urlsplit(self.authority).hostname in MICROSOFT_HOSTS

    def to_json(self) -> dict:
        return {"kind": "entra", "authority": self.authority, "client_id": self.client_id,
                "scopes": list(self.scopes)}

    @classmethod
    def from_json(cls, d: dict) -> "Entra":
        return cls(d["authority"], d["client_id"], tuple(d["scopes"]))


def configure(tenant: str, client_id: str, scope: str | None = None) -> Entra:
    """From `--entra TENANT --client-id ID [--scope ...]`; ReviewerError naming what is wrong."""
    tenant = tenant.strip()
    if tenant.startswith(("https://", "http://")):
        u = urlsplit(tenant)
        if u.scheme != "https" or not u.hostname or u.path.strip("/") == "" or u.query or u.fragment:
            raise ReviewerError(f"{tenant}: not an Entra authority (expected a tenant id or domain, or "
                                "https://HOST/TENANT)")
        authority = f"https://{u.netloc}{u.path.rstrip('/')}"
    elif tenant and all(c.isalnum() or c in "-." for c in tenant):
        authority = f"{PUBLIC_CLOUD}/{tenant}"
    else:
        raise ReviewerError(f"{tenant!r}: not an Entra tenant (a tenant id such as "
                            "00000000-0000-0000-0000-000000000000, or a domain such as contoso.onmicrosoft.com)")
    if not client_id.strip():
        raise ReviewerError("--entra needs --client-id (the workstation app's application id in Entra)")
    scopes = tuple(s for s in (scope.split() if scope else DEFAULT_SCOPES) if s not in RESERVED_SCOPES)
    if not scopes:
        raise ReviewerError("--scope names only openid/profile/offline_access; Entra needs the store's API scope, "
                            "e.g. api://bwv-store/.default")
    return Entra(authority, client_id.strip(), scopes)


class KeyringCache:
    """MSAL's SerializableTokenCache, persisted only in the OS keyring under this library's store entry."""

    def __init__(self, workstation: str, url: str, state: str | None = None):
        import msal

        self.workstation, self.url = workstation, url
        self.cache = msal.SerializableTokenCache()
        if state:
            try:
                self.cache.deserialize(state)
            except ValueError:
                raise credentials.CredentialsUnavailable(
                    "the Entra sign-in kept in the OS keyring is not readable; sign in again") from None
        self._lock = threading.Lock()

    def kept(self) -> str:
        """What goes to the keyring: the accounts and refresh tokens, in MSAL's own format."""
        doc = json.loads(self.cache.serialize())
        return json.dumps({k: doc[k] for k in KEEP if k in doc}, sort_keys=True)

    def persist(self) -> None:
        with self._lock:
            if self.cache.has_state_changed:
                credentials.save_refresh_token(self.workstation, self.url, self.kept())
                self.cache.has_state_changed = False


def application(cfg: Entra, cache: KeyringCache):
    import msal

    where = {"authority": cfg.authority} if cfg.microsoft else {"oidc_authority": cfg.authority}
    return _call(cfg, "read its configuration", msal.PublicClientApplication, cfg.client_id,
                 token_cache=cache.cache, **where)


def account(app, cfg: Entra) -> dict:
    """The one account MSAL holds after a sign-in (from the ID token)."""
    accounts = app.get_accounts()
    if len(accounts) != 1:
        raise SignInError(f"{cfg.authority}: the sign-in names {len(accounts)} accounts, not one (the issuer's "
                          "answer needs an ID token)")
    return accounts[0]


def _call(cfg: Entra, what: str, fn, *args, keep: tuple = (), **kwargs):
    """An MSAL call whose network failure (requests' exceptions: MSAL's HTTP client) is one line; `keep`: the
    exceptions the caller words itself."""
    try:
        return fn(*args, **kwargs)
    except (SignInError, *keep):
        raise
    except ValueError as exc:  # MSAL's word for a discovery that failed or named another issuer, a bad scope
        raise SignInError(f"{cfg.authority}: MSAL could not {what}: {str(exc).strip().splitlines()[0]}") from None
    except Exception as exc:  # noqa: BLE001 - requests' errors, without importing requests here
        raise SignInError(f"{cfg.authority}: cannot reach the Entra authority to {what}: "
                          f"{type(exc).__name__}") from None


def _result(cfg: Entra, result: dict | None, what: str) -> dict:
    if not result or "access_token" not in result:
        why = (result or {}).get("error_description") or (result or {}).get("error") or "no token"
        raise SignInError(f"{cfg.authority}: {what} refused: {str(why).splitlines()[0]}")
    return result


def device_flow(app, cfg: Entra, show: Callable[[str], None], cancelled: Callable[[], bool]) -> dict:
    """MSAL's device flow; `show` gets MSAL's instruction ("To sign in, use a web browser to open ...")."""
    flow = _call(cfg, "start the device sign-in", app.initiate_device_flow, scopes=list(cfg.scopes))
    if "user_code" not in flow:
        raise SignInError(f"{cfg.authority}: device sign-in refused: "
                          f"{flow.get('error_description') or flow.get('error')}")
    show(str(flow.get("message") or f"To sign in, open {flow.get('verification_uri')} and enter the code "
                                    f"{flow['user_code']}"))
    result = _call(cfg, "finish the device sign-in", app.acquire_token_by_device_flow,
                   flow, exit_condition=lambda f: cancelled() or f.get("expires_at", 0) < time.time())
    if cancelled():
        raise SignInError(f"{cfg.authority}: device sign-in cancelled")
    return _result(cfg, result, "device sign-in")


def interactive(app, cfg: Entra, timeout_s: float = WAIT_S) -> dict:
    """MSAL's browser flow: it opens the system browser and listens on http://localhost:PORT itself (PKCE, state
    and nonce checked by MSAL)."""
    from msal.oauth2cli.oauth2 import BrowserInteractionTimeoutError

    try:
        result = _call(cfg, "finish the browser sign-in", app.acquire_token_interactive, list(cfg.scopes),
                       timeout=timeout_s, keep=(BrowserInteractionTimeoutError,))
    except BrowserInteractionTimeoutError:
        raise SignInError(f"{cfg.authority}: the browser did not come back within {timeout_s:g} s; sign in again") \
            from None
    return _result(cfg, result, "browser sign-in")


class MsalAuth(httpx.Auth):
    """Bearer = MSAL's access token for the store's scope: from its in-memory cache while valid, else redeemed
    from the refresh token (which MSAL rotates; the new one goes to the keyring at once), and once more on a 401."""

    def __init__(self, app, cfg: Entra, cache: KeyringCache, account: dict):
        self.app, self.cfg, self.cache, self.account = app, cfg, cache, account
        self._lock = threading.Lock()

    def token(self, force: bool = False) -> str:
        with self._lock:
            result = _call(self.cfg, "refresh the sign-in", self.app.acquire_token_silent, list(self.cfg.scopes),
                           self.account, force_refresh=force)
            self.cache.persist()
        return _result(self.cfg, result, "refreshing the sign-in")["access_token"]

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self.token()}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self.token(force=True)}"
            yield request


def signed_in(cfg: Entra, workstation: str, url: str, state: str) -> MsalAuth:
    """A later process's way in: the cache from the keyring, its one account, a token refreshed now (so a revoked
    sign-in is known at once, as with the other issuers)."""
    cache = KeyringCache(workstation, url, state)
    app = application(cfg, cache)
    accounts = app.get_accounts()
    if len(accounts) != 1:
        raise credentials.CredentialsUnavailable(f"the Entra sign-in kept in the OS keyring holds {len(accounts)} "
                                                 "accounts, not one; sign in again")
    auth = MsalAuth(app, cfg, cache, accounts[0])
    auth.token(force=True)
    return auth

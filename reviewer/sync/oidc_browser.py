"""Browser sign-in at an external OIDC issuer: the authorization code flow with PKCE (S256) and a loopback redirect
on 127.0.0.1 with an ephemeral port (RFC 8252), for a public client (no secret).

The workstation opens the system browser at the issuer's authorization endpoint and listens on 127.0.0.1 for the
one redirect that carries the code. Its `state` must be this sign-in's (else the answer is a stale or forged
redirect and the code is never redeemed); the code is redeemed with the PKCE verifier only this process knows, so a
code intercepted by another program on the machine is useless; the ID token must verify against the issuer's JWKS
and name this issuer, this client as audience, an unexpired time and this sign-in's `nonce`. Only then are the
tokens handed back (the caller keeps the refresh token in the OS keyring, ADR 0016); any refusal is one line and
nothing is kept.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import html
import secrets
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt

from reviewer.store.client_auth import SignInError
from reviewer.store.oidc import ALGORITHMS
from reviewer.sync.oidc_device import TIMEOUT_S, Issuer, OidcTokens, _checked_url, _json, discovery, tokens_from

CALLBACK_PATH = "/callback"
WAIT_S = 300.0  # how long the browser has to come back
LEEWAY_S = 60  # clock skew allowed on the ID token's times
POLL_S = 0.2  # how often the listener looks at cancel and the deadline
REQUEST_TIMEOUT_S = 5.0  # a connection that sends nothing cannot hold the listener


@dataclass(frozen=True)
class BrowserIssuer:
    issuer: Issuer  # what refresh needs later (kept in sync.auth)
    authorization_endpoint: str
    jwks_uri: str


def discover(issuer: str, client_id: str, scope: str) -> BrowserIssuer:
    name, doc = discovery(issuer)
    if not doc.get("authorization_endpoint") or not doc.get("jwks_uri"):
        raise SignInError(f"{name}: the OIDC issuer offers no browser sign-in (no authorization endpoint or JWKS)")
    iss = Issuer(name, client_id, scope, _checked_url(doc["token_endpoint"], "token endpoint"),
                 str(doc.get("device_authorization_endpoint") or ""))
    return BrowserIssuer(iss, _checked_url(doc["authorization_endpoint"], "authorization endpoint"),
                         _checked_url(doc["jwks_uri"], "JWKS"))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge): 64 random bytes give an 86-character verifier (RFC 7636: 43 to 128)."""
    verifier = _b64(secrets.token_bytes(64))
    return verifier, _b64(hashlib.sha256(verifier.encode("ascii")).digest())


# ---- the loopback redirect ---------------------------------------------------------------------------------------
PAGE = ("<!doctype html><meta charset=utf-8><title>BWV Reviewer</title>"
        "<p>{}</p><p>You can close this tab and return to BWV Reviewer.</p>")


class _Handler(BaseHTTPRequestHandler):
    timeout = REQUEST_TIMEOUT_S

    def do_GET(self):  # noqa: N802 - http.server's name
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH:
            self.send_error(404)  # a favicon or a probe: keep waiting for the redirect
            return
        answer = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.server.answer = answer
        said = "BWV Reviewer has the issuer's answer and is checking it." if "code" in answer \
            else f"Sign-in failed: {answer.get('error_description') or answer.get('error') or 'no code'}."
        data = PAGE.format(html.escape(said)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args):  # the query carries the code: never into a log
        pass


class _Server(HTTPServer):
    def handle_error(self, request, client_address):  # a dropped or silent connection: no traceback on stderr
        pass


class Loopback:
    """A listener on 127.0.0.1 with a port the OS picks, for exactly one redirect to CALLBACK_PATH."""

    def __init__(self):
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.timeout = POLL_S
        self._server.answer = None
        self.redirect_uri = f"http://127.0.0.1:{self._server.server_address[1]}{CALLBACK_PATH}"

    def __enter__(self) -> "Loopback":
        return self

    def __exit__(self, *_exc) -> None:
        self._server.server_close()

    def wait(self, issuer: str, cancelled: Callable[[], bool], timeout_s: float) -> dict:
        deadline = time.monotonic() + timeout_s
        while self._server.answer is None:
            if cancelled():
                raise SignInError(f"{issuer}: browser sign-in cancelled")
            if time.monotonic() >= deadline:
                raise SignInError(f"{issuer}: the browser did not come back within {timeout_s:g} s; sign in again")
            self._server.handle_request()
        return self._server.answer


# ---- the flow ----------------------------------------------------------------------------------------------------
def authorization_url(bi: BrowserIssuer, redirect_uri: str, state: str, nonce: str, challenge: str) -> str:
    query = urlencode({"response_type": "code", "client_id": bi.issuer.client_id, "redirect_uri": redirect_uri,
                       "scope": bi.issuer.scope, "state": state, "nonce": nonce, "code_challenge": challenge,
                       "code_challenge_method": "S256"})
    sep = "&" if urlsplit(bi.authorization_endpoint).query else "?"
    return f"{bi.authorization_endpoint}{sep}{query}"


def sign_in(bi: BrowserIssuer, open_browser: Callable[[str], None],
            cancelled: Callable[[], bool] = lambda: False, timeout_s: float = WAIT_S) -> OidcTokens:
    """Open the browser, wait for the redirect, check it, redeem the code, check the ID token."""
    name = bi.issuer.issuer
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with Loopback() as loop:
        open_browser(authorization_url(bi, loop.redirect_uri, state, nonce, challenge))
        answer = loop.wait(name, cancelled, timeout_s)
    # the state first: a redirect that is not this sign-in's is never acted on, whatever else it says
    if not hmac.compare_digest(answer.get("state", ""), state):
        raise SignInError(f"{name}: sign-in refused: the browser's answer does not carry this sign-in's state "
                          "(a stale or forged redirect); sign in again")
    if "error" in answer or not answer.get("code"):
        raise SignInError(f"{name}: sign-in refused: "
                          f"{answer.get('error_description') or answer.get('error') or 'the answer has no code'}")
    return redeem(bi, answer["code"], loop.redirect_uri, verifier, nonce)


def redeem(bi: BrowserIssuer, code: str, redirect_uri: str, verifier: str, nonce: str) -> OidcTokens:
    iss = bi.issuer
    try:
        r = httpx.post(iss.token_endpoint, timeout=TIMEOUT_S, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": iss.client_id, "code_verifier": verifier})
    except httpx.HTTPError as exc:
        raise SignInError(f"{iss.issuer}: cannot reach the token endpoint: {exc}") from None
    body = _json(r, iss.token_endpoint)
    if r.status_code != 200:
        raise SignInError(f"{iss.issuer}: sign-in refused: the issuer would not redeem the code ({r.status_code}): "
                          f"{body.get('error_description') or body.get('error')}")
    if not isinstance(body.get("id_token"), str):
        raise SignInError(f"{iss.issuer}: sign-in refused: the issuer's answer has no ID token (ask for the openid "
                          "scope)")
    check_id_token(bi, body["id_token"], nonce)
    return tokens_from(body, None, iss.token_endpoint)


def _jwks(bi: BrowserIssuer) -> jwt.PyJWKSet:
    try:
        return jwt.PyJWKSet.from_dict(httpx.get(bi.jwks_uri, timeout=TIMEOUT_S).raise_for_status().json())
    except (httpx.HTTPError, ValueError, jwt.PyJWKError) as exc:
        raise SignInError(f"{bi.issuer.issuer}: cannot read the issuer's keys at {bi.jwks_uri}: {exc}") from None


def check_id_token(bi: BrowserIssuer, token: str, nonce: str) -> dict:
    """The ID token's claims, once its signature, issuer, audience, times and nonce are this sign-in's."""
    name, client_id = bi.issuer.issuer, bi.issuer.client_id

    def refused(why: str) -> SignInError:
        return SignInError(f"{name}: sign-in refused: the ID token {why}")

    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise refused("is not a JWT") from None
    if header.get("alg") not in ALGORITHMS:
        raise refused(f"is signed with {header.get('alg')!r}, which is not accepted")
    keys = [k for k in _jwks(bi).keys if k.key_id == header.get("kid")]
    if len(keys) != 1:
        raise refused(f"is signed with key {header.get('kid')!r}, which the issuer does not publish")
    try:
        claims = jwt.decode(token, keys[0].key, algorithms=[header["alg"]], audience=client_id, issuer=name,
                            leeway=LEEWAY_S, options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]})
    except jwt.ExpiredSignatureError:
        when = dt.datetime.fromtimestamp(float(unverified.get("exp", 0)), dt.timezone.utc)
        raise refused(f"expired at {when.isoformat(timespec='seconds')}") from None
    except jwt.InvalidAudienceError:
        raise refused(f"is for {unverified.get('aud')!r}, not this app (client id {client_id})") from None
    except jwt.InvalidIssuerError:
        raise refused(f"names the issuer {unverified.get('iss')!r}") from None
    except jwt.InvalidSignatureError:
        raise refused("does not verify against the issuer's keys") from None
    except jwt.PyJWTError as exc:
        raise refused(f"is not valid: {exc}") from None
    if not hmac.compare_digest(str(claims["nonce"]), nonce):
        raise refused("does not carry this sign-in's nonce (a replayed token)")
    aud = claims["aud"]
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != client_id:
        raise refused(f"was issued to {claims.get('azp')!r}, not this app (client id {client_id})")
    return claims

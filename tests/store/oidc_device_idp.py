"""The loopback OpenID provider of oidc_idp.py with the device authorization grant (RFC 8628), the authorization
code grant with PKCE (S256 only) and a loopback redirect (RFC 8252), and rotating refresh tokens, for the
workstation's OIDC sign-in tests.

Device code: a test plays the user with approve(user_code, oid) or deny(user_code), optionally only after the
workstation has polled a number of times. Browser: a test "browser" (browse() below, a plain HTTP client) opens
/authorize with a session cookie naming the user, as a browser already signed in at the issuer would, and follows
the redirect to the workstation's loopback listener; `next_id_token` alters the next ID token (an audience, a
lifetime) for the refusal tests. Codes are spent at their first redemption."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import threading
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from tests.store.oidc_idp import Idp

AUDIENCE = "api://bwv-store"
CLIENT_ID = "bwv-reviewer-desktop"


class DeviceIdp(Idp):
    def __init__(self):
        self.lock = threading.Lock()
        self.pending: dict[str, dict] = {}  # device_code -> {user_code, oid, denied, after, polls}
        self.refresh_tokens: dict[str, str] = {}  # live refresh token -> oid
        self.refreshes = 0
        self.codes: dict[str, dict] = {}  # authorization code -> {oid, redirect_uri, challenge, nonce, spent}
        self.redemptions: list[str] = []  # every authorization code presented at /token
        self.next_id_token: dict = {}  # claims and ttl_s for the next ID token only
        super().__init__()
        self.kid = self.add_key()

    def approve(self, user_code: str, oid: str, after_polls: int = 0) -> None:
        with self.lock:
            d = next(d for d in self.pending.values() if d["user_code"] == user_code)
            d["oid"], d["after"] = oid, after_polls

    def deny(self, user_code: str) -> None:
        with self.lock:
            next(d for d in self.pending.values() if d["user_code"] == user_code)["denied"] = True

    def _issue(self, oid: str, nonce: str | None = None) -> dict:
        refresh = os.urandom(24).hex()
        self.refresh_tokens[refresh] = oid
        claims = {"oid": oid, "sub": f"sub-{oid}", **({"nonce": nonce} if nonce else {})}
        alter, self.next_id_token = dict(self.next_id_token), {}
        ttl_s, key = alter.pop("ttl_s", 300), alter.pop("key", None)  # key: a forger's, under the published kid
        return {"token_type": "Bearer", "access_token": self.token(self.kid, AUDIENCE, {"oid": oid}),
                "expires_in": 300, "refresh_token": refresh,
                "id_token": self.token(self.kid, CLIENT_ID, {**claims, **alter}, key=key, ttl_s=ttl_s)}

    def _authorize(self, query: dict, cookie: str) -> tuple[int, str]:
        """(status, Location or error text): a redirect to the loopback with a code, or a refusal."""
        redirect = query.get("redirect_uri", "")
        if query.get("client_id") != CLIENT_ID:
            return 400, "unknown client"
        # the two redirects registered for this client, any port (RFC 8252 7.3): ours, and MSAL's
        if not re.fullmatch(r"http://127\.0\.0\.1:\d+/callback|http://localhost:\d+", redirect):
            return 400, "redirect_uri is not this client's loopback redirect"
        back = {"state": query["state"]} if "state" in query else {}
        oid = cookie.removeprefix("session=") if cookie.startswith("session=") else None
        if query.get("response_type") != "code":
            back["error"] = "unsupported_response_type"
        elif query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            back.update(error="invalid_request", error_description="PKCE with S256 is required")
        elif oid is None:
            back.update(error="login_required", error_description="nobody is signed in at the issuer")
        else:
            code = os.urandom(16).hex()
            with self.lock:
                self.codes[code] = {"oid": oid, "redirect_uri": redirect, "challenge": query["code_challenge"],
                                    "nonce": query.get("nonce"), "spent": False}
            back["code"] = code
        if query.get("response_mode") == "form_post":  # the browser posts the answer to the redirect (MSAL)
            fields = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in back.items())
            return 200, f'<form method="post" action="{redirect}">{fields}</form>'
        return 302, redirect + "?" + urlencode(back)

    def _redeem(self, form: dict) -> tuple[int, dict]:
        code = form.get("code", "")
        self.redemptions.append(code)
        c = self.codes.get(code)
        if c is None or c["spent"]:
            return 400, {"error": "invalid_grant", "error_description": "authorization code not valid or used"}
        c["spent"] = True  # at the first presentation, right or wrong
        if form.get("redirect_uri") != c["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri does not match"}
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not 43 <= len(verifier) <= 128 or digest != c["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        return 200, self._issue(c["oid"], c["nonce"])

    def _token(self, form: dict) -> tuple[int, dict]:
        if form.get("client_id") != CLIENT_ID:
            return 400, {"error": "invalid_client"}
        with self.lock:
            if form.get("grant_type") == "refresh_token":
                oid = self.refresh_tokens.pop(form.get("refresh_token", ""), None)  # spent once
                if oid is None:
                    return 400, {"error": "invalid_grant", "error_description": "refresh token not valid"}
                self.refreshes += 1
                return 200, self._issue(oid)
            if form.get("grant_type") == "authorization_code":
                return self._redeem(form)
            if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:device_code":
                return 400, {"error": "unsupported_grant_type"}
            d = self.pending.get(form.get("device_code", ""))
            if d is None:
                return 400, {"error": "expired_token"}
            d["polls"] += 1
            if d["denied"]:
                return 400, {"error": "access_denied", "error_description": "the user declined"}
            if d["oid"] is None or d["polls"] <= d["after"]:
                return 400, {"error": "authorization_pending"}
            del self.pending[form["device_code"]]
            return 200, self._issue(d["oid"])

    def _device(self, form: dict) -> tuple[int, dict]:
        if form.get("client_id") != CLIENT_ID:
            return 400, {"error": "invalid_client"}
        device, user = os.urandom(16).hex(), os.urandom(4).hex().upper()
        with self.lock:
            self.pending[device] = {"user_code": user, "oid": None, "denied": False, "after": 0, "polls": 0}
        return 200, {"device_code": device, "user_code": user, "verification_uri": self.issuer + "/device",
                     "interval": 1, "expires_in": 600}

    def _handler(self):
        base, idp = super()._handler(), self

        class Handler(base):
            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/tenant/.well-known/openid-configuration":
                    self._send(200, {"issuer": idp.issuer, "jwks_uri": idp.issuer + "/keys",
                                     "token_endpoint": idp.issuer + "/token",
                                     "authorization_endpoint": idp.issuer + "/authorize",
                                     "device_authorization_endpoint": idp.issuer + "/devicecode"})
                elif self.path.startswith("/tenant/authorize?"):
                    query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                    status, where = idp._authorize(query, self.headers.get("Cookie", ""))
                    self.send_response(status)
                    if status == 302:
                        self.send_header("Location", where)
                    else:
                        self.send_header("Content-Type", "text/html" if status == 200 else "text/plain")
                    self.send_header("Content-Length", "0" if status == 302 else str(len(where)))
                    self.end_headers()
                    if status != 302:
                        self.wfile.write(where.encode())
                else:
                    super().do_GET()

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path == "/tenant/token":
                    self._send(*idp._token(form))
                elif self.path == "/tenant/devicecode":
                    self._send(*idp._device(form))
                else:
                    self.send_error(404)

        return Handler


def browse(url: str, oid: str | None, tamper=None, rewrite=None, verify=True) -> httpx.Response | None:
    """What the system browser does with the sign-in page, for a user already signed in at the issuer as `oid`:
    open it and follow its redirect to the workstation's loopback listener. `tamper(location) -> location` plays
    an attacker's or a stale tab's redirect instead, `rewrite(url) -> url` an altered sign-in request. None when
    the issuer did not redirect."""
    with httpx.Client(timeout=30, follow_redirects=False, verify=verify) as browser:
        r = browser.get(rewrite(url) if rewrite else url, headers={"Cookie": f"session={oid}"} if oid else {})
        form = re.search(r'<form method="post" action="([^"]+)">(.*)</form>', r.text) if r.status_code == 200 else None
        if form:  # response_mode=form_post: the page posts the answer to the redirect
            fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(2)))
            return browser.post(form.group(1), data=fields)
        if r.status_code != 302:
            return None
        where = r.headers["Location"]
        return browser.get(tamper(where) if tamper else where)


def browser_thread(oid: str | None, tamper=None, rewrite=None, seen: list | None = None):
    """An open_browser callback: the browser runs on its own, as a real one does, while the sign-in listens."""
    def open_browser(url: str) -> None:
        if seen is not None:
            seen.append(url)
        threading.Thread(target=browse, args=(url, oid, tamper, rewrite), daemon=True).start()
    return open_browser


def cli_device_login(args: list[str], env: dict, idp, oid: str) -> tuple[int, str, str]:
    """Run `reviewer sync login ARGS` as a user would, approve the device code it prints (as `oid`, at the test
    issuer), and return (exit code, stdout, stderr after the code line)."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "reviewer", "sync", "login", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stderr.readline()  # blocks until the CLI prints it
        prefix = f"To sign in, open {idp.issuer}/device and enter the code "
        assert line.startswith(prefix), line
        idp.approve(line[len(prefix):].strip(), oid)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, out, err

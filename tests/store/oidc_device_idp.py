"""The loopback OpenID provider of oidc_idp.py with the device authorization grant (RFC 8628) and rotating
refresh tokens, for the workstation's OIDC sign-in tests. A test plays the user: approve(user_code, oid) or
deny(user_code), optionally only after the workstation has polled a number of times."""

from __future__ import annotations

import json
import os
import threading
from urllib.parse import parse_qs

from tests.store.oidc_idp import Idp

AUDIENCE = "api://bwv-store"
CLIENT_ID = "bwv-reviewer-desktop"


class DeviceIdp(Idp):
    def __init__(self):
        self.lock = threading.Lock()
        self.pending: dict[str, dict] = {}  # device_code -> {user_code, oid, denied, after, polls}
        self.refresh_tokens: dict[str, str] = {}  # live refresh token -> oid
        self.refreshes = 0
        super().__init__()
        self.kid = self.add_key()

    def approve(self, user_code: str, oid: str, after_polls: int = 0) -> None:
        with self.lock:
            d = next(d for d in self.pending.values() if d["user_code"] == user_code)
            d["oid"], d["after"] = oid, after_polls

    def deny(self, user_code: str) -> None:
        with self.lock:
            next(d for d in self.pending.values() if d["user_code"] == user_code)["denied"] = True

    def _issue(self, oid: str) -> dict:
        refresh = os.urandom(24).hex()
        self.refresh_tokens[refresh] = oid
        return {"token_type": "Bearer", "access_token": self.token(self.kid, AUDIENCE, {"oid": oid}),
                "expires_in": 300, "refresh_token": refresh}

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
                                     "device_authorization_endpoint": idp.issuer + "/devicecode"})
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

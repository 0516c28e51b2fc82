"""A tiny OpenID provider on loopback for the store's tests: a discovery document and a JWKS, served over real
HTTP from keys generated in the test, and a signer for its tokens. It counts JWKS requests."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa


class Idp:
    def __init__(self):
        self.keys: dict[str, object] = {}  # kid -> private key; the JWKS publishes their public halves
        self.jwks_requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}/tenant"

    def add_key(self, kind: str = "RSA") -> str:
        kid = uuid.uuid4().hex[:12]
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "RSA" \
            else ec.generate_private_key(ec.SECP256R1())
        return kid

    def jwks(self) -> dict:
        out = []
        for kid, key in self.keys.items():
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()) if isinstance(key, rsa.RSAPrivateKey)
                             else jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
            out.append({**jwk, "kid": kid, "use": "sig"})
        return {"keys": out}

    def token(self, kid: str, audience: str, claims: dict | None = None, key=None, ttl_s: float = 300,
              issuer: str | None = None) -> str:
        now = dt.datetime.now(dt.timezone.utc)
        key = key or self.keys[kid]
        alg = "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"
        body = {"iss": issuer or self.issuer, "aud": audience, "iat": now, "exp": now + dt.timedelta(seconds=ttl_s),
                "sub": "subject-1", **(claims or {})}
        return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})

    def _handler(self):
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/tenant/.well-known/openid-configuration":
                    body = {"issuer": idp.issuer, "jwks_uri": idp.issuer + "/keys"}
                elif self.path == "/tenant/keys":
                    idp.jwks_requests += 1
                    body = idp.jwks()
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args):
                pass

        return Handler

    @contextlib.contextmanager
    def running(self):
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()

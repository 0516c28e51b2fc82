"""The store's offline-grant key and the grants it signs (ADR 0016).

A key of its own (`keys/offline-grant.pem`, beside the token key so scale-out shares it the same way): rotating
the token key signs everyone out, rotating this one makes every workstation refuse its pinned key loudly; the two
must be decidable apart.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reviewer.store.grant_format import KEY_USE, b64url, format_time, grant_message
from reviewer.store.issuer import load_or_create_key


class GrantKey:
    def __init__(self, key: Ed25519PrivateKey):
        self.key = key
        public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.kid = "grant-" + hashlib.sha256(public).hexdigest()[:16]
        self.jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(public), "kid": self.kid, "alg": "EdDSA",
                    "use": KEY_USE}

    def sign(self, user: str, role: str, workstation: str | None, incidents: list[str], ttl_s: float,
             now: dt.datetime | None = None) -> dict:
        now = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
        fields = {"user": user, "role": role, "workstation": workstation, "issued_at": format_time(now),
                  "expires_at": format_time(now + dt.timedelta(seconds=ttl_s)), "incidents": sorted(incidents)}
        return {**fields, "kid": self.kid, "signature": b64url(self.key.sign(grant_message(fields)))}


def grant_key_path(signing_key_path: Path) -> Path:
    return Path(signing_key_path).with_name("offline-grant.pem")


@functools.lru_cache(maxsize=4)
def grant_key(signing_key_path: Path) -> GrantKey:
    return GrantKey(load_or_create_key(grant_key_path(signing_key_path)))

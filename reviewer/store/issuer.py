"""The embedded issuer's signing key (Ed25519) and its access tokens (JWT, EdDSA).

Access tokens only say who the caller is: the role is looked up in the store on every request, so a role change
or a disabled account takes effect at once, not when the token expires.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import os
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reviewer.atomic import fsync_dir
from reviewer.store.errors import ConfigError

AUDIENCE = "bwv-store"
ALGORITHM = "EdDSA"
LEEWAY_S = 30  # clock difference tolerated between store instances


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The key every instance of this store signs with. Made on first start; two instances starting together on
    a shared folder agree on one key (the file is created with link(), which refuses to replace)."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption())
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
            fsync_dir(path.parent)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(path, f"cannot read the store's signing key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(path, "the store's signing key must be an Ed25519 private key")
    return key


class Issuer:
    def __init__(self, key: Ed25519PrivateKey, issuer: str, access_ttl_s: float):
        self.key, self.issuer, self.ttl = key, issuer, dt.timedelta(seconds=access_ttl_s)
        public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public_key = key.public_key()
        self.kid = hashlib.sha256(public).hexdigest()[:16]
        self.jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64url(public), "kid": self.kid, "alg": ALGORITHM,
                    "use": "sig"}

    def mint(self, user_id: str, name: str) -> tuple[str, dt.datetime]:
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        exp = now + self.ttl
        claims = {"iss": self.issuer, "aud": AUDIENCE, "sub": user_id, "name": name, "iat": now, "nbf": now,
                  "exp": exp, "jti": uuid.uuid4().hex}
        return jwt.encode(claims, self.key, algorithm=ALGORITHM, headers={"kid": self.kid}), exp

    def verify(self, token: str) -> dict:
        """The claims of a token this store signed; jwt.InvalidTokenError otherwise."""
        return jwt.decode(token, self.public_key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=self.issuer,
                          leeway=LEEWAY_S, options={"require": ["exp", "iat", "sub", "iss", "aud"]})

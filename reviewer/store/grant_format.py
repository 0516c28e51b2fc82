"""The offline grant's signed bytes and its check (ADR 0016), shared by the store (which signs) and the workstation
(which verifies on every read) without either's dependencies: no FastAPI on the desktop, no keyring in the store.

A grant says: this user, with this role, working at this workstation, may act offline until `expires_at`, and
sees these incidents. It is signed with the store's offline-grant key (JWK `use` "offline-grant"), a key of its
own: a grant must never be mistaken for a token or an audit checkpoint, nor verify against their keys.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass

from reviewer.errors import ReviewerError

# Signed bytes = this line + canonical JSON of GRANT_FIELDS. The prefix differs from the audit checkpoint's, so a
# signature over one can never pass as the other even if a key were shared by mistake.
GRANT_CONTEXT = b"bwv-store offline grant v1\n"
GRANT_FIELDS = ("user", "role", "workstation", "issued_at", "expires_at", "incidents")
KEY_USE = "offline-grant"
DEFAULT_TTL_S = 12 * 3600.0


class GrantError(ReviewerError):
    """A grant that cannot be trusted: malformed, signed by a key that is not the pinned one, altered, or for
    another workstation."""


def format_time(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return t.astimezone(dt.timezone.utc)


def grant_message(fields: dict) -> bytes:
    body = {k: fields[k] for k in GRANT_FIELDS}
    return GRANT_CONTEXT + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def grant_keys(keys_doc: dict) -> dict[str, bytes]:
    """kid -> raw Ed25519 public key, for the keys of a JWK set whose `use` is the offline grant's."""
    out = {}
    for k in (keys_doc or {}).get("keys", []):
        if isinstance(k, dict) and k.get("use") == KEY_USE and k.get("kty") == "OKP" and k.get("crv") == "Ed25519":
            out[str(k.get("kid"))] = b64url_decode(str(k.get("x", "")))
    return out


@dataclass(frozen=True)
class Grant:
    user: str
    role: str
    workstation: str | None
    issued_at: dt.datetime
    expires_at: dt.datetime
    incidents: tuple[str, ...]
    kid: str

    def expired(self, now: dt.datetime | None = None) -> bool:
        return (now or dt.datetime.now(dt.timezone.utc)) >= self.expires_at


def verify_grant(doc: dict, keys_doc: dict, workstation: str | None = None) -> Grant:
    """The grant in `doc` once its signature verifies against an offline-grant key of `keys_doc` (the pinned
    keys) and it names `workstation`; GrantError otherwise. Expiry is the caller's question (Grant.expired)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        fields = {k: doc[k] for k in GRANT_FIELDS}
        kid, signature = str(doc["kid"]), b64url_decode(str(doc["signature"]))
        message = grant_message(fields)
        issued, expires = parse_time(fields["issued_at"]), parse_time(fields["expires_at"])
        incidents = tuple(str(i) for i in fields["incidents"])
    except (KeyError, TypeError, ValueError, AttributeError):
        raise GrantError("the offline grant is malformed (missing fields, bad times or a signature that is not "
                         "base64url)") from None
    raw = grant_keys(keys_doc).get(kid)
    if raw is None:
        raise GrantError(f"the offline grant is signed with key {kid!r}, which is not the store's pinned "
                         "offline-grant key")
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise GrantError("the offline grant's signature does not match (forged or altered)") from None
    if workstation is not None and fields["workstation"] != workstation:  # a grant for "any" is not for this one
        raise GrantError(f"the offline grant is for workstation {fields['workstation']}, not {workstation}")
    return Grant(str(fields["user"]), str(fields["role"]), fields["workstation"], issued, expires, incidents, kid)

"""The workstation's side of audit anchoring (Qt-free): push the local chain to the store, and check the local
chain against the checkpoint the store signed (ADR 0013).

The store's public keys come from `GET /api/v1/keys`; a workstation should pin the audit key it first saw (as it
pins the store's URL), since a checkpoint is only as good as the key that is trusted to have signed it.
"""

from __future__ import annotations

import base64
from typing import Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from reviewer.errors import ReviewerError
from reviewer.govern.audit_chain import Checkpoint, Verdict, verify
from reviewer.store.anchor_format import CHECKPOINT_FIELDS, KEY_USE, checkpoint_message

PUSH_BATCH = 500


class AnchorError(ReviewerError):
    """A checkpoint that cannot be trusted (bad signature, unknown key, malformed), or a push the store refused."""


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def audit_keys(keys_doc: dict) -> dict[str, Ed25519PublicKey]:
    """kid -> public key, for the keys of `GET /api/v1/keys` that sign audit checkpoints."""
    out = {}
    for k in keys_doc.get("keys", []):
        if k.get("use") == KEY_USE and k.get("kty") == "OKP" and k.get("crv") == "Ed25519":
            out[k["kid"]] = Ed25519PublicKey.from_public_bytes(_b64url_decode(k["x"]))
    return out


def verify_checkpoint(cp: dict, keys_doc: dict, workstation: str | None = None) -> Checkpoint:
    """The checkpoint, once its signature is checked against the store's audit key; AnchorError otherwise."""
    try:
        fields = {k: cp[k] for k in CHECKPOINT_FIELDS}
        kid, signature = cp["kid"], _b64url_decode(cp["signature"])
    except (KeyError, TypeError, ValueError):
        raise AnchorError("store checkpoint: malformed (missing fields or a signature that is not base64url)") \
            from None
    key = audit_keys(keys_doc).get(kid)
    if key is None:
        raise AnchorError(f"store checkpoint: signed with key {kid!r}, which is not one of the store's audit keys")
    try:
        key.verify(signature, checkpoint_message(fields))
    except InvalidSignature:
        raise AnchorError(f"store checkpoint of workstation {fields['workstation']} at seq {fields['seq']}: "
                          "the signature does not match (forged or altered)") from None
    if workstation is not None and fields["workstation"] != workstation:
        raise AnchorError(f"store checkpoint is for workstation {fields['workstation']}, not {workstation}")
    return Checkpoint(int(fields["seq"]), str(fields["head_hash"]), f"the store ({fields['at']})")


def check_chain(events: Iterable[dict], cp: dict, keys_doc: dict, workstation: str | None = None) -> Verdict:
    """Verify a local chain (exported events: hashed fields + hash) against a store checkpoint: the chain must be
    intact, hold at least the checkpoint's events, and event `seq` must be the one the store signed."""
    return verify(list(events), [verify_checkpoint(cp, keys_doc, workstation)])


def check_library(audit_log, cp: dict, keys_doc: dict, workstation: str | None = None) -> Verdict:
    """The same, for a library's AuditLog: its local checkpoints and the store's, in one walk (AuditLog.check)."""
    return audit_log.check([verify_checkpoint(cp, keys_doc, workstation)])


def push_chain(client, workstation: str, events: list[dict], batch: int = PUSH_BATCH) -> dict:
    """Send the events the store does not hold yet (after its latest checkpoint), in batches; returns the last
    signed checkpoint. `client` is an httpx.Client with the store's base URL and auth."""
    r = client.get(f"/api/v1/workstations/{workstation}/audit/checkpoint")
    if r.status_code not in (200, 404):
        raise AnchorError(f"store: checkpoint of workstation {workstation}: {r.status_code} {_detail(r)}")
    held = r.json()["seq"] if r.status_code == 200 else 0
    cp = r.json() if r.status_code == 200 else None
    todo = [e for e in events if e["seq"] > held]
    for i in range(0, len(todo), batch):
        r = client.post(f"/api/v1/workstations/{workstation}/audit", json={"events": todo[i:i + batch]})
        if r.status_code != 200:
            raise AnchorError(f"store refused the audit chain of workstation {workstation}: {r.status_code} "
                              f"{_detail(r)}")
        cp = r.json()["checkpoint"]
    if cp is None:
        raise AnchorError(f"workstation {workstation}: no audit events to anchor")
    return cp


def _detail(r) -> str:
    try:
        return str(r.json().get("detail"))
    except ValueError:
        return r.text[:200]

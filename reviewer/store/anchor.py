"""Workstations' audit chains at the store (ADR 0013): append-only, continuity-checked, countersigned.

A workstation pushes its chain as it stands (the hashed fields plus the hash of each event, as its audit export
writes them). The store recomputes every hash with the core's own function (reviewer.govern.audit_chain), so the
two can never disagree on the format, and refuses a gap or a rewrite: a seq it holds is never replaced. What it
holds is then signed with the store's audit key: {workstation, seq, head_hash, at}. The workstation's
`audit verify` checks its local chain against that signature (anchor_client.py).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.orm import Session

from reviewer.govern.audit import format_at
from reviewer.govern.audit_chain import EXPORT_HASHED_FIELDS, GENESIS, OS_ACCOUNT, event_hash
from reviewer.store import audit
from reviewer.store.access import Caller
from reviewer.store.anchor_format import KEY_USE, checkpoint_message
from reviewer.store.errors import Refused
from reviewer.store.issuer import load_or_create_key
from reviewer.store.models_anchor import WorkstationAnchor, WorkstationEvent

MAX_EVENTS = 1000  # per push


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class AnchorKey:
    """The store's audit key: separate from the token key, because a checkpoint must stay verifiable for years
    while the token key may be rotated (which signs everyone out) at any time."""

    def __init__(self, key: Ed25519PrivateKey):
        self.key = key
        public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.kid = "audit-" + hashlib.sha256(public).hexdigest()[:16]
        self.jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(public), "kid": self.kid, "alg": "EdDSA",
                    "use": KEY_USE}

    def sign(self, cp: dict) -> str:
        return b64url(self.key.sign(checkpoint_message(cp)))


def anchor_key_path(signing_key_path: Path) -> Path:
    """Beside the token key (`keys/audit-anchor.pem`), so scale-out shares it the same way."""
    return Path(signing_key_path).with_name("audit-anchor.pem")


@functools.lru_cache(maxsize=4)
def anchor_key(signing_key_path: Path) -> AnchorKey:
    return AnchorKey(load_or_create_key(anchor_key_path(signing_key_path)))


def _lock(s: Session, name: str) -> None:
    """PostgreSQL: one appender per chain (SQLite's BEGIN IMMEDIATE already serialises writers). Taken before any
    store-audit append, so the two locks are always taken in the same order."""
    if s.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def checkpoint_out(row: WorkstationAnchor) -> dict:
    return {"workstation": row.workstation, "seq": row.seq, "head_hash": row.head_hash, "at": row.at,
            "kid": row.kid, "signature": row.signature}


def latest(s: Session, workstation: str) -> WorkstationAnchor | None:
    return s.get(WorkstationAnchor, workstation)


def _refuse(s: Session, caller: Caller, workstation: str, status: int, message: str, **details) -> Refused:
    audit.record(s, caller.actor, "workstation_audit_push", "workstation", workstation[:255], outcome="refused",
                 details={"role": caller.role, "why": message, **details})
    return Refused(status, message)


def push(s: Session, key: AnchorKey, caller: Caller, workstation: str, events: list[dict]) -> tuple[dict, int, int]:
    """Append `events` (in seq order) to the chain held for `workstation`, all or nothing. Returns (signed
    checkpoint, events added, events already held). Refused: 422 (an event's hash does not match its content,
    or the batch is not consecutive), 409 (a gap, or a rewrite of a held event), 404 (nothing held, nothing sent).
    """
    _lock(s, "workstation-audit:" + workstation)
    anchor = latest(s, workstation)
    head_seq, head_hash = (anchor.seq, anchor.head_hash) if anchor else (0, GENESIS)
    where = f"workstation {workstation}"
    new: list[WorkstationEvent] = []
    held = 0
    for n, ev in enumerate(events):
        seq = ev["seq"]
        if n and seq != events[n - 1]["seq"] + 1:
            raise _refuse(s, caller, workstation, 422, f"{where}: the batch is not consecutive: event {seq} "
                          f"follows event {events[n - 1]['seq']}")
        actual = event_hash(ev)
        if actual != ev["hash"]:
            raise _refuse(s, caller, workstation, 422, f"{where}: event {seq}: its content does not match its "
                          "hash", seq=seq)
        if seq <= head_seq:
            row = s.get(WorkstationEvent, (workstation, seq))
            if row is None or row.hash != actual:
                raise _refuse(s, caller, workstation, 409, f"{where}: event {seq} is already held with a different "
                              "hash: the chain cannot be rewritten", seq=seq)
            held += 1
            continue
        if seq != head_seq + 1:
            raise _refuse(s, caller, workstation, 409, f"{where}: gap: expected seq {head_seq + 1}, received {seq}",
                          expected=head_seq + 1, seq=seq)
        if ev["prev_hash"] != head_hash:
            raise _refuse(s, caller, workstation, 409, f"{where}: event {seq} does not follow event {head_seq} "
                          "held by the store (its previous hash differs)", seq=seq)
        body = {k: ev.get(k) for k in EXPORT_HASHED_FIELDS}
        if body[OS_ACCOUNT] is None:
            del body[OS_ACCOUNT]  # a format-1 event, kept exactly as it was hashed
        body["hash"] = actual
        new.append(WorkstationEvent(workstation=workstation, seq=seq, hash=actual, prev_hash=ev["prev_hash"],
                                    event=json.dumps(body, sort_keys=True, separators=(",", ":"),
                                                     ensure_ascii=False, default=str),
                                    pushed_by=caller.user_id))
        head_seq, head_hash = seq, actual
    if anchor is None and not new:
        raise _refuse(s, caller, workstation, 404, f"{where}: no audit chain held")
    if new:
        s.add_all(new)
        cp = {"workstation": workstation, "seq": head_seq, "head_hash": head_hash,
              "at": format_at(dt.datetime.now(dt.timezone.utc))}
        if anchor is None:
            anchor = WorkstationAnchor(workstation=workstation)
            s.add(anchor)
        anchor.seq, anchor.head_hash, anchor.at = cp["seq"], cp["head_hash"], cp["at"]
        anchor.kid, anchor.signature = key.kid, key.sign(cp)
        audit.record(s, caller.actor, "workstation_audit_push", "workstation", workstation,
                     details={"role": caller.role, "from": new[0].seq, "to": head_seq, "already_held": held})
    s.flush()
    return checkpoint_out(anchor), len(new), held

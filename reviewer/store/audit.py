"""The store's own hash-chained audit trail: one row per request that reveals footage or changes state, and per
refused access. Each row's hash covers its content and the previous row's hash, so a rewritten, removed or
reordered row breaks every hash after it (verify())."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from reviewer.store.errors import StoreError
from reviewer.store.models import AuditEvent

GENESIS = "0" * 64
# PostgreSQL: one appender at a time, held to the end of the caller's transaction (SQLite: BEGIN IMMEDIATE)
CHAIN_LOCK = 0x62777661  # "bwva"


class AuditBroken(StoreError):
    def __init__(self, seq: int, problem: str):
        super().__init__(f"store audit trail: event {seq}: {problem}")


def _digest(prev_hash: str, seq: int, at: dt.datetime, actor: str, action: str, object_type: str,
            object_id: str, outcome: str, details: str) -> str:
    body = json.dumps([seq, at.isoformat(), actor, action, object_type, object_id, outcome, details],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record(s: Session, actor: str, action: str, object_type: str, object_id: str, outcome: str = "ok",
           details: dict | None = None) -> AuditEvent:
    """Append one event inside the caller's transaction (so the change and its event commit together)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
    last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    at = dt.datetime.now(dt.timezone.utc)
    body = json.dumps(details or {}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    event = AuditEvent(seq=seq, at=at, actor=actor, action=action, object_type=object_type, object_id=object_id,
                       outcome=outcome, details=body, prev_hash=prev,
                       hash=_digest(prev, seq, at, actor, action, object_type, object_id, outcome, body))
    s.add(event)
    s.flush()
    return event


def verify(s: Session) -> int:
    """Check the whole chain; returns the number of events, or raises AuditBroken at the first bad one."""
    prev, expected_seq = GENESIS, 1
    for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(1000):
        if e.seq != expected_seq:
            raise AuditBroken(e.seq, f"expected sequence {expected_seq}: events are missing")
        if e.prev_hash != prev:
            raise AuditBroken(e.seq, "does not follow the previous event")
        if _digest(prev, e.seq, e.at, e.actor, e.action, e.object_type, e.object_id, e.outcome, e.details) != e.hash:
            raise AuditBroken(e.seq, "its content does not match its hash (rewritten)")
        prev, expected_seq = e.hash, expected_seq + 1
    return expected_seq - 1

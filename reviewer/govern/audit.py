"""The audit trail in the library database: append inside the caller's transaction, query, export, verify.

Appending inside the transaction that makes the change means the change and its record commit together or not
at all. The caller must hold SQLite's write lock from the start of that transaction (Governance.write does), so
two writers never read the same head and both try to append event n + 1.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from reviewer.govern.audit_chain import EXPORT_HASHED_FIELDS, GENESIS, Verdict, link, verify
from reviewer.govern.checkpoints import CheckpointLog, signature_problem
from reviewer.library.models_govern import AuditEvent, WorkstationKey
from reviewer.safe_text import csv_text

UTC = dt.timezone.utc
AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
EXPORT_FIELDS = (*EXPORT_HASHED_FIELDS, "hash")


def format_at(t: dt.datetime) -> str:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"naive datetime {t.isoformat()} refused: give a time zone (UTC)")
    return t.astimezone(UTC).strftime(AT_FORMAT)


def parse_at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, AT_FORMAT).replace(tzinfo=UTC)


KEY_REGISTERED = "key.register"


def known_keys(s: Session) -> dict[str, str]:
    """key id -> public key (hex) of every workstation key the library has registered."""
    return dict(s.execute(select(WorkstationKey.id, WorkstationKey.public_key)
                          .where(WorkstationKey.deleted_at.is_(None))).all())


def canonical_details(details: dict | None) -> str:
    return json.dumps(details or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass(frozen=True)
class AuditEventView:
    seq: int
    event_id: str
    at: dt.datetime
    user: str
    role: str
    workstation: str
    object_type: str
    object_id: str
    action: str
    outcome: str  # "ok" | "refused" | "failed" | "broken"
    details: dict
    justification: str | None
    prev_hash: str
    hash: str
    os_account: str | None = None  # the real OS account; None only in events from before migration 0005

    def to_json(self) -> dict:
        """Exactly the hashed fields plus the hash: an exported trail verifies with audit_chain.verify."""
        d = {k: getattr(self, k) for k in EXPORT_FIELDS}
        d["at"] = format_at(self.at)
        if d["os_account"] is None:
            del d["os_account"]  # a format-1 event: exported exactly as it was hashed
        return d


def _chain_dict(row: AuditEvent) -> dict[str, Any]:
    """The row as the chain hashes it. Details that no longer parse (tampering) stay text and fail the hash."""
    try:
        details: Any = json.loads(row.details)
    except ValueError:
        details = row.details
    return {"seq": row.seq, "event_id": row.event_id, "at": row.at, "user": row.user, "role": row.role,
            "workstation": row.workstation, "os_account": row.os_account, "object_type": row.object_type,
            "object_id": row.object_id,
            "action": row.action, "outcome": row.outcome, "details": details,
            "justification": row.justification, "prev_hash": row.prev_hash, "hash": row.hash}


def _view(row: AuditEvent) -> AuditEventView:
    d = _chain_dict(row)
    d["at"] = parse_at(row.at)
    if not isinstance(d["details"], dict):
        d["details"] = {"unparsed": d["details"]}
    return AuditEventView(**d)


def _filtered(user, object_type, object_id, action, outcome, since, until):
    q = select(AuditEvent)
    if user:
        q = q.where(AuditEvent.user == user)
    if object_type:
        q = q.where(AuditEvent.object_type == object_type)
    if object_id:
        q = q.where(AuditEvent.object_id.startswith(object_id, autoescape=True))
    if action:
        q = q.where(AuditEvent.action.startswith(action, autoescape=True) if action.endswith(".")
                    else AuditEvent.action == action)
    if outcome:
        q = q.where(AuditEvent.outcome == outcome)
    if since is not None:
        q = q.where(AuditEvent.at >= format_at(since))
    if until is not None:
        q = q.where(AuditEvent.at <= format_at(until))
    return q


class AuditLog:
    def __init__(self, sessions: sessionmaker[Session], checkpoints: CheckpointLog):
        self.sessions = sessions
        self.checkpoints = checkpoints

    # ---- writing (inside the caller's write transaction) ------------------------------------------------------
    def append(self, s: Session, *, user: str, role: str, workstation: str, os_account: str, object_type: str,
               object_id: str,
               action: str, outcome: str = "ok", details: dict | None = None,
               justification: str | None = None, at: dt.datetime | None = None,
               head: tuple[int, str] | None = None) -> tuple[int, str]:
        """`head`: (seq, hash) of the last event this transaction appended, when the caller knows it (saves a
        read per event when a page of synced operations is applied)."""
        seq, prev = head if head is not None else self.head(s)
        text = canonical_details(details)
        ev = link({
            "event_id": str(uuid.uuid4()), "at": format_at(at or dt.datetime.now(UTC)), "user": user,
            "role": role, "workstation": workstation, "os_account": os_account, "object_type": object_type,
            "object_id": object_id or "",
            "action": action, "outcome": outcome, "details": json.loads(text),
            "justification": justification or None,
        }, prev, seq + 1)
        s.add(AuditEvent(**{**ev, "details": text}))
        s.flush()
        return ev["seq"], ev["hash"]

    @staticmethod
    def head(s: Session) -> tuple[int, str]:
        """(number of events, hash of the last one); (0, GENESIS) for an empty trail."""
        row = s.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
        return (row[0], row[1]) if row else (0, GENESIS)

    # ---- reading --------------------------------------------------------------------------------------------
    def events(self, *, user: str | None = None, object_type: str | None = None, object_id: str | None = None,
               action: str | None = None, outcome: str | None = None, since: dt.datetime | None = None,
               until: dt.datetime | None = None, limit: int | None = None, newest_first: bool = False,
               ) -> list[AuditEventView]:
        """Filters for the audit panel. `action` matches a whole action or a prefix ending in "." ("bookmark.")."""
        q = _filtered(user, object_type, object_id, action, outcome, since, until)
        q = q.order_by(AuditEvent.seq.desc() if newest_first else AuditEvent.seq)
        if limit is not None:
            q = q.limit(limit)
        with self.sessions() as s:
            return [_view(r) for r in s.scalars(q)]

    def newer(self, after: int, *, limit: int, user: str | None = None, object_type: str | None = None,
              object_id: str | None = None, action: str | None = None, outcome: str | None = None,
              since: dt.datetime | None = None, until: dt.datetime | None = None,
              ) -> tuple[int, list[AuditEventView]]:
        """(the head's seq, the newest `limit` events after seq `after` that match, newest first), read in one
        snapshot: a list kept current by asking again from the head it was given misses nothing and lists
        nothing twice, however the filters narrow it."""
        q = _filtered(user, object_type, object_id, action, outcome, since, until).where(AuditEvent.seq > after)
        with self.sessions() as s:
            head = self.head(s)[0]
            q = q.where(AuditEvent.seq <= head).order_by(AuditEvent.seq.desc()).limit(limit)
            return head, [_view(r) for r in s.scalars(q)]

    def count(self) -> int:
        with self.sessions() as s:
            return self.head(s)[0]

    # ---- verification ---------------------------------------------------------------------------------------
    def check(self, extra_checkpoints=()) -> Verdict:
        """Walk the whole chain against the local checkpoints (and any others, e.g. the central store's).
        Pure: records nothing (Governance.verify_audit records the run)."""
        with self.sessions() as s:
            # plain rows, not ORM objects: verification reads every event ever written
            rows = [_chain_dict(r) for r in s.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq))]
            known = known_keys(s)
            keyed_from = s.scalar(select(func.min(AuditEvent.seq)).where(
                AuditEvent.action == KEY_REGISTERED, AuditEvent.outcome == "ok"))
        records, problem = self.checkpoints.read()
        verdict = verify(rows, [r.checkpoint for r in records] + list(extra_checkpoints))
        problem = problem or signature_problem(records, known, keyed_from)
        if verdict.ok and problem:
            return Verdict(False, verdict.checked, problem)
        return verdict

    # ---- export ---------------------------------------------------------------------------------------------
    def export_text(self, fmt: str = "json", since: dt.datetime | None = None,
                    until: dt.datetime | None = None) -> tuple[str, int]:
        """(text, number of events). JSON is a list of events with their hashes; CSV has details as JSON."""
        events = self.events(since=since, until=until)
        if fmt == "json":
            return json.dumps([e.to_json() for e in events], indent=1, ensure_ascii=False) + "\n", len(events)
        if fmt != "csv":
            raise ValueError(f"unknown audit export format {fmt!r}: use csv or json")
        rows = []
        for e in events:
            d = e.to_json()
            d["details"] = canonical_details(d["details"])
            rows.append(d)
        # text cells a spreadsheet would run as formulas get a leading ' (so CSV is for reading; verify the
        # hashes from the JSON export, which is exact)
        return csv_text(list(EXPORT_FIELDS), rows), len(events)

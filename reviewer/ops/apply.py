"""The one mutation path (ADR 0015). Every change to annotations, masks, marks and holds is an Operation that
passes `submit()` (made here, by this user) or `apply_remote()` (made elsewhere, arrived from the store). Both run
one write transaction that checks the permission, applies the change by its kind's rules, writes the audit
event and the op_log row (and, for a local change, the outbox row sync pushes), and return OpChanges.

Local permission is this user's role (Governance.require: a refusal is audited). A remote operation's author was
judged by the store when it accepted the push (kinds.role_may, per the author's role there); here it is checked
again against the role the store recorded, and refused (kept in op_log as refused, audited) if not allowed.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from reviewer.errors import ReviewerError
from reviewer.govern.roles import Role, allowed
from reviewer.library.models_ops import EntityHead, OpLogRow, OutboxRow, SyncState
from reviewer.ops import kinds
from reviewer.ops.context import OpChanges, OpContext, Parked
from reviewer.ops.envelope import Operation
from reviewer.ops.hlc import Clock
from reviewer.ops.ids import uuid7

HLC_KEY = "hlc_last"
MISSING: Any = object()


class StaleRevision(ReviewerError):
    """An undo (or any change made against an expected revision) found the entity changed elsewhere."""


def clock(gov, s) -> Clock:
    """The library's HLC, restored from sync_state inside the write transaction `s`."""
    c = getattr(gov, "_hlc", None)
    if c is None:
        row = s.get(SyncState, HLC_KEY)
        last = tuple(json.loads(row.value)) if row is not None else (0, 0)
        c = gov._hlc = Clock(gov.workstation, last)
    return c


def _save_clock(s, c: Clock) -> None:
    row = s.get(SyncState, HLC_KEY)
    value = json.dumps(list(c.last))
    if row is None:
        s.add(SyncState(key=HLC_KEY, value=value))
    else:
        row.value = value


def head(s, entity_type: str, entity_id: str) -> str | None:
    row = s.get(EntityHead, (entity_type, entity_id))
    return row.op_id if row is not None else None


def check_expected(s, entity_type: str, entity_id: str, expect: Any = MISSING) -> str | None:
    """The entity's head; StaleRevision when `expect` (an undo's inverse: the head it last left) is given and the
    entity has changed elsewhere since."""
    seen = head(s, entity_type, entity_id)
    if expect is not MISSING and seen != expect:
        raise StaleRevision(f"{entity_type} {entity_id[:8]} was changed elsewhere since (by sync); "
                            "undo would overwrite that change, so it was not made")
    return seen


def head_of(gov, entity_type: str, entity_id: str) -> str | None:
    """The latest operation applied on an entity (its own read)."""
    with gov.sessions() as s:
        return head(s, entity_type, entity_id)


def _advance_head(s, op: Operation) -> None:
    row = s.get(EntityHead, (op.entity_type, op.entity_id))
    key = op.stamp.key()
    if row is None:
        s.add(EntityHead(entity_type=op.entity_type, entity_id=op.entity_id, op_id=op.op_id, stamp=key))
    elif key > row.stamp:
        row.op_id, row.stamp = op.op_id, key


def _log(s, op: Operation, origin: str, status: str, store_seq: int | None = None,
         author_role: str | None = None) -> None:
    s.add(OpLogRow(op_id=op.op_id, kind=op.kind, stamp=op.stamp.key(), actor=op.actor, workstation=op.workstation,
                   scope_type=op.scope_type, scope_id=op.scope_id, entity_type=op.entity_type,
                   entity_id=op.entity_id, revision_seen=op.revision_seen, envelope=op.canonical(), origin=origin,
                   status=status, store_seq=store_seq, author_role=author_role))


def submit(gov, kind_name: str, scope_id: str, entity_type: str, entity_id: str, payload: dict, *,
           scope_type: str = "recording", expect: Any = MISSING, details: dict | None = None,
           audit: dict | None = None) -> OpChanges:
    """Make a change here as the current user. `expect`: the op_id the entity's head must still be (an undo's
    inverse), else StaleRevision and nothing changes. `details`: for a refusal's audit event; `audit`: added to
    the change's own audit events (e.g. {"via": "undo"})."""
    k = kinds.get(kind_name)
    with gov.write() as s:
        gov.require(k.action, entity_type, entity_id, {"kind": kind_name, **(details or {})}, s=s)
        seen = check_expected(s, entity_type, entity_id, expect)
        c = clock(gov, s)
        op = Operation(op_id=str(uuid7()), kind=kind_name, stamp=c.now(), actor=gov.username,
                       scope_type=scope_type, scope_id=scope_id, entity_type=entity_type, entity_id=entity_id,
                       revision_seen=seen, payload=payload)
        _save_clock(s, c)
        changes = OpChanges(op, "applied")
        ctx = OpContext(gov, s, op, "local", changes, dict(audit or {}))
        changes.result = k.apply(ctx)
        _advance_head(s, op)
        _log(s, op, "local", "applied")
        s.add(OutboxRow(op_id=op.op_id))
        s.flush()
    return changes


def apply_remote(gov, op: Operation, author_role: str | None, store_seq: int | None = None) -> OpChanges:
    """Apply an operation pulled from the store (idempotent: one already in op_log changes nothing). Runs inside
    the caller's transaction when there is one (sync applies a page in one)."""
    with gov.write() as s:
        prior = s.scalar(select(OpLogRow).where(OpLogRow.op_id == op.op_id))
        if prior is not None:
            if prior.store_seq is None and store_seq is not None:
                prior.store_seq = store_seq
            if prior.status != "parked":
                return OpChanges(op, "duplicate")
            s.delete(prior)  # a parked op is retried: its recording may be here now
            s.flush()
        c = clock(gov, s)
        c.observe(op.stamp.wall_ms, op.stamp.counter)
        _save_clock(s, c)
        changes = OpChanges(op, "applied")
        try:
            k = kinds.get(op.kind)
        except kinds.UnknownKind as exc:
            return _refuse(gov, s, op, changes, str(exc), store_seq)
        try:
            role_ok = author_role is not None and allowed(Role(author_role), k.action)
        except ValueError:
            role_ok = False
        if not role_ok:
            return _refuse(gov, s, op, changes, f"{op.actor} ({author_role}) may not {k.action.value}", store_seq)
        ctx = OpContext(gov, s, op, "remote", changes)
        tx = gov._local.tx
        marks = len(tx["appended"]), len(tx["events"])
        try:
            with s.begin_nested():
                changes.result = k.apply(ctx)
        except (Parked, ReviewerError) as exc:
            # the savepoint is rolled back: forget the audit events and notifications it had made
            del tx["appended"][marks[0]:], tx["events"][marks[1]:]
            changes.entities.clear(), changes.recordings.clear(), changes.conflicts.clear()
            if isinstance(exc, Parked):
                changes.status = "parked"
                _log(s, op, "remote", "parked", store_seq, author_role)
                return changes
            return _refuse(gov, s, op, changes, str(exc), store_seq)
        _advance_head(s, op)
        _log(s, op, "remote", "applied", store_seq, author_role)
        s.flush()
    return changes


def _refuse(gov, s, op: Operation, changes: OpChanges, why: str, store_seq: int | None) -> OpChanges:
    changes.status = "refused"
    _log(s, op, "remote", "refused", store_seq, None)
    gov.record(s, op.entity_type, op.entity_id, "sync.refused", outcome="refused",
               details={"op": op.op_id, "kind": op.kind, "author": op.actor, "origin": op.workstation, "why": why})
    return changes


def apply_parked(gov, sha256: str) -> list[OpChanges]:
    """Apply the operations that waited for this recording (call when it enters the library), in the order they
    were received, in one transaction."""
    with gov.write() as s:
        rows = s.scalars(select(OpLogRow).where(OpLogRow.scope_id == sha256, OpLogRow.status == "parked")
                         .order_by(OpLogRow.seq)).all()
        waiting = [(Operation.from_json(json.loads(r.envelope)), r.author_role, r.store_seq) for r in rows]
        return [apply_remote(gov, op, role, seq) for op, role, seq in waiting]

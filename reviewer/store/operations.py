"""The operations log (ADR 0013): the envelope every change travels in between workstations and the store, and
the store's part: accept batches idempotently, give each operation one global sequence, serve changes since a
cursor to those who may see them. The merge rules (issue 11) are applied by the workstations' apply(); the store
only orders and keeps, and the envelope carries what those rules need (HLC stamp, revision seen).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from reviewer.ops import kinds
from reviewer.store import access, audit, events
from reviewer.store.access import Caller
from reviewer.store.errors import Refused
from reviewer.store.models import Incident
from reviewer.store.models_anchor import OperationRow

OPERATORS = {"investigator", "professional_standards", "supervisor"}
MAX_BATCH = 500
MAX_PAGE = 1000
MAX_PAYLOAD = 64 * 1024  # bytes of canonical JSON
OPS_LOCK = 0x6277766F  # "bwvo": one appender at a time, so sequences commit in order (a cursor never skips one)


class Hlc(BaseModel):
    """Hybrid logical clock stamp: physical milliseconds and a logical counter. Order: (wall_ms, counter, then
    the workstation id as the tie-break)."""

    model_config = ConfigDict(extra="forbid")
    wall_ms: int = Field(ge=0, lt=2**53)
    counter: int = Field(ge=0, lt=2**31)


class Scope(BaseModel):
    """What the access rule is decided on: an incident, or a recording (which belongs to one incident)."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["incident", "recording"]
    id: str = Field(min_length=1, max_length=64)


class Entity(BaseModel):
    """The thing changed within the scope: a bookmark, a mask keyframe, a hold, the recording itself..."""

    model_config = ConfigDict(extra="forbid")
    type: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    id: str = Field(min_length=1, max_length=255)


class Operation(BaseModel):
    """One change, as made on a workstation. `revision_seen` is the op_id of the latest operation on `entity` that
    its author had applied (null: none), which lets the referee tell a clear that saw the latest set from a
    concurrent one, and an undo from an overwrite."""

    model_config = ConfigDict(extra="forbid")
    op_id: uuid.UUID
    kind: str = Field(pattern=r"^[a-z][a-z_]*(\.[a-z][a-z_]*)*$", max_length=64)
    hlc: Hlc
    actor: str = Field(min_length=1, max_length=255)
    workstation: str = Field(min_length=1, max_length=255)
    scope: Scope
    entity: Entity
    revision_seen: uuid.UUID | None = None
    payload: dict[str, Any] = Field(default_factory=dict)

    @field_validator("payload")
    @classmethod
    def _bounded(cls, v):
        if len(json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode()) > MAX_PAYLOAD:
            raise ValueError(f"payload larger than {MAX_PAYLOAD} bytes")
        return v


class OperationsIn(BaseModel):
    operations: list[Operation] = Field(min_length=1, max_length=MAX_BATCH)


class Ack(BaseModel):
    op_id: uuid.UUID
    seq: int
    status: Literal["applied", "already_applied"]


class OperationsOut(BaseModel):
    results: list[Ack]


class StoredOperation(Operation):
    seq: int
    submitted_by: str
    submitted_role: str  # the role the store accepted it under
    received_at: str


class ChangesOut(BaseModel):
    operations: list[StoredOperation]
    cursor: int  # pass as `since` next time
    more: bool


def canonical(op: Operation) -> str:
    return json.dumps(op.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _incident_of(s: Session, caller: Caller, scope: Scope) -> str:
    if scope.type == "incident":
        return access.incident(s, caller, scope.id, "operations_push").id
    return access.recording(s, caller, scope.id, "operations_push").incident_id


def push(s: Session, caller: Caller, ops: list[Operation]) -> list[Ack]:
    """Store a batch, all or nothing. Every check runs before the first row is written: a Refused still commits
    its own audit event (db.transact), and must take nothing else with it."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": OPS_LOCK})
    for op in ops:
        if op.actor != caller.name:
            audit.record(s, caller.actor, "operations_push", "operation", str(op.op_id), outcome="refused",
                         details={"role": caller.role, "why": "actor", "actor": op.actor})
            raise Refused(403, f"operation {op.op_id}: actor {op.actor!r} is not the signed-in user {caller.name!r}")
    for op in ops:
        if not kinds.role_may(caller.role, op.kind):
            audit.record(s, caller.actor, "operations_push", "operation", str(op.op_id), outcome="refused",
                         details={"role": caller.role, "why": "kind", "kind": op.kind})
            raise Refused(403, f"operation {op.op_id}: a {caller.role} may not perform {op.kind!r} "
                               "(or this store does not know that kind)")
    incidents = [_incident_of(s, caller, op.scope) for op in ops]
    ids = [str(op.op_id) for op in ops]
    held = {r.op_id: r for r in s.scalars(select(OperationRow).where(OperationRow.op_id.in_(ids)))}
    seq = s.scalar(select(func.max(OperationRow.seq))) or 0
    acks, rows, batch = [], [], {}
    for op, incident in zip(ops, incidents):
        body = canonical(op)
        digest = hashlib.sha256(body.encode()).hexdigest()
        key = str(op.op_id)
        prior = held.get(key) or batch.get(key)
        if prior is not None:
            if prior.digest != digest:
                audit.record(s, caller.actor, "operations_push", "operation", key, outcome="refused",
                             details={"role": caller.role, "why": "op id reused"})
                raise Refused(409, f"operation {key}: this id is already used by a different operation")
            acks.append(Ack(op_id=op.op_id, seq=prior.seq, status="already_applied"))
            continue
        seq += 1
        row = OperationRow(seq=seq, op_id=key, incident_id=incident, envelope=body, digest=digest,
                           submitted_by=caller.name, submitted_role=caller.role)
        rows.append(row)
        batch[key] = row
        acks.append(Ack(op_id=op.op_id, seq=seq, status="applied"))
    if rows:
        s.add_all(rows)
        touched = sorted(set(r.incident_id for r in rows))
        audit.record(s, caller.actor, "operations_push", "operations", f"{rows[0].seq}-{rows[-1].seq}",
                     details={"role": caller.role, "applied": len(rows), "already_applied": len(ops) - len(rows),
                              "incidents": touched})
        for incident_id in touched:  # wakes every workstation that may see it: pull /changes now
            seqs = [r.seq for r in rows if r.incident_id == incident_id]
            events.emit(s, "operations", "", incident_id, first_seq=seqs[0], last_seq=seqs[-1], count=len(seqs))
    s.flush()
    return acks


def changes(s: Session, caller: Caller, since: int, limit: int) -> ChangesOut:
    """Operations after `since` on incidents the caller may see now, oldest first."""
    visible = access.visible_incidents(caller).with_only_columns(Incident.id)
    rows = s.scalars(select(OperationRow).where(OperationRow.seq > since, OperationRow.incident_id.in_(visible))
                     .order_by(OperationRow.seq).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    out = [StoredOperation(**json.loads(r.envelope), seq=r.seq, submitted_by=r.submitted_by,
                           submitted_role=r.submitted_role, received_at=r.received_at.isoformat()) for r in rows]
    return ChangesOut(operations=out, cursor=rows[-1].seq if rows else since, more=more)

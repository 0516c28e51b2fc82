"""What an operation's handler gets: the transaction, the operation, where it came from, and the merge helpers
(last writer wins per field, conflicts). Handlers change rows only through `ctx.s` and write their audit event
with `ctx.record`, so the change, its audit event and its op_log/outbox rows commit together or not at all."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from reviewer.errors import NotFound
from reviewer.library.models import Recording
from reviewer.library.models_ops import FieldStamp, OpLogRow, SyncConflict
from reviewer.ops.envelope import Operation

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from reviewer.govern.governance import Governance


class Parked(Exception):
    """A remote operation whose recording is not in this library yet: kept, applied when it arrives."""


@dataclass
class OpChanges:
    """What one apply() changed, so a front end refreshes only that (the UI, the CLI, sync)."""

    op: Operation
    status: str  # applied | duplicate | refused | parked
    entities: list[tuple[str, str]] = field(default_factory=list)
    recordings: set[str] = field(default_factory=set)  # local recording ids touched
    conflicts: list[int] = field(default_factory=list)  # sync_conflicts ids recorded
    result: Any = None  # what the handler returned (e.g. the new view)


def _dump(v: Any) -> str:
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass
class OpContext:
    gov: "Governance"
    s: "Session"
    op: Operation
    origin: str  # local | remote
    changes: OpChanges
    extra: dict = field(default_factory=dict)  # local audit details of this use (e.g. "via": "undo")

    @property
    def remote(self) -> bool:
        return self.origin == "remote"

    @property
    def key(self) -> str:
        return self.op.stamp.key()

    # ---- the recording in scope ---------------------------------------------------------------------------
    def recording(self) -> Recording:
        """The live local recording the scope names (by SHA-256). A remote operation for footage this library
        does not list yet is parked; a local one for a purged recording is refused."""
        tx = getattr(self.gov._local, "tx", None)
        known = tx.setdefault("recordings", {}) if tx is not None else {}
        rec = known.get(self.op.scope_id)
        if rec is None or rec.deleted_at is not None:
            rec = self.s.scalar(select(Recording).where(Recording.sha256 == self.op.scope_id,
                                                        Recording.deleted_at.is_(None))
                                .order_by(Recording.imported_at).limit(1))
            if rec is not None:
                known[self.op.scope_id] = rec
        if rec is None:
            if self.remote:
                raise Parked(self.op.scope_id)
            raise NotFound(f"no recording with SHA-256 {self.op.scope_id[:12]}... in the library "
                           "(it may have been purged)")
        self.changes.recordings.add(rec.id)
        return rec

    # ---- audit ----------------------------------------------------------------------------------------------
    def record(self, object_type: str, object_id: str, event: str, details: dict | None = None, **kw) -> int:
        """The audit event of this change. A change that came from the store names its author and where it was
        made: this library's chain records that it applied it, the author's own chain that they made it."""
        d = {**(details or {}), **self.extra}
        d["op"] = self.op.op_id
        if self.remote:
            d.update(via="sync", author=self.op.actor, origin=self.op.workstation)
        return self.gov.record(self.s, object_type, object_id, event, details=d, **kw)

    def touched(self, entity_type: str, entity_id: str) -> None:
        self.changes.entities.append((entity_type, entity_id))

    # ---- merge: last writer wins per field ------------------------------------------------------------------
    def _saw(self, stamp: str) -> bool:
        """Had this operation's author applied the change stamped `stamp` on this entity? Yes when the latest
        operation they had seen on it is at least as late."""
        if not self.op.revision_seen:
            return False
        seen = self.s.scalar(select(OpLogRow.stamp).where(OpLogRow.op_id == self.op.revision_seen))
        return seen is not None and seen >= stamp

    def lww(self, fields: dict[str, Any], entity_type: str | None = None, entity_id: str | None = None) -> dict:
        """The subset of `fields` this operation wins (its stamp is later than the stamp of each field's last
        writer); it is stamped as their writer. A field lost to a later writer is a conflict; a field won over
        a concurrent writer (one the author had not seen) is a conflict too, from the loser's side."""
        et, eid = entity_type or self.op.entity_type, entity_id or self.op.entity_id
        won = {}
        with self.s.no_autoflush:  # one read of the entity's stamps, not a flush and a read per field
            stamps = {r.field: r for r in self.s.scalars(select(FieldStamp).where(
                FieldStamp.entity_type == et, FieldStamp.entity_id == eid, FieldStamp.field.in_(list(fields))))}
        for name, value in fields.items():
            row = stamps.get(name)
            if row is None or self.key > row.stamp:
                if row is not None and not self._saw(row.stamp) and row.value_json != _dump(value):
                    self.conflict(name, lost_op=row.op_id, lost_value=json.loads(row.value_json),
                                  won_op=self.op.op_id, why="a concurrent change with a later clock replaced it",
                                  entity=(et, eid))
                if row is None:
                    row = FieldStamp(entity_type=et, entity_id=eid, field=name, stamp=self.key,
                                     op_id=self.op.op_id, value_json=_dump(value))
                    self.s.add(row)
                else:
                    row.stamp, row.op_id, row.value_json = self.key, self.op.op_id, _dump(value)
                won[name] = value
            elif row.value_json != _dump(value):
                self.conflict(name, lost_op=self.op.op_id, lost_value=value, won_op=row.op_id,
                              why="a concurrent change with a later clock wins", entity=(et, eid))
        return won

    def conflict(self, field_name: str, *, lost_op: str, lost_value: Any, won_op: str | None, why: str,
                 entity: tuple[str, str] | None = None) -> None:
        et, eid = entity or (self.op.entity_type, self.op.entity_id)
        actor = lambda op_id: (self.op.actor if op_id == self.op.op_id else  # noqa: E731
                               self.s.scalar(select(OpLogRow.actor).where(OpLogRow.op_id == op_id)))
        row = SyncConflict(entity_type=et, entity_id=eid, scope_id=self.op.scope_id, field=field_name,
                           lost_op_id=lost_op, lost_actor=actor(lost_op) or "?", lost_value_json=_dump(lost_value),
                           won_op_id=won_op, won_actor=actor(won_op) if won_op else None, why=why)
        self.s.add(row)
        self.s.flush()
        self.changes.conflicts.append(row.id)
        self.gov.record(self.s, et, eid, "sync.conflict", details={
            "field": field_name, "lost_op": lost_op, "lost_actor": row.lost_actor, "won_op": won_op,
            "won_actor": row.won_actor, "why": why})
        self.gov.notify("conflicts_changed", {"id": row.id})

"""The set-wins rule (flags.py) applied from a handler: read a flag's history from op_log, say what a local
operation had seen, and record the clears the rule discards as conflicts.

A handler recomputes its row from the whole history each time, so the row does not depend on the order the
operations arrived in; its dates come from the operations' stamps for the same reason.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select

from reviewer.library.models_ops import OpLogRow
from reviewer.ops.envelope import Operation
from reviewer.ops.flags import FlagOp, discarded, deciding_clear, is_set, live_sets


@dataclass(frozen=True)
class FlagKinds:
    entity_type: str
    sets: tuple[str, ...]  # the first is the one that creates the row
    clears: tuple[str, ...]
    field: str  # names the flag in a conflict ("evidential", "legal_hold")
    what: str  # "evidential mark", "legal hold": for the conflict's explanation


def stamp_time(op: Operation) -> dt.datetime:
    """When the operation was made, by its author's clock (the same on every copy)."""
    return dt.datetime.fromtimestamp(op.stamp.wall_ms / 1000, tz=dt.timezone.utc)


def _ids(value) -> frozenset[str]:
    return frozenset(str(v) for v in value) if isinstance(value, (list, tuple)) else frozenset()


def flag_op(op: Operation, fk: FlagKinds) -> FlagOp:
    p = op.payload
    if op.kind in fk.sets:
        return FlagOp(op.op_id, op.stamp.key(), True, seen_clears=_ids(p.get("seen_clears")))
    return FlagOp(op.op_id, op.stamp.key(), False, seen_sets=_ids(p.get("seen_sets")))


def history(s, fk: FlagKinds, entity_id: str) -> dict[str, Operation]:
    """The flag operations applied here on the entity, by op_id."""
    rows = s.execute(select(OpLogRow.envelope).where(
        OpLogRow.entity_type == fk.entity_type, OpLogRow.entity_id == entity_id, OpLogRow.status == "applied",
        OpLogRow.kind.in_(fk.sets + fk.clears)))
    ops = (Operation.from_json(json.loads(env)) for (env,) in rows)
    return {op.op_id: op for op in ops}


def local_seen(s, fk: FlagKinds, entity_id: str, setting: bool) -> dict:
    """The payload part a local operation carries: a set the clears applied here, a clear the live sets."""
    ops = [flag_op(o, fk) for o in history(s, fk, entity_id).values()]
    if setting:
        return {"seen_clears": sorted(o.op_id for o in ops if not o.is_set)}
    return {"seen_sets": sorted(live_sets(ops))}


@dataclass
class Settled:
    active: bool
    clear: Operation | None  # the clear the row shows (its author, time and reason) when not active
    ops: dict[str, Operation]


def settle(ctx, fk: FlagKinds) -> Settled:
    """The flag after this operation, from everything applied on the entity; records each clear that this
    operation made the rule discard (a conflict, audited)."""
    before = history(ctx.s, fk, ctx.op.entity_id)
    after = {**before, ctx.op.op_id: ctx.op}
    old = {c.op_id for c, _s in discarded([flag_op(o, fk) for o in before.values()])}
    flags = [flag_op(o, fk) for o in after.values()]
    for c, s in discarded(flags):
        if c.op_id in old:
            continue
        ctx.conflict(fk.field, lost_op=c.op_id, lost_value=False, won_op=s.op_id,
                     why=f"set wins: a {fk.what} made or reinstated without knowing of this clear stays in force")
    chosen = deciding_clear(flags)
    return Settled(is_set(flags), after[chosen.op_id] if chosen else None, after)


def creation(st: Settled, fk: FlagKinds) -> Operation | None:
    """The operation that created the row, if it has arrived."""
    return next((o for o in st.ops.values() if o.kind == fk.sets[0]), None)


def apply_cleared(ctx, fk: FlagKinds, row, at: str, by: str, reason: str) -> bool:
    """Set the row's clear columns (`at`, `by`, `reason`: the mark's cleared_*, the hold's released_*) to what
    the rule says after this operation; True when the row's governed state changed (then it is touched)."""
    from reviewer.govern.state import row_state

    before = row_state(row)
    st = settle(ctx, fk)
    c = st.clear
    if st.active or c is None:
        values = (None, None, None)
    else:
        values = (stamp_time(c), c.actor, str(c.payload.get("reason") or ""))
    for column, value in zip((at, by, reason), values):
        setattr(row, column, value)
    changed = row_state(row) != before
    if changed:
        row.touch(ctx.gov.actor)
        ctx.s.flush()
    return changed

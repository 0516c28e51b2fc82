"""Operation kinds of legal holds (ADR 0015): set (creates the row; a set), release (a clear, with
`seen_sets`) and reinstate (a set, with `seen_clears`). A hold merges by set wins (reviewer/ops/flags.py): each
handler recomputes the row's released_* columns from every hold operation applied here, so any arrival order
gives the same row. Local operations are validated by HoldStore first; a remote one is applied as made."""

from __future__ import annotations

from reviewer.errors import ReviewerError
from reviewer.govern.justification import clean_reason
from reviewer.govern.roles import Action
from reviewer.govern.state import with_state
from reviewer.library.models_govern import LegalHold
from reviewer.ops.context import OpContext
from reviewer.ops.flag_apply import FlagKinds, apply_cleared, stamp_time
from reviewer.ops.kinds import kind

FLAG = FlagKinds("legal_hold", ("hold.set", "hold.reinstate"), ("hold.release",), "legal_hold", "legal hold")


def _apply_flag(ctx: OpContext, h: LegalHold) -> bool:
    return apply_cleared(ctx, FLAG, h, "released_at", "released_by", "release_reason")


def _audit(ctx: OpContext, h: LegalHold, event: str, justification: str | None) -> None:
    ctx.record("recording", h.recording_id, event, justification=justification,
               details=with_state({"hold_id": h.id}, h))
    ctx.touched("legal_hold", h.id)
    ctx.gov.notify("holds_changed", {"recording_id": h.recording_id, "id": h.id})


@kind("hold.set", Action.LEGAL_HOLD)
def set_hold(ctx: OpContext):
    rec = ctx.recording()
    if ctx.s.get(LegalHold, ctx.op.entity_id) is not None:
        raise ReviewerError(f"legal hold {ctx.op.entity_id} already exists")
    h = LegalHold(id=ctx.op.entity_id, recording_id=rec.id,
                  reason=clean_reason(ctx.op.payload.get("reason"), "reason for the legal hold", required=True),
                  set_by=ctx.op.actor, set_at=stamp_time(ctx.op), updated_by=ctx.gov.actor)
    ctx.s.add(h)
    ctx.s.flush()
    _apply_flag(ctx, h)  # a release that arrived before its hold (out of order) applies now
    _audit(ctx, h, "hold.set", h.reason)
    return h


def _change(ctx: OpContext, event: str):
    rec = ctx.recording()
    h = ctx.s.get(LegalHold, ctx.op.entity_id)
    if h is None:
        # Arrived before the hold it changes (out of causal order): kept in op_log, so the hold takes it into
        # account when it arrives.
        ctx.record("recording", rec.id, event, details={"hold_id": ctx.op.entity_id, "pending": True})
        return None
    if _apply_flag(ctx, h):
        _audit(ctx, h, event, ctx.op.payload.get("reason") if event == "hold.release" else h.reason)
    return h


@kind("hold.release", Action.LEGAL_HOLD)
def release(ctx: OpContext):
    return _change(ctx, "hold.release")


@kind("hold.reinstate", Action.LEGAL_HOLD)
def reinstate(ctx: OpContext):
    return _change(ctx, "hold.reinstate")

"""Operation kinds of evidential marks (ADR 0015): mark (creates the row; a set), clear (a clear, with
`seen_sets`) and reinstate (a set, with `seen_clears`). The mark merges by set wins (reviewer/ops/flags.py):
each handler recomputes the row's cleared_* columns from every mark operation applied here, so any arrival
order gives the same row. Local operations are validated by EvidentialStore first; a remote one is applied
as its author made it (a category unknown here is accepted)."""

from __future__ import annotations

from reviewer.annotate.records import text
from reviewer.errors import NotFound, ReviewerError
from reviewer.govern.justification import clean_reason
from reviewer.govern.roles import Action
from reviewer.govern.state import with_state
from reviewer.library.models_govern import Clip, EvidentialMark
from reviewer.ops.context import OpContext
from reviewer.ops.flag_apply import FlagKinds, apply_cleared, settle, stamp_time
from reviewer.ops.kinds import kind

FLAG = FlagKinds("evidential_mark", ("evidential.mark", "evidential.reinstate"), ("evidential.clear",),
                 "evidential", "evidential mark")


def audit_object(m: EvidentialMark) -> tuple[str, str]:
    """The audit object of a mark's events: the clip it marks, else its recording."""
    return ("clip", m.clip_id) if m.clip_id else ("recording", m.recording_id)


def _apply_flag(ctx: OpContext, m: EvidentialMark) -> bool:
    return apply_cleared(ctx, FLAG, m, "cleared_at", "cleared_by", "clear_reason")


def _audit(ctx: OpContext, m: EvidentialMark, event: str, justification: str | None) -> None:
    ctx.record(*audit_object(m), event, justification=justification, details=with_state({
        "mark_id": m.id, "recording_id": m.recording_id, "clip_id": m.clip_id, "reference": m.reference}, m))
    ctx.touched("evidential_mark", m.id)
    ctx.gov.notify("evidential_changed", {"recording_id": m.recording_id, "id": m.id})


@kind("evidential.mark", Action.MARK_EVIDENTIAL)
def mark(ctx: OpContext):
    rec = ctx.recording()
    p = ctx.op.payload
    if ctx.s.get(EvidentialMark, ctx.op.entity_id) is not None:
        raise ReviewerError(f"evidential mark {ctx.op.entity_id} already exists")
    clip_id = p.get("clip_id") or None
    clip_name = None
    if clip_id is not None:
        clip = ctx.s.get(Clip, clip_id)
        if clip is None or clip.recording_id != rec.id:
            raise NotFound(f"no clip {clip_id} on recording {rec.id}")
        clip_name = clip.name
    m = EvidentialMark(id=ctx.op.entity_id, recording_id=rec.id, clip_id=clip_id,
                       reference=text(p.get("reference"), "incident or crime reference", 100),
                       category=text(p.get("category"), "category", 100).lower(),
                       reason=clean_reason(p.get("reason"), "reason for marking", required=True),
                       marked_by=ctx.op.actor, marked_at=stamp_time(ctx.op), updated_by=ctx.gov.actor)
    ctx.s.add(m)
    ctx.s.flush()
    _apply_flag(ctx, m)  # a clear that arrived before its mark (out of order) applies now
    ctx.record(*audit_object(m), "evidential.mark", justification=m.reason, details=with_state({
        "mark_id": m.id, "recording_id": rec.id, "clip_id": clip_id, "clip_name": clip_name,
        "reference": m.reference, "category": m.category}, m))
    ctx.touched("evidential_mark", m.id)
    ctx.gov.notify("evidential_changed", {"recording_id": rec.id, "id": m.id})
    return m


def _change(ctx: OpContext, event: str):
    rec = ctx.recording()
    m = ctx.s.get(EvidentialMark, ctx.op.entity_id)
    if m is None:
        # Arrived before the mark it changes (out of causal order): kept in op_log, so the mark takes it into
        # account when it arrives.
        settle(ctx, FLAG)
        ctx.record("recording", rec.id, event, details={"mark_id": ctx.op.entity_id, "pending": True})
        return None
    if _apply_flag(ctx, m):
        reason = ctx.op.payload.get("reason") if event == "evidential.clear" else m.reason
        _audit(ctx, m, event, reason)
    return m


@kind("evidential.clear", Action.CLEAR_EVIDENTIAL)
def clear(ctx: OpContext):
    return _change(ctx, "evidential.clear")


@kind("evidential.reinstate", Action.MARK_EVIDENTIAL)
def reinstate(ctx: OpContext):
    return _change(ctx, "evidential.reinstate")

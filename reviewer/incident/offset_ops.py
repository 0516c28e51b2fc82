"""Operation kinds of the incident clock (ADR 0015, 0019): set, nudge, accept (an audio alignment) and clear a
recording's placement. Scope: the recording (its SHA-256, so the store files it under the recording's incident);
entity ("clock_offset", the SHA-256): the same on every copy. Every kind carries absolute values, so the fields
(offset, drift, source, confidence) merge last writer wins by HLC stamp like other metadata; a nudge is a set
that says it was a nudge.
"""

from __future__ import annotations

import math

from reviewer.errors import ReviewerError
from reviewer.govern.roles import Action
from reviewer.library.models import utcnow
from reviewer.library.models_incident import ClockOffsetRow
from reviewer.ops.context import OpContext
from reviewer.ops.kinds import kind

ENTITY = "clock_offset"
FIELDS = ("offset_us", "drift_ppm", "source", "confidence")
SOURCES = ("clock", "manual", "audio")
MAX_OFFSET_US = 7 * 24 * 3600 * 1_000_000  # a week: a camera clock further out is unset, not drifting
MAX_DRIFT_PPM = 1000.0  # 0.1 %: beyond that it is not a crystal clock's drift but a wrong frame rate
CLEARED = {"offset_us": 0, "drift_ppm": 0.0, "source": "clock", "confidence": None}


def clean(fields: dict) -> dict:
    """The checks every copy applies (numbers a placement can hold); raises ReviewerError naming the field."""
    out = {}
    if "offset_us" in fields:
        v = fields["offset_us"]
        if isinstance(v, bool) or not isinstance(v, int) or abs(v) > MAX_OFFSET_US:
            raise ReviewerError(f"offset {v!r} is not a whole number of microseconds within a week")
        out["offset_us"] = int(v)
    if "drift_ppm" in fields:
        v = fields["drift_ppm"]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or abs(v) > MAX_DRIFT_PPM:
            raise ReviewerError(f"drift {v!r} ppm is not a number within +-{MAX_DRIFT_PPM:g} ppm")
        out["drift_ppm"] = float(v)
    if "source" in fields:
        if fields["source"] not in SOURCES:
            raise ReviewerError(f"placement source {fields['source']!r} is not one of {', '.join(SOURCES)}")
        out["source"] = fields["source"]
    if "confidence" in fields:
        v = fields["confidence"]
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not -1.0 <= v <= 1.0):
            raise ReviewerError(f"confidence {v!r} is not a correlation between -1 and 1")
        out["confidence"] = None if v is None else float(v)
    return out


def current(row: ClockOffsetRow | None) -> dict:
    return dict(CLEARED) if row is None else {k: getattr(row, k) for k in FIELDS}


def _apply(ctx: OpContext, fields: dict, event: str, extra: dict | None = None):
    rec = ctx.recording()
    sha = ctx.op.scope_id
    if ctx.op.entity_id != sha:
        raise ReviewerError(f"a clock offset operation names recording {sha[:12]}... but entity "
                            f"{ctx.op.entity_id[:12]}...")
    fields = clean(fields)
    row = ctx.s.get(ClockOffsetRow, sha)
    before = current(row)
    won = ctx.lww(fields)
    if won and row is None:  # even when it changes nothing: every copy then holds the same rows, whatever the order
        row = ClockOffsetRow(sha256=sha, updated_by=ctx.gov.actor, **CLEARED)
        ctx.s.add(row)
    diff = {k: [before[k], v] for k, v in won.items() if before[k] != v}
    if diff:
        for k, (_old, new) in diff.items():
            setattr(row, k, new)
        row.updated_at, row.updated_by = utcnow(), ctx.gov.actor
        ctx.s.flush()
        ctx.record("recording", rec.id, event, {"sha256": sha, "changes": diff, **(extra or {})})
        ctx.touched(ENTITY, sha)
        ctx.gov.notify("clock_changed", {"recording_id": rec.id, "sha256": sha})
    return current(row)


def fields_of(kind_name: str, payload: dict) -> dict:
    """The fields an operation of this kind sets (unchecked: _apply cleans them). The service asks too, so a change
    that would change nothing is not made."""
    p = payload
    if kind_name == "clock_offset.set":
        return {**{k: p[k] for k in ("offset_us", "drift_ppm") if k in p}, "source": "manual", "confidence": None}
    if kind_name == "clock_offset.nudge":
        return {"offset_us": p.get("offset_us"), "source": "manual", "confidence": None}
    if kind_name == "clock_offset.accept":
        return {**{k: p[k] for k in ("offset_us", "drift_ppm", "confidence") if k in p}, "source": "audio"}
    if kind_name == "clock_offset.clear":
        return dict(CLEARED)
    if kind_name == "clock_offset.restore":
        return {k: p.get(k, CLEARED[k]) for k in FIELDS}
    raise ReviewerError(f"{kind_name!r} is not a clock offset operation")


@kind("clock_offset.set", Action.ALIGN)
def set_offset(ctx: OpContext):
    return _apply(ctx, fields_of(ctx.op.kind, ctx.op.payload), "clock_offset.set")


@kind("clock_offset.nudge", Action.ALIGN)
def nudge(ctx: OpContext):
    frames = ctx.op.payload.get("frames")
    if isinstance(frames, bool) or not isinstance(frames, int):
        raise ReviewerError(f"a nudge of {frames!r} frames is not a whole number of frames")
    return _apply(ctx, fields_of(ctx.op.kind, ctx.op.payload), "clock_offset.nudge", {"frames": frames})


@kind("clock_offset.accept", Action.ALIGN)
def accept(ctx: OpContext):
    reference = str(ctx.op.payload.get("reference") or "")
    return _apply(ctx, fields_of(ctx.op.kind, ctx.op.payload), "clock_offset.accept", {"reference": reference})


@kind("clock_offset.clear", Action.ALIGN)
def clear(ctx: OpContext):
    return _apply(ctx, fields_of(ctx.op.kind, ctx.op.payload), "clock_offset.clear")


@kind("clock_offset.restore", Action.ALIGN)
def restore(ctx: OpContext):
    """Put every field back as it was (the undo of any of the above)."""
    return _apply(ctx, fields_of(ctx.op.kind, ctx.op.payload), "clock_offset.restore")

"""Operation kinds of clips (ADR 0015): create, update, delete, restore. Every field (and `deleted`) merges
last-writer-wins by HLC stamp, as bookmarks do. A local change is validated by ClipStore first (unique names,
in before out, no deleting a marked clip); a remote one is applied as its author made it, so two concurrent
edits may leave a name twice or an in point after the out point, which the user then sees and fixes."""

from __future__ import annotations

from reviewer.annotate.records import changes, pts_value, text
from reviewer.errors import NotFound, ReviewerError
from reviewer.govern.roles import Action
from reviewer.library.models import utcnow
from reviewer.library.models_govern import Clip
from reviewer.ops.context import OpContext
from reviewer.ops.kinds import kind

FIELDS = ("name", "in_pts", "out_pts", "purpose")
PURPOSES = ("evidential", "training", "disclosure")


def purpose(value: str) -> str:
    p = (value or "").strip().lower() if isinstance(value, str) else value
    if p not in PURPOSES:
        raise ReviewerError(f"clip purpose must be one of {', '.join(PURPOSES)}, got {value!r}")
    return p


def clean(fields: dict) -> dict:
    out = {}
    if "name" in fields:
        out["name"] = text(fields["name"], "clip name", 200)
    for k in ("in_pts", "out_pts"):
        if k in fields:
            out[k] = pts_value(fields[k], k.replace("_pts", " point"))
    if "purpose" in fields:
        out["purpose"] = purpose(fields["purpose"])
    return out


def _row(ctx: OpContext) -> Clip:
    c = ctx.s.get(Clip, ctx.op.entity_id)
    if c is None:
        raise NotFound(f"no clip {ctx.op.entity_id}")
    return c


def _notify(ctx: OpContext, c: Clip) -> None:
    ctx.touched("clip", c.id)
    ctx.gov.notify("clips_changed", {"recording_id": c.recording_id, "id": c.id})


@kind("clip.create", Action.CLIP)
def create(ctx: OpContext):
    rec = ctx.recording()
    fields = clean({k: ctx.op.payload[k] for k in FIELDS if k in ctx.op.payload})
    if set(fields) != set(FIELDS):
        raise ReviewerError(f"clip {ctx.op.entity_id}: a new clip needs {', '.join(FIELDS)}")
    if ctx.s.get(Clip, ctx.op.entity_id) is not None:
        raise ReviewerError(f"clip {ctx.op.entity_id} already exists")
    won = ctx.lww({**fields, "deleted": False})
    c = Clip(id=ctx.op.entity_id, recording_id=rec.id, author=ctx.op.actor, updated_by=ctx.gov.actor,
             **{k: won.get(k, v) for k, v in fields.items()})
    ctx.s.add(c)
    ctx.s.flush()
    ctx.record("clip", c.id, "clip.create", {"recording_id": rec.id, "name": c.name, "in_pts": c.in_pts,
                                             "out_pts": c.out_pts, "purpose": c.purpose})
    _notify(ctx, c)
    return c


@kind("clip.update", Action.CLIP)
def update(ctx: OpContext):
    ctx.recording()
    c = _row(ctx)
    diff = changes(c, ctx.lww(clean(dict(ctx.op.payload.get("fields") or {}))))
    if diff:
        for k, (_old, new) in diff.items():
            setattr(c, k, new)
        c.touch(ctx.gov.actor)
        ctx.record("clip", c.id, "clip.update", {"recording_id": c.recording_id, "changes": diff})
        _notify(ctx, c)
    return c


def _set_deleted(ctx: OpContext, deleted: bool):
    ctx.recording()
    c = _row(ctx)
    before = c.deleted_at is not None
    if ctx.lww({"deleted": deleted}) and before != deleted:
        c.deleted_at = utcnow() if deleted else None
        c.touch(ctx.gov.actor)
        ctx.record("clip", c.id, "clip.delete" if deleted else "clip.restore",
                   {"recording_id": c.recording_id, "name": c.name})
        _notify(ctx, c)
    return c


@kind("clip.delete", Action.CLIP)
def delete(ctx: OpContext):
    return _set_deleted(ctx, True)


@kind("clip.restore", Action.CLIP)
def restore(ctx: OpContext):
    return _set_deleted(ctx, False)

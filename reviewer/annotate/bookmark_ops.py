"""Operation kinds of bookmarks (ADR 0015): create, update, delete, restore. Every field (and `deleted`) merges
last-writer-wins by HLC stamp; a remote change is applied as its author made it, a local one is validated here
first (text limits, live categories)."""

from __future__ import annotations

from reviewer.annotate.records import changes, pts_value, text
from reviewer.errors import NotFound, ReviewerError
from reviewer.govern.roles import Action
from reviewer.library.models import utcnow
from reviewer.library.models_govern import Bookmark
from reviewer.ops.context import OpContext
from reviewer.ops.kinds import kind

FIELDS = ("pts", "title", "note", "category")
MAX_INCIDENT_US = 10 * 24 * 3600 * 1_000_000  # an incident's recordings span days at most, not years


def clean(fields: dict, category_check=None) -> dict:
    out = {}
    if "pts" in fields:
        out["pts"] = pts_value(fields["pts"])
    if "title" in fields:
        out["title"] = text(fields["title"], "title", 300)
    if "note" in fields:
        out["note"] = text(fields["note"], "note", 10_000, required=False, one_line=False)
    if "category" in fields:
        out["category"] = category_check(fields["category"]) if category_check else text(
            fields["category"], "category", 100).lower()
    return out


def clean_group(payload: dict) -> dict:
    """The grid fields of a create: the group's id and the incident time, both or neither (every copy checks).
    Set at creation only: an update changes FIELDS, never these."""
    if payload.get("group_id") is None and payload.get("incident_us") is None:
        return {}
    group, us = payload.get("group_id"), payload.get("incident_us")
    if not isinstance(group, str) or not 1 <= len(group) <= 36:
        raise ReviewerError(f"bookmark group id {group!r} is not an id of at most 36 characters")
    if isinstance(us, bool) or not isinstance(us, int) or abs(us) > MAX_INCIDENT_US:
        raise ReviewerError(f"incident time {us!r} is not a whole number of microseconds within ten days")
    return {"group_id": group, "incident_us": us}


def _row(ctx: OpContext) -> Bookmark:
    b = ctx.s.get(Bookmark, ctx.op.entity_id)
    if b is None:
        raise NotFound(f"no bookmark {ctx.op.entity_id}")
    return b


def _apply_deleted(ctx: OpContext, b: Bookmark, deleted: bool) -> None:
    if ctx.lww({"deleted": deleted}) and (b.deleted_at is not None) != deleted:
        b.deleted_at = utcnow() if deleted else None


@kind("bookmark.create", Action.BOOKMARK)
def create(ctx: OpContext):
    rec = ctx.recording()
    p = ctx.op.payload
    fields = clean({k: p[k] for k in FIELDS if k in p})
    group = clean_group(p)
    if ctx.s.get(Bookmark, ctx.op.entity_id) is not None:
        raise ReviewerError(f"bookmark {ctx.op.entity_id} already exists")
    won = ctx.lww({**fields, "deleted": False})
    b = Bookmark(id=ctx.op.entity_id, recording_id=rec.id, author=ctx.op.actor, updated_by=ctx.gov.actor,
                 **{k: won.get(k, v) for k, v in fields.items()}, **group)
    ctx.s.add(b)
    ctx.s.flush()
    ctx.record("bookmark", b.id, "bookmark.create", {"recording_id": rec.id, "pts": b.pts, "title": b.title,
                                                     "note": b.note, "category": b.category, **group})
    ctx.touched("bookmark", b.id)
    ctx.gov.notify("bookmarks_changed", {"recording_id": rec.id, "id": b.id})
    return b


@kind("bookmark.update", Action.BOOKMARK)
def update(ctx: OpContext):
    ctx.recording()
    b = _row(ctx)
    fields = clean(dict(ctx.op.payload.get("fields") or {}))
    diff = changes(b, ctx.lww(fields))
    if diff:
        for k, (_old, new) in diff.items():
            setattr(b, k, new)
        b.touch(ctx.gov.actor)
        ctx.record("bookmark", b.id, "bookmark.update", {"changes": diff})
        ctx.touched("bookmark", b.id)
        ctx.gov.notify("bookmarks_changed", {"recording_id": b.recording_id, "id": b.id})
    return b


def _set_deleted(ctx: OpContext, deleted: bool):
    rec = ctx.recording()
    b = _row(ctx)
    before = b.deleted_at is not None
    _apply_deleted(ctx, b, deleted)
    if (b.deleted_at is not None) != before:
        b.touch(ctx.gov.actor)
        ctx.record("bookmark", b.id, "bookmark.delete" if deleted else "bookmark.restore",
                   {"recording_id": rec.id, "title": b.title, "pts": b.pts})
        ctx.touched("bookmark", b.id)
        ctx.gov.notify("bookmarks_changed", {"recording_id": b.recording_id, "id": b.id})
    return b


@kind("bookmark.delete", Action.BOOKMARK)
def delete(ctx: OpContext):
    return _set_deleted(ctx, True)


@kind("bookmark.restore", Action.BOOKMARK)
def restore(ctx: OpContext):
    return _set_deleted(ctx, False)

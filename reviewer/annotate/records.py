"""Helpers shared by the annotation stores: finding rows by id prefix, checking the recording, cleaning text."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.errors import NotFound, ReviewerError
from reviewer.library.models import Recording


def live_recording(s: Session, recording_id: str) -> Recording:
    rec = s.get(Recording, recording_id)
    if rec is None or rec.deleted_at is not None:
        raise NotFound(f"no recording {recording_id} in the library (it may have been purged)")
    return rec


def resolve(s: Session, model, key: str, what: str, include_deleted: bool = False):
    """The row whose id is `key` or starts with it (as the CLI prints 8-character ids)."""
    key = (key or "").strip().lower()
    if not key:
        raise NotFound(f"no {what} id given")
    q = select(model).where(model.id.startswith(key, autoescape=True)).limit(2)
    if not include_deleted:
        q = q.where(model.deleted_at.is_(None))
    rows = s.scalars(q).all()
    if not rows:
        raise NotFound(f"no {what} with id {key!r}")
    if len(rows) > 1:
        raise NotFound(f"{what} id prefix {key!r} is ambiguous; give more characters")
    return rows[0]


def text(value: str | None, what: str, limit: int, required: bool = True, one_line: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ReviewerError(f"{what} must be text, got {type(value).__name__}")
    value = " ".join(value.split()) if one_line else value.strip()
    if required and not value:
        raise ReviewerError(f"{what} must not be empty")
    if len(value) > limit:
        raise ReviewerError(f"{what} is too long ({len(value)} characters; at most {limit})")
    return value


def pts_value(value, what: str = "pts") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReviewerError(f"{what} must be a whole number (a frame's presentation timestamp), got {value!r}")
    return value


def changes(row, fields: dict) -> dict:
    """{field: [old, new]} for the fields that actually change; the audit records both sides."""
    return {k: [getattr(row, k), v] for k, v in fields.items() if getattr(row, k) != v}


def refuse_if_stale(s: Session, entity_type: str, entity_id: str, expect) -> None:
    """An undo or redo (`expect` the head it last left) on an entity changed elsewhere since: refused as
    submit() would refuse it, but before the local checks, whose message ("already cleared") would hide why."""
    from reviewer.ops.apply import check_expected

    check_expected(s, entity_type, entity_id, expect)

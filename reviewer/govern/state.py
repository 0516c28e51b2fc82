"""The governed rows whose whole state the audit trail carries, so the trail alone can rebuild them.

Every event that changes one of these rows puts `row_state(row)` (or a list of them) in its details under
"state". `reviewer audit verify` replays the trail and compares the result with the tables (replay.py): a
direct SQL edit of a role, an evidential mark, a hold or a retention period then shows as a row that no event
backs. Bookkeeping columns (revision, updated_at/by, created_at) are left out: they are not what anyone relies
on, and a sync merge may legitimately rewrite them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reviewer.library.models_govern import (EvidentialMark, LegalHold, LibrarySetting, RetentionPolicy, User,
                                            WorkstationKey)

STATE_KEY = "state"

# table -> (model, key column, the columns that make up its state)
GOVERNED: dict[str, tuple[type, str, tuple[str, ...]]] = {
    "users": (User, "id", ("username", "role", "deleted_at")),
    "evidential_marks": (EvidentialMark, "id", (
        "recording_id", "clip_id", "reference", "category", "reason", "marked_by", "marked_at", "cleared_by",
        "cleared_at", "clear_reason", "deleted_at")),
    "legal_holds": (LegalHold, "id", (
        "recording_id", "reason", "set_by", "set_at", "released_by", "released_at", "release_reason", "deleted_at")),
    "retention_policies": (RetentionPolicy, "id", ("category", "days", "deleted_at")),
    "library_settings": (LibrarySetting, "key", ("value",)),
    "workstation_keys": (WorkstationKey, "id", ("workstation", "public_key", "deleted_at")),
}
_TABLE_OF = {model: table for table, (model, _key, _cols) in GOVERNED.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat()
    return value


def row_state(row) -> dict:
    """{"table", "key", ...columns} of a governed row, as JSON-ready values."""
    table = _TABLE_OF[type(row)]
    _model, key, cols = GOVERNED[table]
    return {"table": table, "key": getattr(row, key), **{c: _plain(getattr(row, c)) for c in cols}}


def put_setting(s, key: str, value: str, by: str) -> LibrarySetting:
    """Set a governed library_settings row inside the write transaction `s` (the caller's event carries its
    state, so `audit verify` can replay it). A row is never deleted, which replay would take for tampering:
    clear its value instead."""
    row = s.get(LibrarySetting, key)
    now = dt.datetime.now(dt.timezone.utc)
    if row is None:
        s.add(LibrarySetting(key=key, value=value, set_at=now, set_by=by))
    else:
        row.value, row.set_at, row.set_by = value, now, by
    s.flush()
    return s.get(LibrarySetting, key)


def with_state(details: dict | None, *rows) -> dict:
    """`details` plus the resulting state of `rows` (the event's own rows)."""
    states = [row_state(r) for r in rows]
    return {**(details or {}), STATE_KEY: states[0] if len(states) == 1 else states}


def states_of(details: dict) -> list[dict]:
    raw = details.get(STATE_KEY) if isinstance(details, dict) else None
    if isinstance(raw, dict):
        return [raw]
    return [d for d in raw if isinstance(d, dict)] if isinstance(raw, list) else []

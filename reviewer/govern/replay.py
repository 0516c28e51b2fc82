"""Rebuild the governed rows (roles, evidential marks, holds, retention periods, library settings, workstation
keys) from the audit trail and compare them with the tables.

Each change event carries its row's resulting state (state.py), so the last event about a row says what the
row must hold. A row that no event backs, a row that differs from its last event, and an event whose row is
gone are all named: a direct SQL edit (sqlite3 on the database file) then fails `reviewer audit verify`, even
though it leaves the hash chain itself intact.
"""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.govern.retention import DEFAULT_DAYS
from reviewer.govern.state import GOVERNED, row_state, states_of
from reviewer.library.models_govern import AuditEvent

# The retention periods migration 0003 seeds on every install (same namespace and names as there; migrations
# are frozen, so this copy cannot drift): backed by the schema, not by an event.
_SEED_NS = uuid.UUID("5b0f6a6e-2f4e-4c1e-9a57-0b1d2c3e4f50")


def _seeded() -> dict[tuple[str, str], dict]:
    out = {}
    for category, days in DEFAULT_DAYS.items():
        key = str(uuid.uuid5(_SEED_NS, f"retention_policy:{category}"))
        out[("retention_policies", key)] = {"table": "retention_policies", "key": key, "category": category,
                                            "days": days, "deleted_at": None}
    return out


def _expected(s: Session) -> dict[tuple[str, str], tuple[dict, int | None]]:
    """(table, key) -> (state, seq of the event that set it; None for a migration seed)."""
    out: dict[tuple[str, str], tuple[dict, int | None]] = {k: (v, None) for k, v in _seeded().items()}
    rows = s.execute(select(AuditEvent.seq, AuditEvent.details).where(
        AuditEvent.outcome == "ok", AuditEvent.details.contains('"state":')).order_by(AuditEvent.seq))
    for seq, text in rows:
        try:
            details = json.loads(text)
        except ValueError:
            continue  # an edited event: the chain check names it
        for st in states_of(details):
            if st.get("table") in GOVERNED and "key" in st:
                out[(st["table"], str(st["key"]))] = (st, seq)
    return out


def _actual(s: Session) -> dict[tuple[str, str], dict]:
    out = {}
    for table, (model, _key, _cols) in GOVERNED.items():
        for row in s.scalars(select(model)):
            st = row_state(row)
            out[(table, str(st["key"]))] = st
    return out


def _differences(want: dict, have: dict) -> str:
    cols = [c for c in have if c not in ("table", "key") and want.get(c) != have.get(c)]
    return ", ".join(f"{c} is {have.get(c)!r}, the trail says {want.get(c)!r}" for c in cols)


def replay_problems(s: Session) -> list[str]:
    """One line per governed row or event that disagrees; [] when the tables are exactly what the trail says."""
    expected, actual = _expected(s), _actual(s)
    problems = []
    for (table, key), have in sorted(actual.items()):
        if (table, key) not in expected:
            problems.append(f"{table} row {key}: no audit event backs it (written outside the app)")
            continue
        want, seq = expected[(table, key)]
        if any(want.get(c) != have.get(c) for c in have):
            source = f"audit event {seq}" if seq is not None else "the default it was created with"
            problems.append(f"{table} row {key}: differs from {source} ({_differences(want, have)})")
    for (table, key), (_want, seq) in sorted(expected.items(), key=lambda kv: kv[1][1] or 0):
        if (table, key) not in actual and seq is not None:
            problems.append(f"audit event {seq}: its {table} row {key} is missing (deleted outside the app)")
    return problems


def unbacked_rows(s: Session) -> list:
    """The governed rows that no event backs or that differ from their last event (ORM rows)."""
    expected = _expected(s)
    out = []
    for table, (model, _key, _cols) in GOVERNED.items():
        for row in s.scalars(select(model)):
            have = row_state(row)
            want = expected.get((table, str(have["key"])))
            if want is None or any(want[0].get(c) != have.get(c) for c in have):
                out.append(row)
    return out

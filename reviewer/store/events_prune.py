"""Pruning the events table (ADR 0014, amended): events older than `[retention] events_keep_days` (30) go, run
by the background tasks with the retention job.

What a client could reasonably resume from: a workstation that was connected within the kept period holds a
Last-Event-ID no older than the events of that period (its cursor was the newest id when it was last told
something), so nothing newer than its cursor is pruned. A stream connected to this process right now that is
still behind is protected too (live_floor). Whoever comes back later than that gets one `resync` event (SSE) or
410 (the listing's `since`) and lists the library again.

The horizon is kept in the table itself: pruning through id T leaves one marker row with id T (kind
`events_pruned`), the lowest id left, so "what was pruned" needs no other table and moves with the rows."""

from __future__ import annotations

import datetime as dt
import json
import threading

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from reviewer.store import audit
from reviewer.store.db import transact
from reviewer.store.errors import ConfigError
from reviewer.store.models_retention import StoreEvent

MARKER = "events_pruned"
DEFAULT_KEEP_DAYS = 30.0
ACTOR = "events pruning"

_live: dict[int, int] = {}  # id(stream) -> its cursor, for the streams this process is serving now
_live_guard = threading.Lock()


def keep_days(config) -> float:
    r = getattr(config, "retention", {}) or {}
    try:
        days = float(r.get("events_keep_days", DEFAULT_KEEP_DAYS))
    except (TypeError, ValueError) as exc:
        raise ConfigError(None, f"[retention] events_keep_days: bad value: {exc}") from None
    if days <= 0:
        raise ConfigError(None, "[retention] events_keep_days must be positive")
    return days


def track(stream_key: int, cursor: int | None) -> None:
    """A stream's cursor (None: it ended), so pruning never passes a client this process is still feeding."""
    with _live_guard:
        if cursor is None:
            _live.pop(stream_key, None)
        else:
            _live[stream_key] = cursor


def live_floor() -> int | None:
    with _live_guard:
        return min(_live.values(), default=None)


def horizon(s: Session) -> int:
    """Every event with an id up to this one has been pruned (0: none ever was)."""
    lowest = s.scalar(select(func.min(StoreEvent.id)))
    if lowest is None:
        return 0
    row = s.get(StoreEvent, lowest)
    return lowest if row is not None and row.kind == MARKER else 0


def prune(sessions, days: float, now: dt.datetime, floor: int | None = None) -> int:
    """Delete events older than `days` (and not past `floor`, a cursor still being served); returns how many."""
    cutoff = now - dt.timedelta(days=days)

    def body(s: Session) -> int:
        if s.get_bind().dialect.name == "postgresql":
            from reviewer.store.events import EVENTS_LOCK

            # the order every writer takes them in (audit, then events), so two never wait on each other
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": audit.CHAIN_LOCK})
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": EVENTS_LOCK})
        q = select(func.max(StoreEvent.id)).where(StoreEvent.at < cutoff)
        if floor is not None:
            q = q.where(StoreEvent.id <= floor)
        through = s.scalar(q)
        if through is None or through <= horizon(s):
            return 0
        n = s.execute(delete(StoreEvent).where(StoreEvent.id <= through, StoreEvent.kind != MARKER)).rowcount
        s.execute(delete(StoreEvent).where(StoreEvent.kind == MARKER))
        s.add(StoreEvent(id=through, at=now, kind=MARKER, sha256="", incident_id="",
                         details=json.dumps({"through": through})))
        audit.record(s, ACTOR, "events_prune", "events", f"1-{through}",
                     details={"deleted": n, "older_than": cutoff.isoformat()})
        return n

    return transact(sessions, body)

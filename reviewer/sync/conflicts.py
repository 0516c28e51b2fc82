"""The conflicts sync resolved (issue 11): every automatic resolution that discarded someone's change, for the
conflicts panel and the CLI. Reading the list is audited (it says who changed what on which recording), and so
is marking entries seen. Qt-free."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from reviewer.govern.roles import Action
from reviewer.library.models import Recording
from reviewer.library.models_ops import SyncConflict

OBJECT_TYPE = "sync_conflicts"


@dataclass(frozen=True)
class ConflictView:
    id: int
    at: dt.datetime
    entity_type: str
    entity_id: str
    recording: str  # the recording's file name here, or its SHA-256 prefix when it is not in this library
    field: str
    lost_actor: str
    lost_value: Any
    won_actor: str | None
    lost_op_id: str
    won_op_id: str | None
    why: str
    seen: bool

    @property
    def what(self) -> str:
        thing = f"{self.entity_type.replace('_', ' ')} {self.entity_id[:8]}"
        return f"{self.field} of {thing}" if self.field else thing


def _names(s, shas: set[str]) -> dict[str, str]:
    rows = s.execute(select(Recording.sha256, Recording.file_name).where(Recording.sha256.in_(shas))).all()
    return {sha: name for sha, name in rows}


def list_conflicts(gov, limit: int = 1000) -> list[ConflictView]:
    """Newest first. Audited as `sync.conflicts_viewed` (one event per opening, with how many were shown)."""
    with gov.gate(Action.VIEW, OBJECT_TYPE, "", "sync.conflicts_viewed") as g:
        rows = g.session.scalars(select(SyncConflict).order_by(SyncConflict.id.desc()).limit(limit)).all()
        names = _names(g.session, {r.scope_id for r in rows})
        out = [ConflictView(r.id, r.at, r.entity_type, r.entity_id, names.get(r.scope_id, r.scope_id[:12] + "…"),
                            r.field, r.lost_actor, json.loads(r.lost_value_json), r.won_actor, r.lost_op_id,
                            r.won_op_id, r.why, r.seen) for r in rows]
        g.details.update(shown=len(out), unseen=sum(not c.seen for c in out))
    return out


def mark_seen(gov, ids: list[int]) -> int:
    """Mark entries seen (audited as `sync.conflicts_seen` with their ids). Returns how many changed."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return 0
    with gov.gate(Action.VIEW, OBJECT_TYPE, "", "sync.conflicts_seen", details={"ids": ids}) as g:
        n = g.session.execute(update(SyncConflict).where(SyncConflict.id.in_(ids), SyncConflict.seen.is_(False))
                              .values(seen=True)).rowcount
        g.details["changed"] = n
    gov.notify("conflicts_changed", {"seen": ids})
    return n


def unseen_count(gov) -> int:
    """For the badge on the panel's title: a count only, nothing about who or what, so not audited."""
    with gov.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(SyncConflict).where(SyncConflict.seen.is_(False))))

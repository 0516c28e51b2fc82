"""The local footage cache: keep what the user needs, evict the rest over a size budget, least recently used first.

Kept whatever the budget: footage of an incident assigned to the user, evidential footage, footage on legal hold,
footage being edited (open now, or with operations the store has not acknowledged), and footage the store does
not hold (a local import it never listed, or one it no longer lists): evicting that could not be undone.
Eviction removes only the original's bytes. The row, its annotations, masks, frame table and thumbnail stay,
availability becomes "evicted", and opening it again downloads it (downloads.py). Each eviction is recorded
first and then the file removed, so a crash between the two leaves a file the next download simply re-verifies.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import stat
from dataclasses import dataclass, field

from sqlalchemy import select

from reviewer.errors import ReviewerError
from reviewer.library.models import Recording
from reviewer.library.models_govern import EvidentialMark, LegalHold, LibrarySetting
from reviewer.library.models_ops import OpLogRow, OutboxRow

BUDGET_SETTING = "cache.budget_bytes"
DEFAULT_BUDGET = 100 * 1024 ** 3  # 100 GiB: a workstation's share of a disk, until someone sets it
RE_FETCHABLE = ("assigned", "listed")


@dataclass(frozen=True)
class CacheEntry:
    sha256: str
    ids: tuple[str, ...]  # the live recordings sharing these bytes
    file_name: str
    size: int
    last_used_at: dt.datetime
    keep: tuple[str, ...]  # why it may not be evicted; empty: evictable


@dataclass
class CacheReport:
    budget: int
    used_before: int
    used_after: int
    evicted: list[CacheEntry] = field(default_factory=list)
    kept_over_budget: list[CacheEntry] = field(default_factory=list)  # needed, though the cache is over budget

    def to_json(self) -> dict:
        return {"budget": self.budget, "used_before": self.used_before, "used_after": self.used_after,
                "evicted": [{"sha256": e.sha256, "ids": list(e.ids), "size": e.size} for e in self.evicted],
                "kept_over_budget": [{"sha256": e.sha256, "keep": list(e.keep)} for e in self.kept_over_budget]}


def budget(library) -> int:
    raw = library.gov.setting(BUDGET_SETTING)
    return int(raw) if raw and raw.isdigit() else DEFAULT_BUDGET


def set_budget(library, size: int) -> None:
    """The cache's size budget in bytes (this workstation's setting; audited)."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ReviewerError(f"cache budget must be a whole number of bytes, 0 or more; got {size!r}")
    gov = library.gov
    with gov.write() as s:
        row = s.get(LibrarySetting, BUDGET_SETTING)
        previous = row.value if row else None
        if row is None:
            s.add(LibrarySetting(key=BUDGET_SETTING, value=str(size), set_at=dt.datetime.now(dt.timezone.utc),
                                 set_by=gov.actor))
        else:
            row.value, row.set_at, row.set_by = str(size), dt.datetime.now(dt.timezone.utc), gov.actor
        gov.record(s, "cache", "", "cache.budget_set", details={"bytes": size, "previous": previous})


def _unpushed(s, shas: set[str]) -> set[str]:
    """Recordings (by SHA-256, the scope of an operation) with operations the store has not acknowledged."""
    if not shas:
        return set()
    return set(s.scalars(select(OpLogRow.scope_id).join(OutboxRow, OutboxRow.op_id == OpLogRow.op_id)
                         .where(OpLogRow.scope_type == "recording", OpLogRow.scope_id.in_(shas)).distinct()))


def entries(library, open_ids: set[str] | frozenset = frozenset()) -> list[CacheEntry]:
    """Local footage, least recently used first, each with the reasons it must stay."""
    with library.sessions() as s:
        recs = s.scalars(select(Recording).where(Recording.deleted_at.is_(None),
                                                 Recording.availability == "local")).all()
        ids = [r.id for r in recs]
        evidential = set(s.scalars(select(EvidentialMark.recording_id).where(
            EvidentialMark.recording_id.in_(ids), EvidentialMark.cleared_at.is_(None),
            EvidentialMark.deleted_at.is_(None))))
        held = set(s.scalars(select(LegalHold.recording_id).where(
            LegalHold.recording_id.in_(ids), LegalHold.released_at.is_(None), LegalHold.deleted_at.is_(None))))
        unpushed = _unpushed(s, {r.sha256 for r in recs})
    by_sha: dict[str, list[Recording]] = {}
    for r in recs:
        by_sha.setdefault(r.sha256, []).append(r)
    out = []
    for sha, rows in by_sha.items():
        keep: list[str] = []
        for r in rows:
            keep += (["assigned"] if r.store_state == "assigned" else []) + \
                    (["evidential"] if r.id in evidential else []) + (["on hold"] if r.id in held else []) + \
                    (["open"] if r.id in open_ids else []) + \
                    (["not in the store"] if r.store_state not in RE_FETCHABLE else [])
        if sha in unpushed:
            keep.append("unpushed changes")
        path = library.store.find(sha)
        size = path.stat().st_size if path is not None else 0
        used = max((r.last_used_at or r.imported_at) for r in rows)
        out.append(CacheEntry(sha, tuple(r.id for r in rows), rows[0].file_name, size, used,
                              tuple(dict.fromkeys(keep))))
    return sorted(out, key=lambda e: (e.last_used_at, e.sha256))


def enforce(library, limit: int | None = None, open_ids: set[str] | frozenset = frozenset()) -> CacheReport:
    """Evict least recently used, evictable footage until the cache fits `limit` (default: the setting)."""
    limit = budget(library) if limit is None else limit
    found = entries(library, open_ids)
    used = sum(e.size for e in found)
    report = CacheReport(limit, used, used)
    for e in found:
        if report.used_after <= limit:
            break
        if e.keep:
            report.kept_over_budget.append(e)
            continue
        if _evict(library, e, limit, report.used_after):
            report.evicted.append(e)
            report.used_after -= e.size
    return report


def _evict(library, e: CacheEntry, limit: int, used: int) -> bool:
    gov = library.gov
    path = library.store.find(e.sha256)
    with gov.write() as s:
        rows = [s.get(Recording, rid) for rid in e.ids]
        if any(r is None or r.availability != "local" or r.deleted_at is not None for r in rows):
            return False  # opened, downloaded again or purged since the listing: leave it
        for r in rows:
            r.availability = "evicted"  # bookkeeping of this copy: no revision bump
        gov.record(s, "recording", e.ids[0], "recording.evicted", details={
            "sha256": e.sha256, "recordings": list(e.ids), "size": e.size, "last_used_at": e.last_used_at.isoformat(),
            "budget": limit, "cache_used": used})
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)  # originals are read-only
            path.unlink()
    for rid in e.ids:
        library._events.emit("recordings_changed", {"id": rid})
    return True

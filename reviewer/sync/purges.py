"""Purges come only from the store: a recording the central store purged (its events `recording_deleted` and
`recording_destroyed`, or its tombstone listing) is removed here too, with the same local tombstone as a local
retention purge (a Purge row, the recording's deleted_at, then its files: reviewer/govern/purge.py) and an audit
event. A recording the store merely stops listing (unassigned, say) is never removed on that ground alone.

`store_confirms(library)` is what Retention(store_confirms=...) uses for a library linked to a store: only footage
the store has said it purged may be deleted locally.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import httpx
from sqlalchemy import select

from reviewer.govern.purge import Retention, files_of
from reviewer.library.models import Recording, utcnow
from reviewer.library.models_govern import LibrarySetting, Purge
from reviewer.sync.catalog import API, STORE_SETTING, TIMEOUT
from reviewer.sync.downloads import downloads_dir
from reviewer.sync.fetch import discard_partial
from reviewer.sync.grant import URL

RULE = "central store purge"
KINDS = {"recording_deleted": "purged", "recording_destroyed": "destroyed"}


@dataclass
class StorePurgeReport:
    purged: list[str] = field(default_factory=list)  # recording ids removed here
    already: list[str] = field(default_factory=list)  # SHA-256s with nothing live left here


SIGNED_IN_SETTING = URL  # what `reviewer sync login` records: the store this library is linked to


def linked(library) -> bool:
    """Whether this library is linked to a central store (signed in to one, or its catalog came from one): then
    the store decides every deletion, from the moment of sign-in, before any catalog refresh."""
    with library.sessions() as s:
        return s.scalar(select(LibrarySetting.key).where(
            LibrarySetting.key.in_((STORE_SETTING, SIGNED_IN_SETTING))).limit(1)) is not None


def store_confirms(library):
    def confirms(sha256: str) -> bool:
        with library.sessions() as s:
            return s.scalar(select(Recording.id).where(Recording.sha256 == sha256,
                                                       Recording.store_state.in_(KINDS.values())).limit(1)) is not None
    return confirms


def on_store_event(library, event: dict) -> StorePurgeReport | None:
    """Act on one event of the store's stream ({"event": kind, "data": {...}} or the data itself with "kind")."""
    data = event.get("data", event)
    kind = event.get("event") or data.get("kind")
    if kind not in KINDS:
        return None
    return purge_local(library, data["sha256"], KINDS[kind], {"store_event": kind, "event_id": event.get("id"),
                                                               "at": data.get("at")})


def purge_local(library, sha256: str, state: str = "purged", why: dict | None = None) -> StorePurgeReport:
    """Remove every live recording with this SHA-256: tombstone, Purge row and audit event in one transaction,
    then the files. Later events for the same footage only update what the store said (purged -> destroyed)."""
    gov = library.gov
    report = StorePurgeReport()
    now = utcnow()
    purge_ids = []
    with gov.write() as s:
        rows = s.scalars(select(Recording).where(Recording.sha256 == sha256)).all()
        for rec in rows:
            rec.store_state = state
            if rec.deleted_at is not None:
                continue
            files = [str(p) for p in files_of(library, rec)]
            rec.deleted_at = now
            rec.touch(gov.actor)
            p = Purge(recording_id=rec.id, sha256=sha256, file_name=rec.file_name, rule=RULE, expired_at=now,
                      purged_at=now, purged_by="central store", files_json=json.dumps(files), updated_by=gov.actor)
            s.add(p)
            s.flush()
            # the store's authority, not this user's role: recorded, never refused
            gov.record(s, "recording", rec.id, "retention.store_purge", details={
                "purge_id": p.id, "sha256": sha256, "file_name": rec.file_name, "store_state": state,
                "availability": rec.availability, "files": files, **(why or {})})
            gov.notify("retention_changed", {"recording_id": rec.id})
            purge_ids.append(p.id)
            report.purged.append(rec.id)
    if not report.purged:
        report.already.append(sha256)
    discard_partial(downloads_dir(library), sha256)  # a paused download of it has nothing left to finish
    retention = Retention(library, store_confirms(library))
    for pid in purge_ids:
        retention.remove_files(pid)
    for rid in report.purged:
        library._events.emit("recordings_changed", {"id": rid})
    return report


def reconcile(library, client: httpx.Client) -> StorePurgeReport:
    """Recordings the store no longer lists: removed only where the store's tombstone list (supervisors may read
    it) says they were purged. For other roles the store's events are the word (on_store_event)."""
    report = StorePurgeReport()
    with library.sessions() as s:
        absent = set(s.scalars(select(Recording.sha256).where(Recording.deleted_at.is_(None),
                                                              Recording.store_state == "absent")).all())
    if not absent:
        return report
    try:
        r = client.get(f"{API}/admin/tombstones", timeout=TIMEOUT)
    except httpx.HTTPError:
        return report
    if r.status_code != 200:
        return report
    for tomb in r.json():
        if tomb["sha256"] in absent:
            got = purge_local(library, tomb["sha256"], tomb["state"],
                              {"store_tombstone": tomb["purged_at"], "checked_at": dt.datetime.now(dt.timezone.utc)
                               .isoformat()})
            report.purged += got.purged
    return report


def purges_of(library, sha256: str) -> list[Purge]:
    with library.sessions() as s:
        return list(s.scalars(select(Purge).where(Purge.sha256 == sha256, Purge.rule == RULE)))

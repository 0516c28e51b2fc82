"""The store's listing as library rows: every recording the signed-in user may see becomes a live recording of the
library, "remote" until its footage is fetched (downloads.py), with the store's probe summary and thumbnail.

Identity: a recording is named by its SHA-256 everywhere. A live local row with that hash (an import made here)
is the same recording and is only marked as listed; otherwise the row's id is a UUID derived from the hash, so
every workstation gives a catalogued recording the same id. Incidents keep the store's UUIDs.

One refresh is one gated transaction (VIEW; event "catalog.refresh" naming what was added and what the store no
longer lists). A recording the store stops listing is only marked "absent": unassigned is not purged, and only
the store's word that it was purged (purges.py) removes footage.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import httpx
from sqlalchemy import select

from reviewer.atomic import write_bytes
from reviewer.errors import ReviewerError
from reviewer.govern.roles import Action
from reviewer.library.models import Incident, Recording
from reviewer.library.models_govern import LibrarySetting
from reviewer.library.originals import safe_ext
from reviewer.library.views import thumbnail_path
from reviewer.ops.apply import apply_parked
from reviewer.progress import NO_TASK, Task

API = "/api/v1"
NAMESPACE = uuid.UUID("6f1c1d2e-0b8a-5c39-9d1e-b3c5f0a7e2d4")  # fixed: recording ids derived from SHA-256s
STORE_SETTING = "catalog.store"  # library_settings: the store this library's catalog came from
EVENT_SETTING = "catalog.event_id"  # the store's event id at the last listing: `gone` since then are purges
SEES_ASSIGNED = {"investigator", "supervisor"}  # the store shows these roles only their assigned incidents
LISTED = ("assigned", "listed")
UPLOADING = "uploading"  # availability of a recording the store lists while its dock is still sending it
TIMEOUT = httpx.Timeout(30.0)


class CatalogError(ReviewerError):
    """The store's listing could not be read."""


@dataclass(frozen=True)
class StoreRecording:
    sha256: str
    incident_id: str
    incident_ref: str
    file_name: str
    camera: str
    size: int
    started_at: dt.datetime | None
    registered_at: dt.datetime
    probe: dict | None = None  # the store's probe summary (state, frame_count, duration, width, height, codec)
    state: str = "available"  # "uploading": announced by its dock, footage not in the store yet (ADR 0018)


@dataclass
class CatalogReport:
    store: str
    role: str
    listed: int = 0
    added: list[str] = field(default_factory=list)  # recording ids new to the library
    absent: list[str] = field(default_factory=list)  # ids the store no longer lists
    purged: list[str] = field(default_factory=list)  # ids removed because the store says it purged them
    withdrawn: list[str] = field(default_factory=list)  # ids listed while uploading, whose upload never finished
    available: list[str] = field(default_factory=list)  # ids listed while uploading whose footage is now in
    thumbnails: int = 0


def recording_id_for(sha256: str) -> str:
    return str(uuid.uuid5(NAMESPACE, sha256))


def _get(client: httpx.Client, path: str) -> httpx.Response:
    try:
        r = client.get(API + path, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise CatalogError(f"{client.base_url}: cannot reach the store ({type(exc).__name__}: {exc})") from None
    if r.status_code != 200:
        raise CatalogError(f"{client.base_url}{API}{path}: the store answered {r.status_code}")
    return r


def _time(v: str | None) -> dt.datetime | None:
    if not v:
        return None
    t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def list_store(client: httpx.Client, task: Task = NO_TASK) -> tuple[str, list[StoreRecording], int | None]:
    """(the caller's role, every recording the caller may see, the store's event id when it was listed)."""
    role = _get(client, "/auth/me").json()["role"]
    paged = _list_pages(client, task)
    if paged is not None:
        return role, *paged
    incidents = _get(client, "/incidents").json()  # a store without the listing: walk the incidents
    out: list[StoreRecording] = []
    for i, inc in enumerate(incidents):
        task.check("catalog refresh")
        task.report(i / max(1, len(incidents)), "reading the store's listing")
        for r in _get(client, f"/incidents/{inc['id']}/recordings").json():
            out.append(_item(r, inc["reference"]))
    return role, out, None


def _item(r: dict, reference: str) -> StoreRecording:
    return StoreRecording(r["sha256"], r["incident_id"], reference, r["file_name"], r.get("camera", ""),
                          int(r["size"]), _time(r.get("started_at")), _time(r["registered_at"]), r.get("probe"),
                          r.get("state") or "available")


def _list_pages(client: httpx.Client, task: Task) -> tuple[list[StoreRecording], int] | None:
    """GET /recordings page by page; None when the store has no such listing (then incidents are walked)."""
    out: list[StoreRecording] = []
    after, event_id = None, None
    while True:
        task.check("catalog refresh")
        try:
            r = client.get(API + "/recordings", params={"limit": 1000, **({"after": after} if after else {})},
                           timeout=TIMEOUT)
        except httpx.HTTPError as exc:
            raise CatalogError(f"{client.base_url}: cannot reach the store ({type(exc).__name__}: {exc})") from None
        if r.status_code in (404, 405) and after is None:
            return None
        if r.status_code != 200:
            raise CatalogError(f"{client.base_url}{API}/recordings: the store answered {r.status_code}")
        page = r.json()
        event_id = page["event_id"] if event_id is None else event_id  # the first page's: nothing missed
        out += [_item(x, x["incident_reference"]) for x in page["recordings"]]
        task.report(0.5, f"reading the store's listing ({len(out)} recordings)")
        after = page.get("next_after")
        if not after:
            return out, event_id


def gone_since(client: httpx.Client, event_id: int) -> list[str] | None:
    """SHA-256s the store says were purged since `event_id` (its listing's `gone`); None if it cannot say."""
    try:
        r = client.get(API + "/recordings", params={"since": event_id, "limit": 1}, timeout=TIMEOUT)
    except httpx.HTTPError:
        return None
    return list(r.json().get("gone", [])) if r.status_code == 200 else None


def _probe(client: httpx.Client, sha256: str) -> dict | None:
    try:
        r = client.get(f"{API}/recordings/{sha256}/probe", timeout=TIMEOUT)
    except httpx.HTTPError:
        return None
    return r.json() if r.status_code == 200 else None


def refresh(library, client: httpx.Client, task: Task = NO_TASK, thumbnails: bool = True) -> CatalogReport:
    """Bring the library's catalog up to the store's listing; fetch the thumbnails it lacks."""
    role, listing, event_id = list_store(client, task)
    store = str(client.base_url).rstrip("/")
    report = CatalogReport(store, role, listed=len(listing))
    state = "assigned" if role in SEES_ASSIGNED else "listed"
    with library.sessions() as s:
        described = set(s.scalars(select(Recording.sha256).where(Recording.deleted_at.is_(None),
                                                                 Recording.frame_count > 0)).all())
    probes = {r.sha256: r.probe if r.probe is not None else _probe(client, r.sha256)
              for r in listing if r.sha256 not in described}
    previous = library.gov.setting(EVENT_SETTING)
    if previous and previous.isdigit():
        from reviewer.sync.purges import purge_local

        for sha in gone_since(client, int(previous)) or []:  # purged in the store since the last refresh
            report.purged += purge_local(library, sha, "purged", {"store_listing": "gone",
                                                                  "since_event": int(previous)}).purged
    with library.gov.gate(Action.VIEW, "catalog", store, "catalog.refresh", details={"store": store}) as g:
        s = g.session
        seen = set()
        uploading = set(s.scalars(select(Recording.sha256).where(Recording.deleted_at.is_(None),
                                                                 Recording.availability == UPLOADING)).all())
        for item in listing:
            seen.add(item.sha256)
            rec, new = _upsert(s, item, probes.get(item.sha256), store, library.actor)
            rec.store_state = state
            if new:
                report.added.append(rec.id)
            elif item.sha256 in uploading and rec.availability != UPLOADING:
                report.available.append(rec.id)
        for rec in s.scalars(select(Recording).where(Recording.deleted_at.is_(None),
                                                     Recording.store_state.in_(LISTED))):
            if rec.sha256 in seen:
                continue
            if rec.availability == UPLOADING:
                # listed only while its dock was sending it, and never finished (or no longer ours to see):
                # there are no bytes here and none to fetch, so nothing is kept; a later listing brings it back
                rec.store_state, rec.deleted_at = "withdrawn", dt.datetime.now(dt.timezone.utc)
                rec.touch(library.actor)
                report.withdrawn.append(rec.id)
            else:
                rec.store_state = "absent"
                report.absent.append(rec.id)
        _set(s, STORE_SETTING, store, library.actor)
        if event_id is not None:
            _set(s, EVENT_SETTING, str(event_id), library.actor)
        g.details.update({"role": role, "listed": len(listing), "added": report.added, "absent": report.absent,
                          "withdrawn": report.withdrawn})
    if thumbnails:
        report.thumbnails = fetch_thumbnails(library, client, [r.sha256 for r in listing],
                                             {sha for sha, p in probes.items() if p and p.get("state") == "ok"}
                                             | described)
    for rid in report.added:  # operations pulled before the recording was listed here waited for it
        apply_parked(library.gov, _sha_of(library, rid))
    if report.added or report.absent or report.withdrawn or report.available:
        library._events.emit("recordings_changed", {"added": report.added, "absent": report.absent,
                                                    "withdrawn": report.withdrawn, "available": report.available})
    task.report(1.0, "catalog up to date")
    return report


def _set(s, key: str, value: str, actor: str) -> None:
    row = s.get(LibrarySetting, key)
    if row is None:
        s.add(LibrarySetting(key=key, value=value, set_at=dt.datetime.now(dt.timezone.utc), set_by=actor))
    elif row.value != value:
        row.value, row.set_at, row.set_by = value, dt.datetime.now(dt.timezone.utc), actor


def _sha_of(library, recording_id: str) -> str:
    with library.sessions() as s:
        return s.get(Recording, recording_id).sha256


def _incident(s, item: StoreRecording, actor: str) -> Incident:
    inc = s.get(Incident, item.incident_id) or s.scalar(select(Incident).where(Incident.reference
                                                                              == item.incident_ref))
    if inc is None:
        inc = Incident(id=item.incident_id, reference=item.incident_ref, updated_by=actor)
        s.add(inc)
    return inc


def _upsert(s, item: StoreRecording, probe: dict | None, store: str, actor: str) -> tuple[Recording, bool]:
    rec = s.scalar(select(Recording).where(Recording.sha256 == item.sha256, Recording.deleted_at.is_(None))
                   .order_by(Recording.imported_at).limit(1))
    new = False
    fetchable = UPLOADING if item.state == UPLOADING else "remote"  # where the footage is, seen from here
    if rec is None:
        rec = s.get(Recording, recording_id_for(item.sha256))
        if rec is not None:  # purged (or withdrawn) here, then listed again by the store: the same recording
            rec.deleted_at = None
            rec.availability = fetchable
            rec.touch(actor)
            new = True
    elif rec.availability in (UPLOADING, "remote", "evicted") and (rec.availability == UPLOADING) != \
            (fetchable == UPLOADING):
        rec.availability = fetchable  # its dock finished (or a listed copy turned out to be still arriving)
    if rec is None:
        rec = Recording(id=recording_id_for(item.sha256), sha256=item.sha256, file_name=item.file_name,
                        original_ext=safe_ext(item.file_name), imported_from=f"{store}{API}/recordings/{item.sha256}",
                        imported_at=item.registered_at, size=item.size, container="", codec="", width=0, height=0,
                        time_base="", frame_count=0, duration=0.0, average_fps=0.0, is_vfr=False, has_audio=False,
                        media_json="{}", camera_start=item.started_at,
                        camera_start_source="store" if item.started_at else None, device_id=item.camera or None,
                        integrity="unverified", availability=fetchable, updated_by=actor)
        s.add(rec)
        new = True
    if rec.incident_id is None:
        rec.incident = _incident(s, item, actor)
    if rec.frame_count == 0 and probe and probe.get("state") == "ok":
        rec.frame_count, rec.duration = int(probe.get("frame_count") or 0), float(probe.get("duration") or 0.0)
        rec.width, rec.height = int(probe.get("width") or 0), int(probe.get("height") or 0)
        rec.codec = probe.get("codec") or ""
        rec.average_fps = float(probe.get("fps") or 0.0) or (rec.frame_count / rec.duration if rec.duration
                                                             else 0.0)
        media = probe.get("media") or {}
        if media:  # the store ran the same core probe on the same bytes; the download probes them again
            rec.container, rec.time_base = str(media.get("container", "")), str(media.get("time_base", ""))
            rec.is_vfr, rec.has_audio = bool(media.get("is_vfr")), bool(media.get("has_audio"))
            rec.audio_codec = media.get("audio_codec")
    s.flush()
    return rec, new


def fetch_thumbnails(library, client: httpx.Client, shas: list[str], probed: set[str]) -> int:
    """The store's thumbnail of each listed recording that has none here yet (a frame of footage: the store
    audits each one it serves). Returns how many were fetched."""
    got = 0
    for sha in shas:
        target = thumbnail_path(library.paths, sha)
        if target.exists() or sha not in probed:
            continue
        try:
            r = client.get(f"{API}/recordings/{sha}/thumbnail", timeout=TIMEOUT)
        except httpx.HTTPError:
            continue
        if r.status_code == 200 and r.content.startswith(b"\x89PNG"):
            write_bytes(target, r.content)
            got += 1
    return got

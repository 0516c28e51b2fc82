"""Metadata first (issue 10 s.3, ADR 0018): a docked recording is listed on an entitled workstation as soon as the
dock creates its upload, while its footage is still arriving; it opens once the store has verified the bytes; an
upload that fails its hash or expires withdraws it. Real store processes (embedded; PostgreSQL + SeaweedFS), the
dock's own hashing, metadata and tus client, a real event stream and a real workstation library."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os

import httpx
import pytest

from reviewer.cli_sync_footage import run_fetch
from reviewer.errors import StillUploading
from reviewer.library import Library
from reviewer.store.dock import Dock
from reviewer.store.dock_client import ContentMismatch, StoreClient
from reviewer.sync import catalog
from reviewer.sync.download_manager import DownloadManager
from reviewer.sync.downloads import downloads_dir
from reviewer.sync.footage import Footage
from tests.fixtures import clips, framecode
from tests.store import services
from tests.store.retention_world import people, rstore  # noqa: F401  (fixture)
from tests.store.sse import Listener
from tests.store.test_dock_register import audit_events


@pytest.fixture(scope="module")
def p(rstore):  # noqa: F811
    p = people(rstore)
    code = services.add_user(rstore.config, "dock-" + os.urandom(3).hex(), "dock")
    p.tokens["dock"] = services.enrol(rstore.url, code)["access_token"]
    return p


def incident_ref(p, inc: str) -> str:
    return p.ok("sup", "GET", f"/api/v1/incidents/{p.incident[inc]}")["reference"]


def camera_file(tmp_path, data: bytes, reference: str, name: str = "BWV-00812_0001.mp4") -> Dock:
    watch = tmp_path / "camera"
    watch.mkdir(exist_ok=True)
    (watch / name).write_bytes(data)
    (watch / (name + ".json")).write_text(json.dumps({
        "officer_id": "PC 77", "device_id": "BWV-00812", "start_time": "2026-11-29T03:10:00.000Z",
        "incident_ref": reference}))
    return watch


@contextlib.contextmanager
def workstation(p, home, who: str):
    """A workstation library signed in as `who`, its catalog fed by the store's event stream."""
    client = httpx.Client(base_url=p.store.url, headers={"Authorization": f"Bearer {p.tokens[who]}"})
    lib = Library(home)
    footage = Footage(lib, client)
    try:
        footage.refresh()
        yield lib, footage, client
    finally:
        footage.close()
        lib.close()
        client.close()


def test_a_docked_recording_is_listed_while_uploading_and_opens_once_verified(p, tmp_path, home, clip_dir):
    clip = clips.make("cfr_h264", clip_dir)
    data = clip.path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    name = "BWV-00812_0001.mp4"
    watch = camera_file(tmp_path, data, incident_ref(p, "a"))
    dock = Dock(watch, StoreClient(p.store.url, token=p.tokens["dock"]), settle=0)
    inv, inv2 = Listener(p.store.url, p.tokens["inv"]), Listener(p.store.url, p.tokens["inv2"])
    try:
        with workstation(p, home, "inv") as (lib, footage, _client):
            # the dock's own steps, held after the first chunk: hash, announce (tus creation), part of the bytes
            entry = dock._hash(name)
            assert entry.sha256 == sha
            location = dock.client.create(entry.size, dock.metadata(name, entry))
            half = len(data) // 2
            assert dock.client.append(location, 0, data[:half]) == half
            ev = inv.next("recording_registered", sha)
            assert (ev["data"]["state"], ev["data"]["size"], ev["data"]["file_name"]) == ("uploading", len(data), name)
            footage.on_store_event(ev)
            view = lib.get(catalog.recording_id_for(sha))
            assert (view.availability, view.file_name, view.size, view.incident_ref, view.device_id) == \
                ("uploading", name, len(data), incident_ref(p, "a"), "BWV-00812")
            assert view.camera_start == dt.datetime(2026, 11, 29, 3, 10, tzinfo=dt.timezone.utc)
            # the store lists it, but holds no footage for it yet
            assert dock.client.blob(sha) is None
            listed = {r["sha256"]: r for r in p.ok("inv", "GET", "/api/v1/recordings")["recordings"]}
            assert listed[sha]["state"] == "uploading" and listed[sha]["probe"]["state"] == "pending"
            r = p.call("inv", "GET", f"/api/v1/recordings/{sha}/content")
            assert r.status_code == 409 and r.json()["detail"] == (
                f"recording {sha} ({name}): still uploading from the dock; its footage can be downloaded once the "
                "store has received and verified it")
            for path in (f"/api/v1/recordings/{sha}", f"/api/v1/recordings/{sha}/content"):  # not assigned: as if
                assert p.call("inv2", "GET", path).status_code == 404  # it did not exist, uploading or not
            assert sha not in {r["sha256"] for r in p.ok("inv2", "GET", "/api/v1/recordings")["recordings"]}
            # opening it says so in one line, and nothing is requested from the store or written here
            with pytest.raises(StillUploading) as exc:
                lib.open_recording(view.id, reason="complaint CR-12")
            assert str(exc.value) == (f"recording {view.id[:8]} ({name}): still uploading from the dock to the "
                                      "central store; it can be opened once the store has received and verified it")
            with pytest.raises(StillUploading):  # `reviewer sync fetch`: downloads.ensure_local, before any request
                run_fetch(lib, footage.client, sha, out=io.StringIO())
            manager = DownloadManager(lib, footage.client)
            try:
                with pytest.raises(StillUploading):
                    manager.enqueue(view.id)
                assert manager.jobs() == []
            finally:
                manager.close()
            assert not downloads_dir(lib).exists() or not list(downloads_dir(lib).iterdir())
            assert not [e for e in lib.gov.audit.events() if e.action == "recording.download"]
            # no footage went out; the unassigned investigator's try is on the store's trail as refused
            assert [e.outcome for e in audit_events(p.store, "footage_download", sha)] == ["refused"]

            # the rest arrives: verified, the recording becomes available, and then it opens with its own frames
            assert dock.client.append(location, half, data[half:]) == len(data)
            assert dock.client.blob(sha).size == len(data)
            footage.on_store_event(inv.next("recording_available", sha))
            assert lib.get(view.id).availability == "remote"
            opened = lib.open_recording(view.id, reason="complaint CR-12")
            reader = opened.reader()
            try:
                assert framecode.read(reader.frame(21).rgb(), clip.width) == clip.first_code + 21
            finally:
                reader.close()
            assert opened.view.integrity == "ok"
            inv.next("recording_probed", sha, timeout=120)  # probed only once its bytes were in
        assert p.call("inv2", "GET", f"/api/v1/recordings/{sha}").status_code == 404
        assert sha not in {r["sha256"] for r in p.ok("inv2", "GET", "/api/v1/recordings")["recordings"]}
        assert all(e["data"]["sha256"] != sha for e in inv2.drain())  # not assigned: never told, at any stage
    finally:
        inv.close()
        inv2.close()
        dock.close()
    [registered] = audit_events(p.store, "recording_register", sha)
    assert json.loads(registered.details)["state"] == "uploading"
    [available] = audit_events(p.store, "recording_available", sha)
    assert json.loads(available.details)["size"] == len(data)


def test_a_hash_mismatch_withdraws_the_listing_everywhere_and_is_audited(p, tmp_path, home):
    declared = os.urandom(150_000)
    sha = hashlib.sha256(declared).hexdigest()
    name = "BWV-00812_0002.mp4"
    watch = camera_file(tmp_path, declared, incident_ref(p, "a"), name)
    dock = Dock(watch, StoreClient(p.store.url, token=p.tokens["dock"]), settle=0)
    inv = Listener(p.store.url, p.tokens["inv"])
    try:
        with workstation(p, home, "inv") as (lib, footage, _client):
            entry = dock._hash(name)
            location = dock.client.create(entry.size, dock.metadata(name, entry))
            footage.on_store_event(inv.next("recording_registered", sha))
            rid = catalog.recording_id_for(sha)
            assert lib.get(rid).availability == "uploading"
            # the file changed under the dock: the bytes sent do not hash to what it declared
            with pytest.raises(ContentMismatch):
                dock.client.append(location, 0, os.urandom(len(declared)))
            ev = inv.next("recording_withdrawn", sha)
            assert ev["data"]["why"] == f"{name}: its upload's bytes did not match the declared SHA-256"
            footage.on_store_event(ev)
            assert sha not in {v.sha256 for v in lib.recordings()}  # no ghost left listed
            refresh = lib.gov.audit.events(action="catalog.refresh", newest_first=True, limit=1)[0]
            assert refresh.details["withdrawn"] == [rid]  # the workstation's own trail says why it went
        assert p.call("inv", "GET", f"/api/v1/recordings/{sha}").status_code == 404
        assert sha not in {r["sha256"] for r in p.ok("inv", "GET", "/api/v1/recordings")["recordings"]}
        assert dock.client.blob(sha) is None
    finally:
        inv.close()
        dock.close()
    [withdrawn] = audit_events(p.store, "recording_withdraw", sha)
    details = json.loads(withdrawn.details)
    assert (withdrawn.actor, details["upload_state"], details["incident"]) == ("store", "failed", p.incident["a"])


def test_an_expired_upload_withdraws_its_recording_and_a_new_upload_announces_it_again(tmp_path):
    """The store's sweeper expires an upload nobody finished: its announced recording goes with it (a dock that
    comes back later starts a new upload, which announces it again)."""
    from sqlalchemy import select

    from reviewer.store import dock_register
    from reviewer.store.access import Caller
    from reviewer.store.blobs.fs import FileBlobStore
    from reviewer.store.db import open_store_database
    from reviewer.store.dock_client import encode_metadata
    from reviewer.store.models import AuditEvent, Recording
    from reviewer.store.models_retention import StoreEvent
    from reviewer.store.uploads import Uploads

    engine, sessions = open_store_database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        uploads = Uploads(sessions, FileBlobStore(tmp_path / "blobs"), tmp_path / "staging", expiry_s=3600,
                          max_size=1 << 30)
        uploads.on_discard = dock_register.on_discard
        dock = Caller("d1", "dock-7", "dock")
        data = os.urandom(50_000)
        sha = hashlib.sha256(data).hexdigest()
        meta = encode_metadata({"sha256": sha, "filename": "cam.mp4", "sidecar": '{"incident_ref": "EXP-1"}'})
        first = uploads.create(len(data), meta, dock_register.on_create(dock))
        second = uploads.create(len(data), meta, dock_register.on_create(dock))  # the dock restarted its upload
        with sessions() as s:
            assert s.get(Recording, sha).state == "uploading"
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)
        with sessions.begin() as s:  # the second is still being sent: only the first expires
            s.get(type(first), second.id).expires_at = later + dt.timedelta(hours=1)
        assert uploads.sweep(now=later) == 1
        with sessions() as s:
            assert s.get(Recording, sha) is not None  # another upload of the same bytes is still open
        assert uploads.sweep(now=later + dt.timedelta(hours=2)) == 1
        with sessions() as s:
            assert s.get(Recording, sha) is None
            [audit] = s.scalars(select(AuditEvent).where(AuditEvent.action == "recording_withdraw")).all()
            assert json.loads(audit.details)["why"] == "cam.mp4: its upload expired before it was completed"
            kinds = s.scalars(select(StoreEvent.kind).where(StoreEvent.sha256 == sha).order_by(StoreEvent.id)).all()
            assert kinds == ["recording_registered", "recording_withdrawn"]
        third = uploads.create(len(data), meta, dock_register.on_create(dock))
        appender = uploads.appender(third.id, 0, dock_register.on_complete(dock))
        appender.write(data)
        assert appender.close().state == "complete"
        with sessions() as s:
            assert s.get(Recording, sha).state == "available"
            kinds = s.scalars(select(StoreEvent.kind).where(StoreEvent.sha256 == sha).order_by(StoreEvent.id)).all()
            assert kinds[-2:] == ["recording_registered", "recording_available"]
    finally:
        engine.dispose()

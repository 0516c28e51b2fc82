"""Purges come only from the store (real store process, its real retention job and event stream): a recording the
store purges is removed from a workstation that holds it, with a tombstone and an audit event; one the store only
stops listing (unassigned) stays; and local retention on a linked library waits for the store's word."""

from __future__ import annotations

import datetime as dt

import pytest

from reviewer.govern.purge import Retention, default_store_confirms
from reviewer.library import Library
from reviewer.library.views import thumbnail_path
from reviewer.sync import catalog, purges
from reviewer.sync.downloads import ensure_local
from tests.store import footage_world, services
from tests.store.sse import Listener


@pytest.fixture
def world(tmp_path, clip_dir):
    from tests.fixtures import clips

    with footage_world.start(tmp_path / "srv") as w:
        w.user("inv", "investigator")
        w.keep = w.add_recording(clips.make("cfr_h264", clip_dir).path.read_bytes(), "P-1", "keep.mp4")
        w.doomed = w.add_recording(clips.make("cfr_noaudio", clip_dir).path.read_bytes(), "P-1", "doomed.mp4")
        w.moved = w.add_recording(clips.make("vfr_h264", clip_dir).path.read_bytes(), "P-2", "moved.mp4")
        w.incident("P-1", assign=("inv",))
        w.incident("P-2", assign=("inv",))
        w.admin("PUT", f"/recordings/{w.keep}/retention", json={"evidential": True})
        yield w


def test_a_store_purge_removes_the_local_copy_with_a_tombstone_and_an_audit_event(world, home):
    with world.client("inv") as client, Library(home) as lib:
        catalog.refresh(lib, client)
        for sha in (world.keep, world.doomed, world.moved):
            ensure_local(lib, client, catalog.recording_id_for(sha))
        doomed = lib.get(catalog.recording_id_for(world.doomed))
        table = lib.frame_tables.path_for(world.doomed)
        assert doomed.original_path.exists() and table.exists()
        confirms = default_store_confirms(lib)  # a linked library: the store decides
        assert not confirms(world.doomed)

        # unassigned from P-2: the store stops listing it, and that alone deletes nothing
        world.admin("DELETE", f"/incidents/{world.incidents['P-2']}/assignments/{world.users['inv'][0]}")
        report = catalog.refresh(lib, client)
        moved = lib.get(catalog.recording_id_for(world.moved))
        assert report.absent == [moved.id] and moved.store_state == "absent"
        assert moved.original_path.exists() and purges.reconcile(lib, client).purged == []

        listener = Listener(world.server.url, world.users["inv"][1].access_token)
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=40)
        r = services.cli("store", "retention", "run", "--config", str(world.config), "--now", later.isoformat())
        assert r.returncode == 0, r.stderr
        event = listener.next("recording_deleted", world.doomed)
        before = lib.gov.audit.count()
        got = purges.on_store_event(lib, event)

        assert got.purged == [doomed.id]
        assert doomed.id not in {v.id for v in lib.recordings()}
        assert not doomed.original_path.exists() and not table.exists()
        assert not thumbnail_path(lib.paths, world.doomed).exists()
        (tomb,) = purges.purges_of(lib, world.doomed)
        assert tomb.recording_id == doomed.id and tomb.purged_by == "central store"
        assert tomb.files_removed_at is not None
        ev = [e for e in lib.gov.audit.events() if e.seq > before]
        assert [(e.action, e.object_id, e.outcome) for e in ev] == [("retention.store_purge", doomed.id, "ok")]
        assert ev[0].details["store_event"] == "recording_deleted" and ev[0].details["sha256"] == world.doomed
        assert confirms(world.doomed) and not confirms(world.keep)
        # the evidential one and the merely unlisted one are untouched
        assert lib.get(catalog.recording_id_for(world.keep)).original_path.exists()
        assert moved.original_path.exists()
        # the same event again changes nothing and records nothing
        count = lib.gov.audit.count()
        assert purges.on_store_event(lib, event).purged == [] and lib.gov.audit.count() == count
        assert lib.gov.audit.check().ok


def test_local_retention_on_a_linked_library_waits_for_the_store(world, home):
    """A recording due by the local clock is not deleted until the store says it purged it."""
    with world.client("inv") as client, Library(home) as lib:
        catalog.refresh(lib, client)
        rid = catalog.recording_id_for(world.doomed)
        ensure_local(lib, client, rid)
        now = dt.datetime.now(dt.timezone.utc)
        late = now + dt.timedelta(days=40)
        due = [st.recording_id for st in Retention(lib).status(late) if st.due]
        assert rid in due
        report = Retention(lib).run(late, dry_run=True)
        assert (rid, "the central store has not confirmed the purge") in report.skipped
        assert lib.get(rid).original_path.exists()


def test_the_listing_says_what_was_purged_and_a_refresh_removes_it(tmp_path, clip_dir, home):
    """With the store's paged listing (GET /recordings), a refresh learns from its `gone` what the store purged
    since the last refresh, for every role (no event stream needed)."""
    from tests.fixtures import clips

    with footage_world.start(tmp_path / "probe") as w:
        w.user("ps", "professional_standards")
        with w.client("ps") as client:
            if client.get("/api/v1/recordings").status_code == 404:
                pytest.skip("this store has no paged listing (GET /api/v1/recordings) yet")
    config = services.write_store_config(tmp_path / "srv")
    # the clock jumps 40 days: the events of the purge must outlive the pruning the retention run also does
    config.write_text(config.read_text() + "[retention]\nevents_keep_days = 100000\n")
    with footage_world.start(tmp_path / "srv", config=config) as w:
        w.user("ps", "professional_standards")
        sha = w.add_recording(clips.make("cfr_noaudio", clip_dir).path.read_bytes(), "G-1", "gone.mp4")
        with w.client("ps") as client, Library(home) as lib:
            catalog.refresh(lib, client)
            rid = catalog.recording_id_for(sha)
            ensure_local(lib, client, rid)
            later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=40)
            r = services.cli("store", "retention", "run", "--config", str(w.config), "--now", later.isoformat())
            assert r.returncode == 0, r.stderr
            report = catalog.refresh(lib, client)
            assert report.purged == [rid] and report.absent == []
            assert rid not in {v.id for v in lib.recordings()} and lib.store.find(sha) is None
            (tomb,) = purges.purges_of(lib, sha)
            ev = [e for e in lib.gov.audit.events() if e.action == "retention.store_purge"]
            assert [e.object_id for e in ev] == [rid] and ev[0].details["store_listing"] == "gone"


def test_a_recording_restored_in_the_store_comes_back_under_the_same_id(world, home):
    from reviewer.sync.footage import Footage

    with world.client("inv") as client, Library(home) as lib:
        footage = Footage(lib, client)
        try:
            footage.refresh()
            rid = catalog.recording_id_for(world.doomed)
            footage.fetch(rid)
            listener = Listener(world.server.url, world.users["inv"][1].access_token)
            later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=40)
            r = services.cli("store", "retention", "run", "--config", str(world.config), "--now", later.isoformat())
            assert r.returncode == 0, r.stderr
            footage.on_store_event(listener.next("recording_deleted", world.doomed))
            assert rid not in {v.id for v in lib.recordings()}
            world.admin("POST", f"/recordings/{world.doomed}/restore")
            footage.on_store_event(listener.next("recording_restored", world.doomed))
            back = lib.get(rid)
            assert back.availability == "remote" and back.store_state == "assigned"
            assert purges.purges_of(lib, world.doomed)  # the tombstone of the local purge stays
            opened = lib.open_recording(rid, reason="restored footage")
            assert opened.view.availability == "local" and opened.path.exists()
        finally:
            footage.close()

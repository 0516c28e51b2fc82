"""The store's retention job with a simulated clock (`reviewer store retention run --now`), on SQLite + files and
PostgreSQL + SeaweedFS: what is purged when, what evidential marks, categories and holds keep, deletion notices
to the assigned investigators (API and event stream), the restore window, and destruction, which the storage
itself refuses while an Object Lock protects the blob."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import select

from reviewer.store.config import load_config
from reviewer.store.db import open_store_database
from reviewer.store.models import AuditEvent
from reviewer.store.models_retention import Tombstone
from tests.store import services
from tests.store.retention_world import people, rstore  # noqa: F401  (fixture)
from tests.store.sse import Listener

DAY = dt.timedelta(days=1)


def run_job(store, now: dt.datetime, *extra: str):
    r = services.cli("store", "retention", "run", "--config", str(store.config), "--now", now.isoformat(), *extra)
    assert r.returncode == 0, r.stderr
    return r.stdout


def blob_store(store):
    if store.s3 is None:
        from reviewer.store.blobs.fs import FileBlobStore

        return FileBlobStore(store.home / "blobs")
    from reviewer.store.blobs.s3 import S3BlobStore

    return S3BlobStore(store.s3)


@pytest.fixture(scope="module")
def db(rstore):  # noqa: F811
    engine, sessions = open_store_database(load_config(rstore.config).db_url)
    yield sessions
    engine.dispose()


def audit_of(sessions, sha: str) -> list[tuple[str, str, str]]:
    with sessions() as s:
        return [(e.actor, e.action, e.outcome) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.object_id == sha).order_by(AuditEvent.seq))]


def test_retention_from_purge_through_restore_to_destruction(rstore, db):  # noqa: F811
    p = people(rstore)
    blobs = blob_store(rstore)
    now = dt.datetime.now(dt.timezone.utc)
    ten_days_ago = now - 10 * DAY
    plain = p.file(os.urandom(3000), started_at=ten_days_ago, name="plain.mp4")  # due R+21
    cleared = p.file(os.urandom(3001), started_at=ten_days_ago, name="cleared.mp4")  # evidential, then cleared
    held = p.file(os.urandom(3002), started_at=ten_days_ago - 400 * DAY, name="held.mp4")
    longer = p.file(os.urandom(3003), started_at=ten_days_ago, name="longer.mp4")  # category 60 days: due R+50
    unknown_start = p.file(os.urandom(3004), name="nostart.mp4")  # due 31 days after upload
    evidential = p.file(os.urandom(3005), started_at=ten_days_ago - 400 * DAY, name="evidential.mp4")
    R = dt.datetime.fromisoformat(p.ok("inv", "GET", f"/api/v1/recordings/{unknown_start}")["registered_at"])

    def mark(sha, **body):
        return p.ok("sup", "PUT", f"/api/v1/admin/recordings/{sha}/retention", json=body)

    # only supervisors mark, and the marks reach the storage as an Object Lock
    r = p.call("inv", "PUT", f"/api/v1/admin/recordings/{held}/retention", json={"legal_hold": True})
    assert r.status_code == 403
    assert mark(held, legal_hold=True)["due_at"] is None
    assert blobs.get_lock(held).legal_hold
    got = mark(evidential, evidential=True)
    assert got["rule"] == "evidential" and not got["purgeable"]
    assert blobs.get_lock(evidential).retain_until > now + 365 * DAY
    mark(cleared, evidential=True)
    assert mark(cleared, evidential=False)["purgeable"]  # cleared: back on the 31-day clock ...
    assert blobs.get_lock(cleared).retain_until > now + 365 * DAY  # ... but the compliance date stays
    assert mark(longer, category="complaint", category_days=60)["rule"] == "complaint"
    assert ("sup-" in audit_of(db, held)[-1][0], audit_of(db, held)[-1][1]) == (True, "retention_set")

    # notices: what is due within 7 days, to those who may see it (inv2 is not assigned to incident "a")
    inv, inv2 = Listener(rstore.url, p.tokens["inv"]), Listener(rstore.url, p.tokens["inv2"])
    try:
        at = R + 25 * DAY
        dry = run_job(rstore, at, "--dry-run")
        assert f"would purge {plain}" in dry and f"would notify deletion of {unknown_start}" in dry
        assert p.call("inv", "GET", f"/api/v1/recordings/{plain}").status_code == 200  # the dry run changed nothing

        out = run_job(rstore, at)
        assert f"purge {plain}" in out and f"purge {cleared}" in out and f"notify deletion of {unknown_start}" in out
        for kept in (held, longer, evidential):
            assert kept not in out
        assert "2 purged, 1 notified, 0 destroyed" in out
        assert run_job(rstore, at).splitlines()[-1].endswith("0 purged, 0 notified, 0 destroyed, 0 kept by storage")

        deleted = inv.next("recording_deleted", plain)
        assert dt.datetime.fromisoformat(deleted["data"]["restore_until"]) == at + 7 * DAY
        notice = inv.next("deletion_notice", unknown_start)
        assert dt.datetime.fromisoformat(notice["data"]["due_at"]) == R + 31 * DAY
        assert [e for e in inv2.drain() if e["data"]["sha256"] in (plain, unknown_start)] == []
    finally:
        inv.close()
        inv2.close()
    # a purged recording is gone for everyone, as if it never existed; its blob stays for the restore window
    for who in ("inv", "psd", "sup"):
        assert p.call(who, "GET", f"/api/v1/recordings/{plain}").status_code == 404
    assert blobs.exists(plain)
    assert [a for _, a, o in audit_of(db, plain) if o == "ok"][-1] == "retention_purge"

    # restore: supervisors only; then it is back, with a fresh period so the next pass does not purge it
    assert p.call("inv", "POST", f"/api/v1/admin/recordings/{plain}/restore").status_code == 403
    assert p.call("sup", "POST", f"/api/v1/admin/recordings/{held}/restore").status_code == 409
    restored = p.ok("sup", "POST", f"/api/v1/admin/recordings/{plain}/restore")
    assert restored["rule"] == "restored"
    assert p.call("inv", "GET", f"/api/v1/recordings/{plain}").status_code == 200

    # the restore window passes: destroyed, except where the storage's lock refuses
    assert f"destroy {cleared}" in run_job(rstore, at + 7 * DAY + DAY, "--dry-run")
    out = run_job(rstore, at + 7 * DAY + DAY)  # R+33: unknown_start (due R+31) is purged in the same pass
    assert f"purge {unknown_start}" in out
    assert f"kept {cleared}: blob {cleared}: deletion refused: retained until" in out
    assert blobs.exists(cleared)
    assert audit_of(db, cleared)[-1] == ("retention job", "retention_destroy", "refused")
    with db() as s:
        assert s.get(Tombstone, cleared).state == "purged"

    # an unlocked one is destroyed and the destruction recorded; it can no longer be restored
    out = run_job(rstore, R + 48 * DAY)
    assert f"destroy {unknown_start}" in out
    assert not blobs.exists(unknown_start)
    assert audit_of(db, unknown_start)[-1] == ("retention job", "retention_destroy", "ok")
    with db() as s:
        tomb = s.get(Tombstone, unknown_start)
        assert (tomb.state, tomb.destroyed_at) == ("destroyed", R + 48 * DAY)
    r = p.call("sup", "POST", f"/api/v1/admin/recordings/{unknown_start}/restore")
    assert r.status_code == 410 and "destroyed on" in r.json()["detail"]
    tombs = {t["sha256"]: t["state"] for t in p.ok("sup", "GET", "/api/v1/admin/tombstones")}
    assert tombs[unknown_start] == "destroyed" and tombs[cleared] == "purged"
    # held and evidential footage outlives all of it
    for kept in (held, evidential, longer):
        assert p.call("inv", "GET", f"/api/v1/recordings/{kept}").status_code == 200


def test_notices_list_what_is_due_soon_to_those_who_may_see_it(rstore):  # noqa: F811
    p = people(rstore)
    now = dt.datetime.now(dt.timezone.utc)
    soon = p.file(os.urandom(2000), "a", started_at=now - 27 * DAY)  # due in 4 days
    later = p.file(os.urandom(2001), "a", started_at=now - 10 * DAY)  # due in 21 days
    theirs = p.file(os.urandom(2002), "b", started_at=now - 27 * DAY)
    held = p.file(os.urandom(2003), "a", started_at=now - 27 * DAY)
    p.ok("sup", "PUT", f"/api/v1/admin/recordings/{held}/retention", json={"legal_hold": True})
    listed = {n["sha256"]: n for n in p.ok("inv", "GET", "/api/v1/notices")}
    assert soon in listed and later not in listed and theirs not in listed and held not in listed
    assert dt.datetime.fromisoformat(listed[soon]["due_at"]) == now - 27 * DAY + 31 * DAY
    assert theirs in {n["sha256"] for n in p.ok("inv2", "GET", "/api/v1/notices")}
    assert {soon, theirs} <= {n["sha256"] for n in p.ok("psd", "GET", "/api/v1/notices")}
    assert p.ok("trainer", "GET", "/api/v1/notices") == []


def test_a_locked_object_cannot_be_deleted_at_the_storage_layer(rstore):  # noqa: F811
    """Even a holder of the S3 keys, going around the store, cannot delete held or evidential footage."""
    if rstore.s3 is None:
        pytest.skip("Object Lock is the S3 backend's")
    from botocore.exceptions import ClientError

    from reviewer.store.blobs.s3 import S3BlobStore

    p = people(rstore)
    held = p.file(os.urandom(1500), "a")
    evidential = p.file(os.urandom(1501), "a")
    p.ok("sup", "PUT", f"/api/v1/admin/recordings/{held}/retention", json={"legal_hold": True})
    p.ok("sup", "PUT", f"/api/v1/admin/recordings/{evidential}/retention", json={"evidential": True})
    store = S3BlobStore(rstore.s3)
    for sha in (held, evidential):
        key = store.key(sha)
        versions = store.client.list_object_versions(Bucket=store.bucket, Prefix=key)["Versions"]
        with pytest.raises(ClientError) as refused:
            store.client.delete_object(Bucket=store.bucket, Key=key, VersionId=versions[0]["VersionId"])
        assert refused.value.response["Error"]["Code"] == "AccessDenied"
        assert store.read_bytes(sha)  # still there, and still its hash


def test_bad_retention_settings_and_times_are_one_line_errors(tmp_path):
    cfg = tmp_path / "store.toml"
    cfg.write_text('[server]\nhome = "home"\n[retention]\nnotice_days = "soon"\n')
    r = services.cli("store", "retention", "run", "--config", str(cfg))
    assert r.returncode == 1
    assert r.stderr.strip() == (f"reviewer: {cfg}: [retention]: bad value: invalid literal for int() with base 10: "
                                "'soon'")
    cfg.write_text('[server]\nhome = "home"\n')
    r = services.cli("store", "retention", "run", "--config", str(cfg), "--now", "2026-12-01T00:00")
    assert r.returncode == 2 and "--now: invalid ISO time with a zone value: '2026-12-01T00:00'" in r.stderr
    r = services.cli("store", "retention", "run", "--config", str(cfg), "--now", "2026-12-01T00:00Z", "--dry-run")
    assert r.returncode == 0 and r.stdout.strip() == ("retention dry run at 2026-12-01T00:00:00+00:00: 0 purged, "
                                                      "0 notified, 0 destroyed, 0 kept by storage")


def test_the_server_runs_the_retention_job_itself(tmp_path):
    """No command needed: the server's periodic pass purges due footage and tells the listeners."""
    config = services.write_store_config(tmp_path)
    config.write_text(config.read_text() + "[retention]\ninterval_seconds = 1\nevents_poll_seconds = 0.25\n")
    with services.store_server(config) as server:
        server.s3 = None
        p = people(server)
        listener = Listener(server.url, p.tokens["inv"])
        try:
            old = p.file(os.urandom(2500), "a", started_at=dt.datetime.now(dt.timezone.utc) - 32 * DAY)
            fresh = p.file(os.urandom(2501), "a", started_at=dt.datetime.now(dt.timezone.utc) - 1 * DAY)
            ev = listener.next("recording_deleted", old)
        finally:
            listener.close()
        assert dt.datetime.fromisoformat(ev["data"]["restore_until"]) > dt.datetime.now(dt.timezone.utc) + 6 * DAY
        assert p.call("inv", "GET", f"/api/v1/recordings/{old}").status_code == 404
        assert p.call("inv", "GET", f"/api/v1/recordings/{fresh}").status_code == 200

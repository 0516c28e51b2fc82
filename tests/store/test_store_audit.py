"""The store's own audit trail: a download writes an event naming who, what and which bytes; a refused access
writes one too; the chain verifies, and a rewritten or removed event is detected."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest
from sqlalchemy import delete, select, update

from reviewer.store import audit
from reviewer.store.config import load_config
from reviewer.store.db import open_store_database
from reviewer.store.models import AuditEvent
from tests.store.world import build


@pytest.fixture(scope="module")
def world(store):
    return build(store)


@pytest.fixture
def db(store):
    cfg = load_config(store.config)
    engine, sessions = open_store_database(cfg.db_url)
    yield sessions
    engine.dispose()


def last_event(sessions) -> AuditEvent:
    with sessions() as s:
        return s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()


def test_a_download_and_a_refusal_each_write_an_event_and_the_chain_verifies(world, db):
    rec = world.recording["mine"]
    r = world.call("investigator", "GET", f"/api/v1/recordings/{rec}/content", headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.content == world.data[rec][10:20]
    e = last_event(db)
    assert e.actor.startswith("investigator-")  # the user name the world gave its investigator
    assert (e.action, e.object_type, e.object_id, e.outcome) == ("footage_download", "recording", rec, "ok")
    assert json.loads(e.details) == {"incident": world.incident["mine"], "role": "investigator",
                                     "range": [10, 19], "bytes": 10}
    other = world.recording["other"]
    assert world.call("investigator", "GET", f"/api/v1/recordings/{other}/content").status_code == 404
    e = last_event(db)
    assert (e.action, e.object_id, e.outcome) == ("footage_download", other, "refused")
    assert json.loads(e.details)["why"] == "not visible"
    assert world.call("investigator", "GET", "/api/v1/training/clips").status_code == 403
    e = last_event(db)
    assert (e.action, e.outcome, json.loads(e.details)) == ("training_list", "refused",
                                                            {"role": "investigator", "why": "role"})
    with db() as s:
        assert audit.verify(s) >= 10  # everything the world's set-up did is in the chain too


def test_a_rewritten_or_removed_event_breaks_the_chain(tmp_path):
    engine, sessions = open_store_database(f"sqlite:///{tmp_path / 's.sqlite3'}")
    try:
        with sessions.begin() as s:
            for i in range(4):
                audit.record(s, "alice", "footage_download", "recording", f"{i:064x}")
        with sessions() as s:
            assert audit.verify(s) == 4
        with sessions.begin() as s:
            s.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="mallory"))
        with sessions() as s, pytest.raises(audit.AuditBroken, match="event 2: its content does not match its hash"):
            audit.verify(s)
        with sessions.begin() as s:
            s.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
        with sessions() as s, pytest.raises(audit.AuditBroken, match="event 3: expected sequence 2"):
            audit.verify(s)
    finally:
        engine.dispose()


def test_downloads_resume_with_range_and_if_range(world):
    rec = world.recording["mine"]
    data, url = world.data[rec], f"/api/v1/recordings/{rec}/content"
    whole = world.call("investigator", "GET", url)
    assert whole.status_code == 200 and whole.content == data and whole.headers["ETag"] == f'"{rec}"'
    assert whole.headers["Accept-Ranges"] == "bytes" and int(whole.headers["Content-Length"]) == len(data)
    etag = whole.headers["ETag"]
    rest = world.call("investigator", "GET", url, headers={"Range": "bytes=1000-", "If-Range": etag})
    assert rest.status_code == 206 and rest.headers["Content-Range"] == f"bytes 1000-{len(data) - 1}/{len(data)}"
    assert hashlib.sha256(data[:1000] + rest.content).hexdigest() == rec  # resumed copy is the footage
    tail = world.call("investigator", "GET", url, headers={"Range": "bytes=-5"})
    assert (tail.status_code, tail.content) == (206, data[-5:])
    # the partial copy is of other content: the whole file comes back, not a range of this one
    stale = world.call("investigator", "GET", url, headers={"Range": "bytes=1000-", "If-Range": '"' + "0" * 64 + '"'})
    assert stale.status_code == 200 and stale.content == data
    past = world.call("investigator", "GET", url, headers={"Range": f"bytes={len(data)}-"})
    assert past.status_code == 416 and past.headers["Content-Range"] == f"bytes */{len(data)}"


@pytest.mark.parametrize("header, expected", [
    ("bytes=0-0", (0, 1)), ("bytes=5-", (5, 5)), ("bytes=-3", (7, 3)), ("bytes=-30", (0, 10)),
    ("bytes=8-100", (8, 2)), ("bytes=10-", "unsatisfiable"), ("bytes=5-4", "unsatisfiable"),
    ("bytes=0-1,3-4", None), ("items=0-1", None), (None, None)])
def test_range_header_parsing(header, expected):
    from reviewer.store.ranges import parse_range

    assert parse_range(header, 10) == expected


def test_concurrent_requests_keep_one_unbroken_chain(world, db):
    """Many server threads append at once (PostgreSQL: an advisory lock; SQLite: BEGIN IMMEDIATE)."""
    from concurrent.futures import ThreadPoolExecutor

    rec = world.recording["mine"]
    with db() as s:
        before = audit.verify(s)
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda i: world.call("investigator" if i % 2 else "trainer", "GET",
                                                   f"/api/v1/recordings/{rec}/content").status_code, range(24)))
    assert sorted(set(codes)) == [200, 404]
    with db() as s:
        assert audit.verify(s) == before + 24


def test_an_upload_is_audited_from_creation_to_the_stored_blob(world, db):
    from tests.store.world import upload

    data = b"dock footage " + bytes(range(256))
    sha = upload(world.store, data)
    with db() as s:
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(2)).all()[::-1]
    assert [(e.actor, e.action, e.object_type) for e in events] == [
        ("test-dock", "upload_create", "upload"), ("test-dock", "upload_complete", "blob")]
    assert events[1].object_id == sha and json.loads(events[0].details) == {"sha256": sha, "length": len(data)}

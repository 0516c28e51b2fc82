"""What a workstation's sync client reads from the store: the whole visible library in pages (GET /recordings),
an `operations` event the moment operations on an incident it may see are pushed, and an events table that is
pruned without stranding a client (a `resync` event, or 410 for a stale `since`). Real server processes."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import uuid

import pytest
from sqlalchemy import select

from reviewer.store import events, events_prune
from reviewer.store.db import open_store_database
from reviewer.store.models import AuditEvent
from reviewer.store.models_retention import StoreEvent
from tests.store import services
from tests.store.retention_world import people, rstore  # noqa: F401  (fixture)
from tests.store.sse import Listener
from tests.store.test_dock import wait_for


@pytest.fixture(scope="module")
def p(rstore):  # noqa: F811
    p = people(rstore)
    p.names = {who: p.call(who, "GET", "/api/v1/auth/me").json()["name"] for who in p.tokens}
    return p


def probed(p, sha: str) -> bool:
    return p.ok("sup", "GET", f"/api/v1/recordings/{sha}/probe")["state"] != "pending"


def pages(p, who: str, limit: int, **params) -> tuple[list[dict], int, int]:
    """Every page of the listing: (recordings, the first page's event_id, number of pages)."""
    got, after, first, n = [], None, None, 0
    headers = {"Authorization": f"Bearer {p.store.token}"} if who == "dock" else None
    while True:
        q = {"limit": limit, **params, **({"after": after} if after else {})}
        if headers:
            r = __import__("httpx").get(p.store.url + "/api/v1/recordings", params=q, headers=headers, timeout=30)
            assert r.status_code == 200, r.text
            page = r.json()
        else:
            page = p.ok(who, "GET", "/api/v1/recordings", params=q)
        n += 1
        first = page["event_id"] if first is None else first
        got += page["recordings"]
        after = page["next_after"]
        if after is None:
            return got, first, n


def test_the_listing_pages_every_visible_recording_once_and_nothing_else(p):
    a = {p.file(os.urandom(3000 + i), "a", name=f"a{i}.mp4"): f"a{i}.mp4" for i in range(5)}
    b = {p.file(os.urandom(4000 + i), "b", name=f"b{i}.mp4"): f"b{i}.mp4" for i in range(3)}
    wait_for(lambda: all(probed(p, sha) for sha in [*a, *b]), "every probe")
    inv, event_id, n = pages(p, "inv", 2)
    assert [r["sha256"] for r in inv] == sorted(a) and n == 3  # in order, each once, 2 + 2 + 1
    row = next(r for r in inv if r["sha256"] == min(a))
    assert row["file_name"] == a[min(a)] and row["size"] == 3000 + int(a[min(a)][1])
    assert row["incident_id"] == p.incident["a"] and row["camera"] == "BWV-9"
    assert row["probe"]["state"] == "failed" and row["thumbnail_url"] is None  # random bytes are not video
    assert [r["sha256"] for r in pages(p, "inv2", 1)[0]] == sorted(b)
    assert set(a) | set(b) <= {r["sha256"] for r in pages(p, "psd", 500)[0]}
    assert pages(p, "trainer", 500)[0] == [] and pages(p, "dock", 500)[0] == []
    # what changed after the first page's event id, and only that: a new recording, then its probe
    new = p.file(os.urandom(3100), "a", name="new.mp4")
    wait_for(lambda: probed(p, new), "the new recording's probe")
    since, _, _ = pages(p, "inv", 500, since=event_id)
    assert [r["sha256"] for r in since] == [new]
    assert pages(p, "inv2", 500, since=event_id)[0] == []
    r = p.call("inv", "GET", "/api/v1/recordings", params={"after": "not-a-sha"})
    assert r.status_code == 422


def operation(p, who: str, incident: str) -> dict:
    return {"op_id": str(uuid.uuid4()), "kind": "bookmark.create", "hlc": {"wall_ms": 1_764_320_000_000, "counter": 0},
            "actor": p.names[who], "workstation": f"ws-{who}", "scope": {"type": "incident", "id": incident},
            "entity": {"type": "bookmark", "id": str(uuid.uuid4())}, "payload": {"pts": 512}}


def test_pushed_operations_wake_every_listener_that_may_see_the_incident(p):
    listeners = {who: Listener(p.store.url, p.tokens[who]) for who in ("inv", "sup", "psd", "inv2", "trainer")}
    try:
        start = time.monotonic()
        acks = p.ok("inv", "POST", "/api/v1/operations", json={"operations": [
            operation(p, "inv", p.incident["a"]), operation(p, "inv", p.incident["a"])]})["results"]
        seqs = [a["seq"] for a in acks]
        for who in ("inv", "sup", "psd"):
            ev = listeners[who].next("operations")
            assert ev["data"]["incident_id"] == p.incident["a"]
            assert (ev["data"]["first_seq"], ev["data"]["last_seq"], ev["data"]["count"]) == (seqs[0], seqs[1], 2)
        woke = time.monotonic() - start
        # one batch over two incidents: one event for each, each to those who may see it
        acks = p.ok("psd", "POST", "/api/v1/operations", json={"operations": [
            operation(p, "psd", p.incident["a"]), operation(p, "psd", p.incident["b"])]})["results"]
        got = [listeners["psd"].next("operations"), listeners["psd"].next("operations")]
        assert {(e["data"]["incident_id"], e["data"]["last_seq"]) for e in got} == \
            {(p.incident["a"], acks[0]["seq"]), (p.incident["b"], acks[1]["seq"])}
        assert listeners["inv2"].next("operations")["data"]["incident_id"] == p.incident["b"]
        assert all(e["data"]["incident_id"] != p.incident["a"] for e in listeners["inv2"].seen)
        assert listeners["trainer"].seen == []
    finally:
        for listener in listeners.values():
            listener.close()
    print(f"\noperations event reached three listeners {woke * 1000:.0f} ms after the push was sent")


def test_a_resent_batch_emits_no_event(p):
    ops = [operation(p, "inv", p.incident["a"])]
    p.ok("inv", "POST", "/api/v1/operations", json={"operations": ops})
    with Listener(p.store.url, p.tokens["inv"]) as listener:
        again = p.ok("inv", "POST", "/api/v1/operations", json={"operations": ops})["results"]
        assert again[0]["status"] == "already_applied"
        marker = p.file(os.urandom(2900), "a")  # a later event: once it arrives, an earlier one would have
        listener.next("recording_registered", marker)
        assert all(e["event"] != "operations" for e in listener.seen)


# ---- pruning --------------------------------------------------------------------------------------------------
def test_old_events_are_pruned_and_a_client_behind_them_is_told_to_list_again(p):
    with Listener(p.store.url, p.tokens["inv"]) as first:
        old = p.file(os.urandom(3300), "a")
        ev_old = first.next("recording_registered", old)
        first.next("recording_probed", old)
    mid = dt.datetime.now(dt.timezone.utc)
    with Listener(p.store.url, p.tokens["inv"]) as second:
        new = p.file(os.urandom(3301), "a")
        ev_new = second.next("recording_registered", new)
        second.next("recording_probed", new)
    # the pruning pass the server runs, 30 days (the default) after `mid`: what came before goes, the rest stays
    engine, sessions = open_store_database(services_db_url(p.store))
    try:
        pruned = events_prune.prune(sessions, 30, mid + dt.timedelta(days=30))
    finally:
        engine.dispose()
    assert pruned >= 2
    stale = p.call("inv", "GET", "/api/v1/recordings", params={"since": ev_old["id"]})
    assert stale.status_code == 410 and "list again without `since`" in stale.json()["detail"]
    assert new in {r["sha256"] for r in p.ok("inv", "GET", "/api/v1/recordings",
                                             params={"since": ev_new["id"] - 1})["recordings"]}
    with Listener(p.store.url, p.tokens["inv"], last_event_id=ev_old["id"]) as behind:
        resync = behind.next()
        assert resync["event"] == "resync" and ev_old["id"] < resync["id"] < ev_new["id"]
        assert resync["data"]["pruned_through"] == resync["id"]
        assert behind.next("recording_registered", new)["id"] == ev_new["id"]  # kept, and sent after it
    with Listener(p.store.url, p.tokens["inv"], last_event_id=ev_new["id"] - 1) as current:
        assert current.next("recording_registered", new)["id"] == ev_new["id"]
        assert all(e["event"] != "resync" for e in current.seen)
    engine, sessions = open_store_database(services_db_url(p.store))
    try:
        with sessions() as s:
            assert s.get(StoreEvent, ev_old["id"]) is None and s.get(StoreEvent, ev_new["id"]) is not None
            [audited] = s.scalars(select(AuditEvent).where(AuditEvent.action == "events_prune")).all()
            assert json.loads(audited.details)["deleted"] == pruned
    finally:
        engine.dispose()


def test_a_retention_run_with_a_simulated_clock_prunes_by_the_real_one(p):
    """`store retention run --now FUTURE` must not prune the events it (or anyone) has just written."""
    with Listener(p.store.url, p.tokens["inv"]) as listener:
        sha = p.file(os.urandom(3400), "a")
        ev = listener.next("recording_registered", sha)
    r = services.cli("store", "retention", "run", "--now", "2099-01-01T00:00Z", "--config", str(p.store.config))
    assert r.returncode == 0, r.stderr
    assert [ln for ln in r.stdout.splitlines() if ln.startswith("events: ")] == ["events: 0 older than 30 days pruned"]
    with Listener(p.store.url, p.tokens["inv"], last_event_id=ev["id"] - 1) as again:
        assert again.next("recording_registered", sha)["id"] == ev["id"]


def services_db_url(store) -> str:
    from reviewer.store.config import load_config

    return load_config(store.config).db_url


def test_pruning_never_passes_a_cursor_still_being_served(tmp_path):
    engine, sessions = open_store_database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        with sessions.begin() as s:
            for i in range(5):
                events.emit(s, "recording_changed", f"{i:064x}", "inc")
        with sessions() as s:
            ids = s.scalars(select(StoreEvent.id).order_by(StoreEvent.id)).all()
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=31)
        events_prune.track(1, ids[1])  # a stream of this process still at the second event
        try:
            assert events_prune.prune(sessions, 30, later, events_prune.live_floor()) == 2
        finally:
            events_prune.track(1, None)
        with sessions() as s:
            assert events_prune.horizon(s) == ids[1]
            assert s.scalars(select(StoreEvent.id).where(StoreEvent.kind != "events_pruned")).all() == ids[2:]
        assert events_prune.live_floor() is None
        assert events_prune.prune(sessions, 30, later) == 3
        assert events_prune.prune(sessions, 30, later) == 0  # nothing more; the marker is not counted
        with sessions.begin() as s:
            events.emit(s, "recording_changed", "f" * 64, "inc")
        with sessions() as s:
            assert events_prune.horizon(s) == ids[-1] and events.latest_id(s) > ids[-1]
            # events of the last 30 days stay whatever the floor
        assert events_prune.prune(sessions, 30, dt.datetime.now(dt.timezone.utc)) == 0
    finally:
        engine.dispose()


def test_the_server_prunes_in_the_background(tmp_path):
    config = services.write_store_config(tmp_path / "srv")
    config.write_text(config.read_text() + "[retention]\ninterval_seconds = 0.5\nevents_keep_days = 0.00002\n")
    with services.store_server(config) as server:
        code = services.add_user(config, "sup-" + os.urandom(3).hex(), "supervisor")
        token = services.enrol(server.url, code)["access_token"]
        import httpx

        h = {"Authorization": f"Bearer {token}"}
        inc = httpx.post(server.url + "/api/v1/admin/incidents", json={"reference": "r"}, headers=h, timeout=30)
        from tests.store.world import upload

        sha = upload(server, os.urandom(1000))
        r = httpx.post(server.url + "/api/v1/admin/recordings", headers=h, timeout=30,
                       json={"sha256": sha, "incident_id": inc.json()["id"], "file_name": "x.mp4"})
        assert r.status_code == 201, r.text
        # kept about 1.7 s, pruned by the server's own periodic pass: a `since` from before is then stale
        wait_for(lambda: httpx.get(server.url + "/api/v1/recordings", params={"since": 0}, headers=h,
                                   timeout=30).status_code == 410, "the background pass to prune")
    engine, sessions = open_store_database(services_db_url(server))
    try:
        with sessions() as s:
            done = s.scalars(select(AuditEvent).where(AuditEvent.action == "events_prune")).all()
            assert done and all(e.actor == "events pruning" for e in done)
    finally:
        engine.dispose()

"""The operations endpoint (ADR 0013): idempotent batches with client ids, one global sequence, changes since a
cursor in pages, and only what the caller may see; against the real server on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.store.world import build


@pytest.fixture(scope="module")
def world(store):
    w = build(store)
    w.names = {role: w.call(role, "GET", "/api/v1/auth/me").json()["name"] for role in w.tokens}
    return w


def op(world, who, scope_type, scope_id, n=0, **over):
    body = {"op_id": str(uuid.uuid4()), "kind": "bookmark.create", "hlc": {"wall_ms": 1_764_320_000_000 + n,
                                                                         "counter": 0},
            "actor": world.names[who], "workstation": f"ws-{who}", "scope": {"type": scope_type, "id": scope_id},
            "entity": {"type": "bookmark", "id": str(uuid.uuid4())}, "revision_seen": None,
            "payload": {"pts": 512 * n, "label": f"moment {n}"}}
    return {**body, **over}


def store_audit(world, object_id: str):
    """The store's own audit events about `object_id`, read from its database; the chain must still verify."""
    from sqlalchemy import select

    from reviewer.store import audit
    from reviewer.store.config import load_config
    from reviewer.store.db import open_store_database
    from reviewer.store.models import AuditEvent

    engine, sessions = open_store_database(load_config(world.store.config).db_url)
    try:
        with sessions() as s:
            assert audit.verify(s) > 0
            return s.scalars(select(AuditEvent).where(AuditEvent.object_id == object_id)
                             .order_by(AuditEvent.seq)).all()
    finally:
        engine.dispose()


def push(world, who, ops):
    return world.call(who, "POST", "/api/v1/operations", json={"operations": ops})


def pull_all(world, who, since, limit=500):
    got, pages = [], 0
    while True:
        r = world.call(who, "GET", "/api/v1/changes", params={"since": since, "limit": limit})
        assert r.status_code == 200, r.text
        body = r.json()
        got += body["operations"]
        pages += 1
        since = body["cursor"]
        if not body["more"]:
            return got, since, pages


def test_a_resent_batch_changes_nothing_and_is_acknowledged_as_already_applied(world):
    inc = world.incident["mine"]
    ops = [op(world, "investigator", "incident", inc, n) for n in range(3)]
    first = push(world, "investigator", ops)
    assert first.status_code == 200, first.text
    acks = first.json()["results"]
    assert [a["status"] for a in acks] == ["applied"] * 3
    seqs = [a["seq"] for a in acks]
    assert seqs == list(range(seqs[0], seqs[0] + 3))  # one global sequence, in batch order
    before, cursor, _ = pull_all(world, "investigator", seqs[0] - 1)

    again = push(world, "investigator", ops)
    assert again.status_code == 200
    assert again.json()["results"] == [{**a, "status": "already_applied"} for a in acks]
    after, _, _ = pull_all(world, "investigator", seqs[0] - 1)
    assert after == before  # nothing new was stored

    # a new op beside a reused id with other content: the whole batch is refused, the new op too
    fresh = op(world, "investigator", "incident", inc, 9)
    reused = {**ops[0], "payload": {"pts": 0, "label": "edited"}}
    r = push(world, "investigator", [fresh, reused])
    assert r.status_code == 409
    assert r.json()["detail"] == f"operation {ops[0]['op_id']}: this id is already used by a different operation"
    assert pull_all(world, "investigator", cursor)[0] == []

    events = store_audit(world, f"{seqs[0]}-{seqs[-1]}")
    assert [(e.action, e.outcome) for e in events] == [("operations_push", "ok")]  # the resend wrote nothing
    assert json.loads(events[0].details) == {"role": "investigator", "applied": 3, "already_applied": 0,
                                             "incidents": [inc]}

    stored = {o["op_id"]: o for o in before}
    for sent, ack in zip(ops, acks):
        o = stored[sent["op_id"]]
        assert {k: o[k] for k in sent} == sent  # the envelope comes back exactly as sent
        assert (o["seq"], o["submitted_by"]) == (ack["seq"], world.names["investigator"])


def test_someone_else_as_actor_is_refused(world):
    r = push(world, "investigator", [op(world, "investigator", "incident", world.incident["mine"],
                                        actor=world.names["supervisor"])])
    assert r.status_code == 403
    assert r.json()["detail"].endswith(f"actor {world.names['supervisor']!r} is not the signed-in user "
                                       f"{world.names['investigator']!r}")


def test_changes_page_through_a_cursor_in_order_without_repeats(world):
    inc = world.incident["mine"]
    acks = push(world, "supervisor", [op(world, "supervisor", "incident", inc, n) for n in range(7)]).json()
    seqs = [a["seq"] for a in acks["results"]]
    got, cursor, pages = pull_all(world, "supervisor", seqs[0] - 1, limit=3)
    mine = [o["seq"] for o in got if o["seq"] in seqs]
    assert mine == seqs and pages >= 3 and cursor >= seqs[-1]
    assert [o["seq"] for o in got] == sorted({o["seq"] for o in got})
    r = world.call("supervisor", "GET", "/api/v1/changes", params={"since": cursor})
    assert r.json() == {"operations": [], "cursor": cursor, "more": False}


def test_changes_hold_only_what_the_role_may_see(world):
    other = world.incident["other"]
    on_mine = op(world, "investigator", "recording", world.recording["mine"], 1)
    on_other = op(world, "professional_standards", "incident", other, 2)
    on_other_rec = op(world, "professional_standards", "recording", world.recording["other"], 3)
    a = push(world, "investigator", [on_mine]).json()["results"][0]["seq"]
    assert push(world, "professional_standards", [on_other, on_other_rec]).status_code == 200
    ids = {on_mine["op_id"]: "mine", on_other["op_id"]: "other", on_other_rec["op_id"]: "other"}

    def seen(who):
        got, _, _ = pull_all(world, who, a - 1)
        return sorted(ids[o["op_id"]] for o in got if o["op_id"] in ids)

    assert seen("investigator") == ["mine"]
    assert seen("supervisor") == ["mine"]  # administers, but reads only what it is assigned
    assert seen("professional_standards") == ["mine", "other", "other"]
    for role in ("trainer", "dock"):
        assert world.call(role, "GET", "/api/v1/changes").status_code == 403
    # pushing to what one may not see answers as for an incident that does not exist
    r = push(world, "investigator", [op(world, "investigator", "incident", other)])
    n = push(world, "investigator", [op(world, "investigator", "incident", world.incident["none"])])
    assert (r.status_code, n.status_code) == (404, 404)
    assert r.json()["detail"].replace(other, "ID") == n.json()["detail"].replace(world.incident["none"], "ID") \
        == "incident ID: not found"


def test_concurrent_batches_get_one_gapless_sequence_and_lose_nothing(world):
    """Many server threads push at once: sequences are assigned and committed in order (PostgreSQL: an advisory
    lock; SQLite: BEGIN IMMEDIATE), so a reader following the cursor can never step over one still committing."""
    from concurrent.futures import ThreadPoolExecutor

    inc = world.incident["mine"]
    batches = [[op(world, who, "incident", inc, n) for n in range(4)]
               for who in ("investigator", "supervisor") * 6]

    def send(batch):
        r = push(world, "investigator" if batch[0]["actor"] == world.names["investigator"] else "supervisor", batch)
        assert r.status_code == 200, r.text
        return r.json()["results"]

    with ThreadPoolExecutor(8) as pool:
        acks = [a for results in pool.map(send, batches) for a in results]
    seqs = sorted(a["seq"] for a in acks)
    assert len(set(seqs)) == 48
    got, _, _ = pull_all(world, "supervisor", seqs[0] - 1)
    mine = {o["op_id"]: o["seq"] for o in got}
    assert all(mine.get(a["op_id"]) == a["seq"] for a in acks)  # every acknowledged op, at its acked seq
    in_range = [o["seq"] for o in got if o["seq"] <= seqs[-1]]
    assert in_range == list(range(seqs[0], seqs[-1] + 1))  # no gap, no repeat


def test_a_lost_acknowledgement_is_resent_through_a_faulty_network_without_duplicates(world):
    """The batch is committed but the answer never arrives (the connection is cut on its way back); the client
    sends the same batch again and is told it was already applied, with the same sequences."""
    import threading
    import time
    from urllib.parse import urlsplit

    import httpx

    from tests.store.faultproxy import FaultProxy

    ops = [op(world, "investigator", "incident", world.incident["mine"], n) for n in range(5)]
    outcome = {}
    start = pull_all(world, "investigator", 0)[1]
    with FaultProxy(urlsplit(world.store.url).port) as proxy:
        proxy.set_delay(2.0)  # each forwarded read waits: a window between the commit and the answer

        def send():
            try:
                outcome["response"] = httpx.post(proxy.url + "/api/v1/operations", json={"operations": ops},
                                                 headers=world.h("investigator"), timeout=60)
            except httpx.HTTPError as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=send)
        thread.start()
        deadline = time.monotonic() + 60
        while True:  # straight to the server: is the batch stored yet?
            got, _, _ = pull_all(world, "investigator", start)
            stored = {o["op_id"]: o["seq"] for o in got if o["op_id"] in {x["op_id"] for x in ops}}
            if stored:
                break
            assert time.monotonic() < deadline and thread.is_alive()
            time.sleep(0.05)
        proxy.cut_all()
        thread.join(60)
        assert "error" in outcome, "the answer got through: the cut came too late to test a lost acknowledgement"
        proxy.passing()
        r = httpx.post(proxy.url + "/api/v1/operations", json={"operations": ops}, headers=world.h("investigator"),
                       timeout=60)
    assert r.status_code == 200
    assert {a["op_id"]: (a["seq"], a["status"]) for a in r.json()["results"]} == \
        {k: (v, "already_applied") for k, v in stored.items()}
    assert len(stored) == len(ops)  # the batch was stored whole


def test_a_kind_the_role_may_not_perform_is_refused_and_changes_are_stamped_with_the_role(world):
    """The store referees kinds by the caller's role (reviewer.ops.kinds, the table the workstations apply
    with), and hands each operation out with the role it was accepted under, which workstations re-check."""
    inc = world.incident["mine"]
    unknown = op(world, "investigator", "incident", inc, 1, kind="bogus.kind")
    r = push(world, "investigator", [unknown])
    assert r.status_code == 403 and "bogus.kind" in r.json()["detail"]
    events = store_audit(world, unknown["op_id"])
    assert [(e.action, e.outcome) for e in events] == [("operations_push", "refused")]
    good = op(world, "investigator", "incident", inc, 2)
    assert push(world, "investigator", [good]).status_code == 200
    got, _, _ = pull_all(world, "investigator", 0)
    mine = [o for o in got if o["op_id"] == good["op_id"]]
    assert [o["submitted_role"] for o in mine] == ["investigator"]
    assert not any(o["op_id"] == unknown["op_id"] for o in got)

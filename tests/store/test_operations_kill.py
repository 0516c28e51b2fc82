"""kill -9 of the store while operations batches are arriving loses nothing acknowledged, and leaves no batch
half-stored (issue 10, section 5), on SQLite and on PostgreSQL."""

from __future__ import annotations

import signal
import threading
import time
import uuid

import httpx
import pytest

from tests.store import services


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request):
    return None if request.param == "sqlite" else request.getfixturevalue("pg_database")


def batch(actor: str, incident: str, n: int) -> list[dict]:
    return [{"op_id": str(uuid.uuid4()), "kind": "bookmark.create", "hlc": {"wall_ms": 1_764_320_000_000 + i,
                                                                         "counter": 0},
             "actor": actor, "workstation": "ws-kill", "scope": {"type": "incident", "id": incident},
             "entity": {"type": "bookmark", "id": str(uuid.uuid4())}, "payload": {"i": i}} for i in range(n)]


def test_a_killed_store_keeps_every_acknowledged_operation(tmp_path, database_url):
    config = services.write_store_config(tmp_path / "srv", database_url=database_url)
    sent: list[list[dict]] = []
    acked: dict[str, int] = {}
    with services.store_server(config) as first:
        tokens = {}
        for name, role in (("boss", "supervisor"), ("psd", "professional_standards")):
            tokens[name] = services.enrol(first.url, services.add_user(config, name, role))["access_token"]
        auth = {"Authorization": f"Bearer {tokens['psd']}"}
        r = httpx.post(first.url + "/api/v1/admin/incidents", json={"reference": "kill"}, timeout=30,
                       headers={"Authorization": f"Bearer {tokens['boss']}"})
        incident = r.json()["id"]

        def pusher():
            with httpx.Client(base_url=first.url, headers=auth, timeout=30) as client:
                while True:
                    ops = batch("psd", incident, 40)
                    sent.append(ops)
                    try:
                        r = client.post("/api/v1/operations", json={"operations": ops})
                    except httpx.HTTPError:
                        return  # the server is gone mid-batch: this one was never acknowledged
                    assert r.status_code == 200, r.text
                    acked.update({a["op_id"]: a["seq"] for a in r.json()["results"]})

        thread = threading.Thread(target=pusher)
        thread.start()
        deadline = time.monotonic() + 120
        while len(acked) < 200:
            assert time.monotonic() < deadline and thread.is_alive()
            time.sleep(0.01)
        services.stop(first.proc, signal.SIGKILL)
        thread.join(60)
    with services.store_server(config) as second:
        with httpx.Client(base_url=second.url, headers=auth, timeout=30) as client:
            got, since = {}, 0
            while True:
                body = client.get("/api/v1/changes", params={"since": since, "limit": 1000}).json()
                got.update({o["op_id"]: o["seq"] for o in body["operations"]})
                since = body["cursor"]
                if not body["more"]:
                    break
            assert {k: got.get(k) for k in acked} == acked  # every acknowledged op, at the seq it was given
            assert sorted(got.values()) == list(range(1, len(got) + 1))
            for ops in sent:  # each batch is wholly stored or wholly absent
                assert len({op["op_id"] in got for op in ops}) == 1
            last = sent[-1]  # the client resends what it was never told about: it completes, exactly once
            r = client.post("/api/v1/operations", json={"operations": last})
            assert r.status_code == 200
            stored_before = last[0]["op_id"] in got
            assert {a["status"] for a in r.json()["results"]} == {"already_applied" if stored_before else "applied"}

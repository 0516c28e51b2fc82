"""Two store processes sharing one PostgreSQL and one S3 (issue 10, scale-out): an upload's state lives only in
those two, so its PATCHes may go to either process, and its one-writer lock is in the database. Workstations
pushing operations and pulling /changes through either process at random end with the log one process gives."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest

from tests.store import services

MiB = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def pair(pg_database, s3_settings, tmp_path):
    """Two servers on different ports: one database, one bucket, one signing key, but each its own local folder
    for anything staged, as on two machines."""
    config = services.write_store_config(tmp_path / "srv", database_url=pg_database, s3=s3_settings)
    configs = []
    for name in ("a", "b"):
        own = config.with_name(f"store-{name}.toml")
        own.write_text(config.read_text().replace("[uploads]\n", f'[uploads]\nstaging = "staging-{name}"\n'))
        configs.append(own)
    with services.store_server(configs[0]) as a, services.store_server(configs[1]) as b:
        a.s3 = b.s3 = s3_settings
        a.kind = b.kind = "production"
        yield a, b


def create(server, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    r = httpx.post(server.uploads, timeout=30, headers={
        **TUS, **server.auth, "Upload-Length": str(len(data)),
        "Upload-Metadata": "sha256 " + base64.b64encode(sha.encode()).decode()})
    assert r.status_code == 201, r.text
    return urlsplit(r.headers["Location"]).path


def patch(server, path: str, offset: int, body: bytes) -> httpx.Response:
    return httpx.patch(server.url + path, content=body, timeout=120, headers={
        **TUS, **server.auth, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})


def offset_on(server, path: str) -> int:
    r = httpx.head(server.url + path, headers={**TUS, **server.auth}, timeout=30)
    assert r.status_code == 200, r.text
    return int(r.headers["Upload-Offset"])


def test_patches_alternating_between_two_processes_complete_and_verify(pair):
    a, b = pair
    # 2 whole S3 parts (8 MiB) and a short last one; PATCHes of 3 MiB leave tails that the other process continues
    data = os.urandom(2 * 8 * MiB + 1234567)
    sha = hashlib.sha256(data).hexdigest()
    path = create(a, data)
    offset, turn = 0, 0
    while offset < len(data):
        server, other = (a, b) if turn % 2 == 0 else (b, a)
        r = patch(server, path, offset, data[offset:offset + 3 * MiB])
        assert r.status_code == 204, r.text
        offset = int(r.headers["Upload-Offset"])
        assert offset_on(other, path) == offset  # the other process sees exactly what this one acknowledged
        turn += 1
    assert offset == len(data) and turn >= 6
    for server in (a, b):
        info = httpx.get(f"{server.url}/api/v1/blobs/{sha}", headers=server.auth, timeout=30)
        assert info.status_code == 200 and info.json()["size"] == len(data)
    from reviewer.store.blobs.s3 import S3BlobStore

    assert S3BlobStore(a.s3).read_bytes(sha) == data  # read() re-hashes: the object is exactly the file


def test_a_wrong_file_sent_through_two_processes_is_refused_and_nothing_stored(pair):
    a, b = pair
    data = os.urandom(9 * MiB)
    path = create(a, data)
    assert patch(a, path, 0, data[:5 * MiB]).status_code == 204
    tampered = bytearray(data[5 * MiB:])
    tampered[-1] ^= 1
    r = patch(b, path, 5 * MiB, bytes(tampered))
    assert r.status_code == 460, r.text
    assert httpx.head(a.url + path, headers={**TUS, **a.auth}, timeout=30).status_code == 410
    from reviewer.store.blobs.s3 import S3BlobStore

    assert not S3BlobStore(a.s3).exists(hashlib.sha256(data).hexdigest())


def test_concurrent_patches_on_two_processes_get_423_for_one(pair):
    a, b = pair
    data = os.urandom(2 * MiB)
    path = create(a, data)
    u = urlsplit(a.url)
    with socket.create_connection((u.hostname, u.port), timeout=30) as slow:
        # a PATCH on A that has sent its headers and 1000 bytes of a 2 MiB body: A holds the upload
        slow.sendall((f"PATCH {path} HTTP/1.1\r\nHost: {u.netloc}\r\nTus-Resumable: 1.0.0\r\n"
                      f"Authorization: {a.auth['Authorization']}\r\n"
                      f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                      f"Content-Length: {len(data)}\r\n\r\n").encode() + data[:1000])
        deadline = time.monotonic() + 60
        while True:  # an empty PATCH on B is harmless if it gets in first; once A holds the upload: 423
            second = patch(b, path, 0, b"")
            if second.status_code == 423:
                break
            assert second.status_code == 204 and time.monotonic() < deadline, second.text
            time.sleep(0.05)
        assert "another request is writing to it" in second.json()["detail"]
    # A's connection is cut: it keeps the 1000 bytes, releases the lock, and B continues the upload
    deadline = time.monotonic() + 60
    while offset_on(b, path) != 1000:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    done = patch(b, path, 1000, data[1000:])
    assert done.status_code == 204, done.text
    assert int(done.headers["Upload-Offset"]) == len(data)


# ---- operations through two processes at random --------------------------------------------------------------
ACCESS = {"w1": "A", "w2": "A", "w3": "B", "w4": "AB"}  # workstation (its investigator) -> incidents assigned


@dataclass
class Deployment:
    urls: list[str]  # the processes a workstation may reach (one, or the pair)
    tokens: dict
    incidents: dict  # "A"/"B" -> id in this deployment

    def call(self, who: str, method: str, path: str, url: str, **kw) -> httpx.Response:
        return httpx.request(method, url + path, headers={"Authorization": f"Bearer {self.tokens[who]}"},
                             timeout=60, **kw)


def populate(server, config, urls: list[str]) -> Deployment:
    """A supervisor (CLI), two incidents and one investigator per workstation, as an administrator would."""
    code = services.add_user(config, "sup-ops", "supervisor")
    d = Deployment(urls, {"sup": services.enrol(server.url, code)["access_token"]}, {})
    for key in "AB":
        d.incidents[key] = d.call("sup", "POST", "/api/v1/admin/incidents", server.url, json={"reference": key}) \
            .json()["id"]
    for w, assigned in ACCESS.items():
        got = d.call("sup", "POST", "/api/v1/admin/users", server.url, json={"name": w, "role": "investigator"})
        d.tokens[w] = services.enrol(server.url, got.json()["enrolment_code"])["access_token"]
        for key in assigned:
            r = d.call("sup", "PUT", f"/api/v1/admin/incidents/{d.incidents[key]}/assignments/{got.json()['id']}",
                       server.url)
            assert r.status_code == 204, r.text
    return d


def new_batch(rng: random.Random, w: str, step: int) -> list[dict]:
    """Operations with the workstation's own ids; `scope.id` holds the incident's key until sent."""
    return [{"op_id": str(uuid.UUID(int=rng.getrandbits(128))), "kind": "bookmark.create",
             "hlc": {"wall_ms": 1_764_320_000_000 + step, "counter": i}, "actor": w, "workstation": f"ws-{w}",
             "scope": {"type": "incident", "id": rng.choice(ACCESS[w])},
             "entity": {"type": "bookmark", "id": f"{w}-{step}-{i}"}, "payload": {"pts": step * 512 + i}}
            for i in range(rng.randint(1, 4))]


def push(d: Deployment, w: str, batch: list[dict], url: str) -> list[tuple]:
    sent = [{**op, "scope": {"type": "incident", "id": d.incidents[op["scope"]["id"]]}} for op in batch]
    r = d.call(w, "POST", "/api/v1/operations", url, json={"operations": sent})
    assert r.status_code == 200, r.text
    return [(a["op_id"], a["seq"], a["status"]) for a in r.json()["results"]]


def pull(d: Deployment, w: str, since: int, url: str, limit: int = 500) -> tuple[list[tuple], int]:
    """One page of /changes: ([(seq, op_id, actor, incident key)], next cursor)."""
    r = d.call(w, "GET", "/api/v1/changes", url, params={"since": since, "limit": limit})
    assert r.status_code == 200, r.text
    key = {v: k for k, v in d.incidents.items()}
    body = r.json()
    return [(o["seq"], o["op_id"], o["actor"], key[o["scope"]["id"]]) for o in body["operations"]], body["cursor"]


def pull_all(d: Deployment, w: str, rng: random.Random, limit: int) -> list[tuple]:
    got, since = [], 0
    while True:
        page, since = pull(d, w, since, rng.choice(d.urls), limit)
        if not page:
            return got
        got += page


def run_script(d: Deployment, seed: int) -> dict:
    """The same workstations' session, step by step, each request to a process chosen at random: pushes, resends
    of an earlier batch (to the other process, as after a lost answer) and pulls from each one's cursor."""
    rng, route = random.Random(seed), random.Random(seed + 1)
    acks, pulled, cursors, sent = [], {w: [] for w in ACCESS}, dict.fromkeys(ACCESS, 0), {w: [] for w in ACCESS}
    for step in range(40):
        w = rng.choice(list(ACCESS))
        if sent[w] and rng.random() < 0.25:
            acks.append(push(d, w, rng.choice(sent[w]), route.choice(d.urls)))
        else:
            sent[w].append(new_batch(rng, w, step))
            acks.append(push(d, w, sent[w][-1], route.choice(d.urls)))
        reader = rng.choice(list(ACCESS))
        page, cursors[reader] = pull(d, reader, cursors[reader], route.choice(d.urls))
        pulled[reader] += page
    for w in ACCESS:  # each catches up, then reads the whole log again in small pages
        while True:
            page, cursors[w] = pull(d, w, cursors[w], route.choice(d.urls), limit=3)
            if not page:
                break
            pulled[w] += page
    return {"acks": acks, "pulled": pulled, "full": {w: pull_all(d, w, route, 7) for w in ACCESS}}


def expected_log(acks: list[list[tuple]], batches_by_op: dict, w: str) -> list[tuple]:
    return sorted({(seq, op, batches_by_op[op][0], batches_by_op[op][1]) for batch in acks for op, seq, _ in batch
                   if batches_by_op[op][1] in ACCESS[w]})


@pytest.fixture
def single(pg, tmp_path):
    """One store process on a database of its own: the reference run."""
    import sqlalchemy as sa

    name = "single" + os.urandom(4).hex()
    admin = sa.create_engine(pg.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    config = services.write_store_config(tmp_path / "one", database_url=pg.url.rsplit("/", 1)[0] + "/" + name)
    with services.store_server(config) as server:
        yield server, config


def test_operations_through_two_processes_at_random_end_as_with_one(pair, single):
    a, b = pair
    two = run_script(populate(a, a.config, [a.url, b.url]), seed=11)
    one = run_script(populate(single[0], single[1], [single[0].url]), seed=11)
    assert two == one  # acknowledgements (sequence and status of each), every page pulled, the whole log
    ops = {}
    for batch in two["acks"]:
        for op, seq, status in batch:
            assert ops.setdefault(op, seq) == seq  # a resend names the sequence given the first time
    assert sorted(ops.values()) == list(range(1, len(ops) + 1))  # one gapless sequence
    assert any(status == "already_applied" for batch in two["acks"] for *_, status in batch)
    for w in ACCESS:
        log = two["full"][w]
        assert two["pulled"][w] == log  # the cursor missed nothing and repeated nothing
        assert [e[0] for e in log] == sorted({e[0] for e in log})
        assert {e[3] for e in log} <= set(ACCESS[w])
    assert [e[0] for e in two["full"]["w4"]] == list(range(1, len(ops) + 1))  # w4 sees both incidents


def test_concurrent_workstations_on_two_processes_pull_every_operation_once(pair):
    a, b = pair
    d = populate(a, a.config, [a.url, b.url])
    acks, pulled, errors = {w: [] for w in ACCESS}, {w: [] for w in ACCESS}, []
    incident_of = {}

    def workstation(w: str, seed: int):
        rng = random.Random(seed)
        cursor = 0
        try:
            for step in range(15):
                batch = new_batch(rng, w, step)
                incident_of.update({op["op_id"]: (w, op["scope"]["id"]) for op in batch})
                acks[w].append(push(d, w, batch, rng.choice(d.urls)))
                page, cursor = pull(d, w, cursor, rng.choice(d.urls), limit=rng.randint(1, 10))
                pulled[w] += page
            while True:
                page, cursor = pull(d, w, cursor, rng.choice(d.urls), limit=5)
                if not page:
                    return
                pulled[w] += page
        except BaseException as exc:  # noqa: BLE001  (reported by the test, not lost in a thread)
            errors.append(f"{w}: {exc!r}")

    threads = [threading.Thread(target=workstation, args=(w, i)) for i, w in enumerate(ACCESS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert errors == [] and not any(t.is_alive() for t in threads)
    all_acks = [batch for w in ACCESS for batch in acks[w]]
    seqs = sorted(seq for batch in all_acks for _op, seq, _status in batch)
    assert seqs == list(range(1, len(seqs) + 1))  # gapless and no sequence given twice
    # the last workstation to finish pulled after every push had been acknowledged; the others pulled while
    # pushes went on, so what each read from its cursor must equal the log up to where it stopped reading
    for w in ACCESS:
        log = pull_all(d, w, random.Random(0), 4)
        assert log == expected_log(all_acks, incident_of, w)
        assert pulled[w] == log[:len(pulled[w])] and len(pulled[w]) >= sum(len(x) for x in acks[w])

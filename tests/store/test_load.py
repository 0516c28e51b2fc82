"""Load (issue 10, section 5): 50 simulated workstations push operation batches and audit chain segments and pull
changes, while 5 docks upload small files with tus, all on loopback against the real server, for a bounded time.

It prints p50/p95 latency per request kind, then asserts that nothing acknowledged was lost (every acknowledged
operation is served by /changes; every confirmed upload's blob is in the blob store and hashes right), that every
workstation's chain verifies against the store's signed checkpoint, and that the store's own audit trail verifies.
The figures depend on the machine; only correctness is asserted, plus the absence of any failed request."""

from __future__ import annotations

import base64
import hashlib
import os
import statistics
import threading
import time
import uuid
from collections import defaultdict

import httpx
import pytest

from reviewer.store.anchor_client import check_chain
from tests.store import services
from tests.store.chains import chain

pytestmark = pytest.mark.slow

WORKSTATIONS = 50
DOCKS = 5
USERS = 5  # investigators; workstations share them (enrolling 50 users through the CLI would dominate the run)
SECONDS = float(os.environ.get("BWV_LOAD_SECONDS", "20"))
OPS_PER_BATCH = 5
EVENTS_PER_PUSH = 5
FILE_SIZE = 48 * 1024


class Tally:
    """Latencies per request kind, and every failure, from all threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    def timed(self, kind: str, call, ok: tuple[int, ...]):
        t0 = time.perf_counter()
        try:
            r = call()
        except httpx.HTTPError as exc:
            with self.lock:
                self.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
            return None
        dt = time.perf_counter() - t0
        with self.lock:
            self.times[kind].append(dt)
            if r.status_code not in ok:
                self.errors.append(f"{kind}: {r.status_code} {r.text[:200]}")
                return None
        return r

    def report(self, label: str) -> str:
        lines = [f"load [{label}]: {WORKSTATIONS} workstations + {DOCKS} docks for {SECONDS:.0f} s"]
        for kind, xs in sorted(self.times.items()):
            q = statistics.quantiles(xs, n=20) if len(xs) > 1 else xs * 19
            lines.append(f"  {kind:<14} n={len(xs):>5}  p50={statistics.median(xs) * 1000:7.1f} ms  "
                         f"p95={q[18] * 1000:7.1f} ms")
        return "\n".join(lines)


def log_tail(store, chars: int = 6000) -> str:
    """The server's own account of a failed request (a traceback for a 500), for the assertion message."""
    return store.log.read_text(errors="replace")[-chars:] if store.log.exists() else "(no log)"


def setup(store):
    tag = os.urandom(3).hex()
    env = {"REVIEWER_STORE_HOME": str(store.home)} if store.config is None else None

    def user(name, role):
        token = services.enrol(store.url, services.add_user(store.config, name, role, env=env))["access_token"]
        h = {"Authorization": f"Bearer {token}"}
        return h, httpx.get(store.url + "/api/v1/auth/me", headers=h, timeout=30).json()

    boss, _ = user(f"load-boss-{tag}", "supervisor")
    r = httpx.post(store.url + "/api/v1/admin/incidents", json={"reference": f"load-{tag}"}, headers=boss, timeout=30)
    assert r.status_code == 201, r.text
    incident = r.json()["id"]
    users = []
    for i in range(USERS):
        h, me = user(f"load-inv{i}-{tag}", "investigator")
        r = httpx.put(f"{store.url}/api/v1/admin/incidents/{incident}/assignments/{me['id']}", headers=boss,
                      timeout=30)
        assert r.status_code == 204, r.text
        users.append((h, me["name"]))
    return incident, users


def workstation(store, n, incident, headers, actor, stop, tally, acked, chains):
    ws = f"load-ws{n}-{os.urandom(3).hex()}"
    events = chain(ws, 10_000)  # far more than 20 s can push; sliced as it goes
    held, cursor, k = 0, 0, 0
    with httpx.Client(base_url=store.url, headers=headers, timeout=60) as c:
        while not stop.is_set():
            ops = [{"op_id": str(uuid.uuid4()), "kind": "bookmark.create",
                    "hlc": {"wall_ms": 1_764_320_000_000 + k + i, "counter": n}, "actor": actor,
                    "workstation": ws, "scope": {"type": "incident", "id": incident},
                    "entity": {"type": "bookmark", "id": str(uuid.uuid4())}, "revision_seen": None,
                    "payload": {"pts": 512 * (k + i), "label": f"{ws} {k + i}"}} for i in range(OPS_PER_BATCH)]
            k += OPS_PER_BATCH
            r = tally.timed("operations", lambda: c.post("/api/v1/operations", json={"operations": ops}), (200,))
            if r is not None:
                acked.update(a["op_id"] for a in r.json()["results"])
            seg = events[held:held + EVENTS_PER_PUSH]
            r = tally.timed("audit push", lambda: c.post(f"/api/v1/workstations/{ws}/audit", json={"events": seg}),
                            (200,))
            if r is not None:
                held = r.json()["checkpoint"]["seq"]
            r = tally.timed("changes", lambda: c.get("/api/v1/changes", params={"since": cursor, "limit": 1000}),
                            (200,))
            if r is not None:
                cursor = r.json()["cursor"]
    chains[ws] = (events[:held], headers)


def dock(store, stop, tally, confirmed):
    tus = {"Tus-Resumable": "1.0.0", **store.auth}
    with httpx.Client(base_url=store.url, headers=tus, timeout=60) as c:
        while not stop.is_set():
            data = os.urandom(FILE_SIZE)
            sha = hashlib.sha256(data).hexdigest()
            meta = "sha256 " + base64.b64encode(sha.encode()).decode()
            r = tally.timed("tus create", lambda: c.post(
                "/api/v1/uploads", headers={"Upload-Length": str(len(data)), "Upload-Metadata": meta}), (201,))
            if r is None:
                continue
            where = r.headers["Location"]
            r = tally.timed("tus patch", lambda: c.patch(where, content=data, headers={
                "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}), (204,))
            if r is not None:
                confirmed.append(sha)


def pull_all(store, headers, since=0):
    got = set()
    with httpx.Client(base_url=store.url, headers=headers, timeout=60) as c:
        while True:
            body = c.get("/api/v1/changes", params={"since": since, "limit": 1000}).json()
            got.update(o["op_id"] for o in body["operations"])
            since = body["cursor"]
            if not body["more"]:
                return got


def test_fifty_workstations_and_five_docks_lose_nothing(store, store_blobs):
    from reviewer.store import audit
    from reviewer.store.config import load_config
    from reviewer.store.db import open_store_database

    incident, users = setup(store)
    stop, tally = threading.Event(), Tally()
    acked, chains, confirmed = set(), {}, []
    threads = [threading.Thread(target=workstation, args=(store, n, incident, *users[n % USERS], stop, tally,
                                                          acked, chains)) for n in range(WORKSTATIONS)]
    threads += [threading.Thread(target=dock, args=(store, stop, tally, confirmed)) for _ in range(DOCKS)]
    for t in threads:
        t.start()
    time.sleep(SECONDS)  # the bounded run itself, not a wait for a condition
    stop.set()
    for t in threads:
        t.join(120)
    print("\n" + tally.report(store.kind))
    print(f"  acknowledged ops={len(acked)}  confirmed uploads={len(confirmed)}  "
          f"chain events held={sum(len(e) for e, _ in chains.values())}")
    assert not tally.errors, "\n".join(tally.errors[:20]) + "\n--- the store's log, last lines:\n" + log_tail(store)
    assert len(chains) == WORKSTATIONS and acked and confirmed

    served = pull_all(store, users[0][0])
    assert acked <= served, f"{len(acked - served)} acknowledged operations are not served by /changes"

    for sha in set(confirmed):
        assert hashlib.sha256(store_blobs.read_bytes(sha)).hexdigest() == sha

    keys = httpx.get(store.url + "/api/v1/keys", timeout=30).json()
    for ws, (events, headers) in chains.items():
        r = httpx.get(f"{store.url}/api/v1/workstations/{ws}/audit/checkpoint", headers=headers, timeout=30)
        assert r.status_code == 200, r.text
        verdict = check_chain(events, r.json(), keys, ws)
        assert verdict.ok and r.json()["seq"] == len(events), (ws, verdict.line())

    engine, sessions = open_store_database(load_config(store.config).db_url)
    try:
        with sessions() as s:
            # each acknowledged batch and each confirmed upload wrote at least one event into the chain
            assert audit.verify(s) >= len(acked) // OPS_PER_BATCH + len(confirmed)
    finally:
        engine.dispose()

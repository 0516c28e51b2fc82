"""Push and pull of 10,000 operations through the sync loop (issue 11 s.6), beside the same batch inserted straight
into the store's database and read straight back, in the same run.

Starts a throwaway store (`reviewer store serve`: embedded SQLite by default, --postgres for a throwaway PostgreSQL
cluster), enrols a user, registers one recording, and makes two workstation libraries holding it:
- push: workstation A holds N local bookmark operations in its outbox; timed: SyncLoop.push (POST /operations in
  batches of 500, each acknowledgement recorded in one local transaction);
- pull: workstation B starts at cursor 0; timed: SyncLoop.pull (GET /changes pages of 500, each applied through
  apply_remote in one transaction with its cursor). Only B's operations are on its incident, so it pulls N;
- anchor: the same N envelopes (new op ids) inserted straight into the store's `operations` table in batches of
  500, one transaction each, and read back in pages of 500 by the same query /changes runs.
Prints operations per second and seconds, loop beside anchor, and the ratio; the pull also without applying (the
same pages fetched again), which separates the wire from the local apply.

Usage (from the repo root): .venv/bin/python bench/bench_sync.py [--ops 10000] [--postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._keyring import ensure_keyring  # noqa: E402
from tests.store import services  # noqa: E402

BATCH = 500


def make_ops(lib, rid: str, n: int) -> None:
    """N local operations (bookmark creations) in A's outbox, made in one transaction (setup, not timed)."""
    from reviewer.annotate.service import Annotations

    ann = Annotations(lib)
    with lib.gov.write():
        for i in range(n):
            ann.bookmarks.create(str(uuid.uuid4()), rid, i, f"bench {i}")


def anchor(store_url_db: str, envelopes: list[dict], incident: str, user: str) -> tuple[float, float]:
    """Insert the envelopes straight into the store's operations table, then read them back in pages."""
    from sqlalchemy import func, select

    from reviewer.store.db import open_store_database
    from reviewer.store.models_anchor import OperationRow

    engine, sessions = open_store_database(store_url_db)
    fresh = []
    for env in envelopes:
        e = dict(env, op_id=str(uuid.uuid4()))
        body = json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        fresh.append((e["op_id"], body, hashlib.sha256(body.encode()).hexdigest()))
    t0 = time.perf_counter()
    for i in range(0, len(fresh), BATCH):
        with sessions.begin() as s:
            seq = s.scalar(select(func.max(OperationRow.seq))) or 0
            s.add_all([OperationRow(seq=seq + k + 1, op_id=op_id, incident_id=incident, envelope=body, digest=d,
                                    submitted_by=user, submitted_role="investigator")
                       for k, (op_id, body, d) in enumerate(fresh[i:i + BATCH])])
    t_push = time.perf_counter() - t0
    with sessions() as s:
        since = s.scalar(select(func.min(OperationRow.seq)).where(OperationRow.op_id == fresh[0][0])) - 1
    t0 = time.perf_counter()
    got = 0
    while True:
        with sessions() as s:
            rows = s.scalars(select(OperationRow).where(OperationRow.seq > since, OperationRow.incident_id == incident)
                             .order_by(OperationRow.seq).limit(BATCH)).all()
            _ = [json.loads(r.envelope) for r in rows]
        if not rows:
            break
        got += len(rows)
        since = rows[-1].seq
    t_pull = time.perf_counter() - t0
    engine.dispose()
    assert got == len(fresh), (got, len(fresh))
    return t_push, t_pull


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ops", type=int, default=10_000)
    p.add_argument("--postgres", action="store_true", help="the store on a throwaway PostgreSQL cluster")
    args = p.parse_args()
    ensure_keyring()
    from reviewer.sync.client import OpsClient
    from reviewer.sync.loop import Cycle, SyncLoop
    from tests.fixtures import clips
    from tests.sync import world as sw

    n = args.ops
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as root, contextlib.ExitStack() as stack:
        root = Path(root)
        db_url = None
        if args.postgres:
            os.chmod(root, 0o755)
            pg = stack.enter_context(services.postgres(root / "pg"))
            db_url = pg.url
        config = services.write_store_config(root / "srv", database_url=db_url)
        store = stack.enter_context(services.store_server(config))
        clip_dir = Path.home() / ".cache" / "bwv-reviewer-test-clips"
        clip_dir.mkdir(parents=True, exist_ok=True)
        paths = {c: clips.make(c, clip_dir).path for c in sw.CLIPS}
        world = sw.build(store, paths)
        world.assign("alice", "b")  # B pulls as alice; the incident b holds only this benchmark's operations
        template = sw.make_template(root / "tpl", paths, {world.user("alice"): "investigator"})
        sha = world.sha["cfr_noaudio"]  # on incident b
        a = sw.workstation(world, template, root, "alice", "A")
        b = sw.workstation(world, template, root, "alice", "B")
        stack.callback(a.close)
        stack.callback(b.close)
        rid = next(r.id for r in a.lib.recordings() if r.sha256 == sha)
        t0 = time.perf_counter()
        make_ops(a.lib, rid, n)
        print(f"setup: {n} local operations made in {time.perf_counter() - t0:.1f} s (not timed below)")

        # through the loop, talking to the store directly (not through the test proxy)
        with world.http("alice") as http:
            c = Cycle()
            t0 = time.perf_counter()
            SyncLoop(a.lib, http, listen=False).push(c)
            t_push = time.perf_counter() - t0
            assert c.pushed == n, c
            c = Cycle()
            t0 = time.perf_counter()
            SyncLoop(b.lib, http, listen=False, pull_page=BATCH).pull(c)
            t_pull = time.perf_counter() - t0
            assert c.applied >= n, c
            client, since, got = OpsClient(http), 0, 0  # the same pages again, received but not applied
            t0 = time.perf_counter()
            while True:
                page = client.changes(since, BATCH)
                got += len(page.operations)
                since = page.cursor
                if not page.more:
                    break
            t_fetch = time.perf_counter() - t0
            assert got >= n, got
        from sqlalchemy import select

        from reviewer.library.models_ops import OpLogRow
        with a.lib.gov.sessions() as s:
            envelopes = [json.loads(e) for e in s.scalars(select(OpLogRow.envelope).order_by(OpLogRow.seq)
                                                         .where(OpLogRow.origin == "local"))]
        store_db = db_url or f"sqlite:///{store.home / 'store.sqlite3'}"
        a_push, a_pull = anchor(store_db, envelopes, world.incident["b"], world.user("alice"))

    backend = "PostgreSQL" if args.postgres else "SQLite (embedded)"
    print(f"store: {backend}; {n} operations; batches and pages of {BATCH}")
    print(f"{'':28}{'loop':>22}{'straight into the DB':>26}{'ratio':>8}")
    for what, t, ta in (("push", t_push, a_push), ("pull, applied locally", t_pull, a_pull),
                        ("pull, transfer only", t_fetch, a_pull)):
        print(f"{what:28}{n / t:>10,.0f} op/s {t:>6.2f} s{n / ta:>14,.0f} op/s {ta:>6.2f} s{ta / t:>7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A workstation's sync as its own process, for the kill -9 tests: `python -m tests.sync.kill_worker HOME USER URL
[--create N] [--batch B] [--die-at-push K]`. The bearer token comes from SYNC_TOKEN. It prints "pending N" after
each acknowledged batch (flushed), so the parent can kill it mid-push; --die-at-push K sends itself SIGKILL right
after the K-th batch is acknowledged by the store and before that acknowledgement is recorded here."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

import httpx


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("home", type=Path)
    p.add_argument("user")
    p.add_argument("url")
    p.add_argument("--create", type=int, default=0)
    p.add_argument("--sha", default="")
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--die-at-push", type=int, default=0)
    a = p.parse_args()
    os.environ["REVIEWER_USER"] = a.user
    from reviewer.annotate.service import Annotations
    from reviewer.library import Library
    from reviewer.sync.loop import SyncLoop

    pushes = [0]

    def fault(where: str) -> None:
        if where == "pushed":
            pushes[0] += 1
            if pushes[0] == a.die_at_push:
                os.kill(os.getpid(), signal.SIGKILL)

    with Library(a.home) as lib:
        if a.create:
            rid = next(r.id for r in lib.recordings() if r.sha256 == a.sha)
            ann = Annotations(lib)
            for i in range(a.create):
                ann.add_bookmark(rid, i, f"kill {i}")
            print("created", flush=True)
        http = httpx.Client(base_url=a.url, headers={"Authorization": f"Bearer {os.environ['SYNC_TOKEN']}"},
                            timeout=30)
        loop = SyncLoop(lib, http, push_batch=a.batch, listen=False, fault=fault)
        loop.status.subscribe(lambda snap: print(f"pending {snap.pending}", flush=True))
        c = loop.sync_once()
        print(f"done pushed {c.pushed}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

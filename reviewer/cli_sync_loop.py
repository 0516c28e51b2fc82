"""`reviewer sync run [--once]`: run the sync loop of this library in the foreground. The lead wires
`register_run(sync_cmds)` into the `sync` command group (reviewer/cli_sync.py). The store and the sign-in come
from the library's link (reviewer/sync/link.py)."""

from __future__ import annotations

import argparse
import signal
import threading

from reviewer.errors import ReviewerError


class NotLinked(ReviewerError):
    pass


def register_run(sync_cmds) -> None:
    p = sync_cmds.add_parser("run", help="push this library's changes to the store and pull others'")
    p.add_argument("--once", action="store_true", help="one push and pull, then exit (exit 1 if it failed)")
    p.add_argument("--poll", type=float, default=30.0, metavar="S",
                   help="seconds between polls when nothing wakes the loop (default 30)")
    p.set_defaults(handler=cmd_run)


def open_http(library):
    try:
        from reviewer.sync.link import open_client
    except ImportError:
        raise NotLinked("sync run: this build has no store sign-in (reviewer.sync.link); "
                        "sign in with `reviewer sync login URL` first") from None
    return open_client(library)


def summary(c) -> str:
    parts = [f"pushed {c.pushed}", f"pulled {c.pulled} ({c.applied} new)"]
    if c.rejected:
        parts.append(f"{c.rejected} refused by the store (see the audit trail: sync.rejected)")
    if c.held:
        parts.append(f"{c.held} waiting for the store to hold their recording")
    if c.replayed:
        parts.append("pulled again from the start (new incidents visible)")
    return "sync: " + ", ".join(parts)


def cmd_run(args: argparse.Namespace) -> int:
    from reviewer.cli import open_library

    with open_library() as library:
        return run(args, library)


def run(args: argparse.Namespace, library, out=print) -> int:
    from reviewer.sync.loop import SyncLoop

    http = open_http(library)
    try:
        if args.once:
            out(summary(SyncLoop(library, http, listen=False).sync_once()))
            return 0
        loop = SyncLoop(library, http, poll_s=args.poll)
        done = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: done.set())
        last: list[str] = [""]

        def show(snap) -> None:
            line = (f"sync: {'online' if snap.online else 'offline'}, {snap.pending} pending"
                    + (f", error: {snap.last_error}" if snap.last_error else ""))
            if line != last[0] and not snap.syncing:
                last[0] = line
                out(line)

        loop.status.subscribe(show)
        loop.start()
        done.wait()
        loop.stop()
        return 0
    finally:
        http.close()

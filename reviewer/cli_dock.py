"""`reviewer store dock WATCH_DIR --server URL`: the docking station's uploader (reviewer/store/dock.py)."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from reviewer.errors import ReviewerError

QUIET = {"progress"}  # one line per chunk would drown the lines an operator needs


def size_arg(text: str) -> int:
    """Bytes, with an optional K/M/G suffix (binary): 8M is 8 MiB."""
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    t = text.strip().lower().removesuffix("ib").removesuffix("b")
    mult = units.get(t[-1:], 1)
    number = t[:-1] if t[-1:] in units else t
    if not number.isdigit() or int(number) * mult <= 0:
        raise ValueError(text)
    return int(number) * mult


size_arg.__name__ = "size"  # argparse names the type in its error message


def register_dock(cmds) -> None:
    dock = cmds.add_parser(
        "dock", help="upload camera files from a docking folder to the store",
        description="Uploads each complete camera file in WATCH_DIR with its sidecar (docs/sidecar.md), resumes "
                    "after a crash or a lost connection, and deletes nothing until the store confirms the file's "
                    "SHA-256. A file is complete when it and its sidecar have not changed for --settle seconds, or "
                    "with --done-marker when NAME.done exists. See docs/dock.md.")
    dock.add_argument("watch", type=Path, metavar="WATCH_DIR")
    dock.add_argument("--server", required=True, metavar="URL", help="the store, e.g. http://store.example:8400")
    who = dock.add_mutually_exclusive_group()
    who.add_argument("--enrol", metavar="CODE", help="sign in once with the one-time code from `reviewer store "
                                                      "user add NAME --role dock`; the tokens are kept in the "
                                                      "state folder and used from then on")
    who.add_argument("--token-file", type=Path, metavar="FILE", help="a file holding a fixed bearer token")
    dock.add_argument("--state-dir", type=Path, metavar="DIR", help="where the dock keeps its state "
                                                                     "(default WATCH_DIR/.dock)")
    dock.add_argument("--settle", type=float, default=2.0, metavar="SECONDS",
                      help="a file is complete after this long unchanged (default 2)")
    dock.add_argument("--done-marker", action="store_true",
                      help="a file is complete only once NAME.done exists (the station writes it last)")
    dock.add_argument("--delete-confirmed", action="store_true",
                      help="delete each file (and the sidecar sent with it) once the store confirms it; "
                           "by default files are kept and marked confirmed in the state file")
    dock.add_argument("--chunk-size", type=size_arg, default="32M", metavar="BYTES",
                      help="bytes per request (default 32M); at most this much is sent again after a cut")
    dock.add_argument("--poll", type=float, default=0.5, metavar="SECONDS", help="how often to look (default 0.5)")
    dock.set_defaults(handler=cmd_dock)


def cmd_dock(args) -> int:
    try:
        import httpx  # noqa: F401
    except ImportError as exc:
        raise ReviewerError(f"the dock needs httpx: pip install 'bwv-reviewer[dock]' ({exc})") from None
    from reviewer.store.dock import Dock
    from reviewer.store.dock_client import StoreClient, read_token

    if args.settle < 0 or args.poll <= 0:
        raise ReviewerError("--settle must be >= 0 and --poll > 0 seconds")
    from reviewer.store.dock_signin import store_auth

    token = read_token(args.token_file) if args.token_file else None
    state_dir = args.state_dir or args.watch / ".dock"
    if not args.watch.is_dir():
        raise ReviewerError(f"{args.watch}: not a folder")
    auth = None if token else store_auth(args.server, state_dir, args.enrol)

    def show(event) -> None:
        if event.kind in QUIET:
            return
        stream = sys.stderr if event.kind in ("warning", "error", "offline") else sys.stdout
        print(f"dock: {event.kind}: {event.message}", file=stream, flush=True)

    dock = Dock(args.watch, StoreClient(args.server, token, auth=auth), state_dir=state_dir, settle=args.settle,
                done_marker=args.done_marker, delete_confirmed=args.delete_confirmed, chunk_size=args.chunk_size,
                on_event=show)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"dock: watching {args.watch} for {args.server}", flush=True)
    try:
        dock.run(stop, poll_interval=args.poll)
    finally:
        dock.close()
    return 0

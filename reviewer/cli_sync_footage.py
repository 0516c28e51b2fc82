"""`reviewer sync fetch SHA|RECORDING_ID`: bring one recording's footage from the central store into the library
(resuming a partial download, verified by SHA-256 before it enters the originals store), and `reviewer sync cache
[--budget SIZE] [--evict]`: the footage cache, its budget, and eviction now.

Wiring: `register_fetch(sync_commands)` adds `fetch` and `cache` to the `sync` command group (reviewer/cli_sync.py
owns the group); fetch takes its store client from reviewer.sync.link.open_client, and never reads tokens itself.
"""

from __future__ import annotations

import re
import sys
from typing import TextIO

from reviewer.errors import NotFound, ReviewerError
from reviewer.progress import Task

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def register_fetch(sync_cmds) -> None:
    p = sync_cmds.add_parser("fetch", help="download a recording's footage from the central store",
                             description="Downloads the footage of a recording the store lists (by SHA-256 or by "
                                         "recording id or a unique prefix of it) into the library's read-only "
                                         "originals store, verified by its SHA-256. An interrupted download "
                                         "resumes where it stopped.")
    p.add_argument("target", metavar="SHA|RECORDING_ID")
    p.add_argument("--no-refresh", action="store_true", help="do not refresh the catalog from the store first")
    p.set_defaults(handler=cmd_fetch)
    from reviewer.cli_dock import size_arg

    c = sync_cmds.add_parser("cache", help="the local footage cache: what it holds, its budget, eviction",
                             description="Footage the store also holds is evicted least recently used first when "
                                         "the cache is over its budget; assigned, evidential, held, open and "
                                         "unpushed footage is kept. Evicted footage downloads again when opened.")
    c.add_argument("--budget", type=size_arg, metavar="SIZE", help="set the budget (bytes; K/M/G suffixes)")
    c.add_argument("--evict", action="store_true", help="evict now, down to the budget")
    c.set_defaults(handler=cmd_cache)


def cmd_fetch(args) -> int:
    from reviewer.cli import open_library

    try:
        from reviewer.sync.link import open_client
    except ImportError:  # a build without the sign-in module
        raise ReviewerError("this library is not linked to a central store: sign in first "
                            "(reviewer sync login URL)") from None
    with open_library() as lib, open_client(lib) as client:
        task = Task(progress=_progress) if sys.stderr.isatty() else Task()
        return run_fetch(lib, client, args.target, refresh=not args.no_refresh, task=task)


def resolve(lib, target: str) -> str:
    """The recording id a SHA-256 or an id (prefix) names; NotFound in the words of the CLI."""
    key = target.strip().lower()
    if _SHA_RE.match(key):
        for view in lib.recordings():
            if view.sha256 == key:
                return view.id
        raise NotFound(f"no recording with SHA-256 {key} in the library or the store's listing")
    return lib.get(key).id


def run_fetch(lib, client, target: str, refresh: bool = True, task: Task | None = None,
              out: TextIO | None = None) -> int:
    from reviewer.sync import catalog
    from reviewer.sync.downloads import ensure_local

    out = out or sys.stdout
    if refresh:
        catalog.refresh(lib, client, thumbnails=False)
    rid = resolve(lib, target)
    before = lib.get(rid)
    if before.is_local:
        print(f"{before.short_id}  {before.file_name}: already in the library ({before.original_path})", file=out)
        return 0
    received: dict = {}

    def on_bytes(done: int, total: int) -> None:
        received.setdefault("from", done)
        received["to"] = done

    view = ensure_local(lib, client, rid, task or Task(), on_bytes)
    resumed = received.get("from", 0)
    how = f", resumed at byte {resumed}" if resumed else ""
    print(f"{view.short_id}  {view.file_name}: downloaded {view.size} bytes{how}, SHA-256 verified "
          f"({view.original_path})", file=out)
    return 0


def _progress(fraction: float, label: str) -> None:
    sys.stderr.write(f"\r{label} {fraction * 100:5.1f}%")
    sys.stderr.flush()
    if fraction >= 1.0:
        sys.stderr.write("\n")


def cmd_cache(args) -> int:
    from reviewer.cli import open_library

    with open_library() as lib:
        return run_cache(lib, args.budget, args.evict)


def run_cache(lib, budget: int | None = None, evict: bool = False, out: TextIO | None = None) -> int:
    from reviewer.sync import cache

    out = out or sys.stdout
    if budget is not None:
        cache.set_budget(lib, budget)
    if evict:
        report = cache.enforce(lib)
        for e in report.evicted:
            print(f"evicted {e.ids[0][:8]}  {e.file_name} ({e.size} bytes)", file=out)
    entries = cache.entries(lib)
    used = sum(e.size for e in entries)
    print(f"footage cache: {used} of {cache.budget(lib)} bytes in {len(entries)} recordings", file=out)
    for e in entries:
        why = ", ".join(e.keep) if e.keep else "evictable"
        print(f"  {e.ids[0][:8]}  {e.file_name}  {e.size} bytes  last used {e.last_used_at.isoformat()}  ({why})",
              file=out)
    return 0

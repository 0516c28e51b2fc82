"""`reviewer store retention run [--now ISO] [--dry-run]`: one pass of the store's retention job
(reviewer/store/retention.py) and of events pruning (events_prune.py), as the server's periodic task runs them;
--now simulates the clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def iso_time(text: str) -> dt.datetime:
    when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError(text)
    return when.astimezone(dt.timezone.utc)


iso_time.__name__ = "ISO time with a zone"  # argparse names the type in its error message


def register_retention(cmds) -> None:
    ret = cmds.add_parser("retention", help="the store's retention job (run on the store's machine)")
    rcmds = ret.add_subparsers(dest="retention_command", metavar="COMMAND", required=True)
    run = rcmds.add_parser("run", help="purge what is due, send deletion notices, destroy expired tombstones",
                           description="Non-evidential footage is purged 31 days after the earlier of camera start "
                                       "and upload; evidential marks, longer categories and legal holds win. A purged "
                                       "recording is restorable for the restore window, then its blob is destroyed.")
    run.add_argument("--now", type=iso_time, metavar="ISO", help="pretend it is this time (e.g. 2026-12-31T00:00Z)")
    run.add_argument("--dry-run", action="store_true", help="say what would happen; change nothing")
    run.add_argument("--config", type=Path, metavar="FILE", help="the store's TOML configuration")
    run.set_defaults(handler=cmd_retention_run)


def cmd_retention_run(args) -> int:
    from reviewer.store import events_prune, retention
    from reviewer.store.config import load_config
    from reviewer.store.db import open_store_database

    from reviewer.store.errors import ConfigError

    config = load_config(args.config)
    try:
        st = retention.Settings.of(config)
        events_prune.keep_days(config)
    except ConfigError as exc:
        raise ConfigError(args.config, str(exc)) from None
    now = args.now or dt.datetime.now(dt.timezone.utc)
    engine, sessions = open_store_database(config.db_url)
    try:
        report = retention.run(sessions, config.blob_store(), st, now, dry_run=args.dry_run)
        # the server prunes after each pass too; streams served elsewhere are covered by the age rule
        pruned = None if args.dry_run else events_prune.prune(sessions, events_prune.keep_days(config), now)
    finally:
        engine.dispose()
    for line in report.lines():
        print(line)
    if pruned is not None:
        print(f"events: {pruned} older than {events_prune.keep_days(config):g} days pruned")
    print(f"retention {'dry run' if args.dry_run else 'run'} at {now.isoformat()}: {len(report.purged)} purged, "
          f"{len(report.noticed)} notified, {len(report.destroyed)} destroyed, {len(report.refused)} kept by storage")
    return 0

"""`reviewer incident export REF --from T --to T [--layout 2x2|1x2] [--separate] -o OUT` (issue 13 s.4): an
incident's time range as one synchronised composite, or each recording's part as its own file."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from reviewer.errors import ReviewerError


def register(isub) -> None:
    from reviewer.cli import add_output_flags

    ex = isub.add_parser("export", help="export an incident time range: a 1x2/2x2 composite, or --separate files")
    ex.add_argument("reference", metavar="INCIDENT")
    ex.add_argument("--from", dest="start", required=True, metavar="T",
                    help="incident seconds (as `incident show` gives them) or a date-time on the incident clock")
    ex.add_argument("--to", dest="end", required=True, metavar="T", help="the end (exclusive), as --from")
    ex.add_argument("--layout", choices=["1x2", "2x2"], default=None,
                    help="the composite's tiles (default: 1x2 for two cameras, else 2x2)")
    ex.add_argument("--separate", action="store_true",
                    help="each recording's range as its own file (OUT-<id>.mp4), aligned to the same interval")
    ex.add_argument("-o", "--out", type=Path, required=True, metavar="OUT.mp4")
    ex.add_argument("--camera", action="append", default=[], metavar="ID",
                    help="a recording to include, in tile order; repeat (default: every recording of the incident)")
    ex.add_argument("--audio-from", metavar="ID", help="the recording whose sound the composite carries "
                                                       "(default: the first with sound)")
    ex.add_argument("--tile", metavar="WxH", help="the composite's tile picture size (default: the first camera's)")
    ex.add_argument("--purpose", default="", metavar="TEXT", help="why it is disclosed (audit trail, manifest)")
    ex.add_argument("--recipient", default="", metavar="TEXT", help="who receives it (audit trail, manifest)")
    ex.add_argument("--no-audio", action="store_true", help="leave the sound out")
    ex.add_argument("--no-report", action="store_true", help="skip the PDF report(s)")
    ex.add_argument("--package", nargs="?", const=True, default=None, type=Path, metavar="ZIP",
                    help="also write a disclosure package: the copy (or copies), manifests, reports, certificate "
                         "chain, VERIFY.txt (default OUT-disclosure.zip)")
    ex.add_argument("--preset", default="veryfast", help="x264 preset (default veryfast)")
    ex.add_argument("--crf", type=int, default=18, help="x264 quality, lower is better (default 18)")
    ex.add_argument("--json", action="store_true")
    add_output_flags(ex)
    ex.set_defaults(handler=cmd_export)


def incident_seconds(text: str, origin: dt.datetime | None, flag: str) -> float:
    """Seconds on the incident clock from "12.5" or an ISO date-time read against the incident's origin."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ReviewerError(f"{flag} {text!r}: give incident seconds (e.g. 12.5) or a date-time "
                            f"(e.g. 2025-03-14T21:30:05Z)") from None
    if origin is None:
        raise ReviewerError(f"{flag} {text!r}: this incident has no camera time to read a date-time against; "
                            f"give incident seconds")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return (when - origin).total_seconds()


def _tile(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise ReviewerError(f"--tile {text!r}: give WIDTHxHEIGHT, e.g. 640x360") from None
    return w, h


def _progress(fraction: float, label: str) -> None:
    print(f"\r{fraction:6.1%} {label[:60]:60}", end="", file=sys.stderr, flush=True)


def cmd_export(args) -> int:
    from reviewer.export.incident_export import IncidentExportJob, run_incident_export
    from reviewer.export.package import package_path_for
    from reviewer.incident.service import IncidentClocks
    from reviewer.library import Library

    with Library() as lib:
        clock = IncidentClocks(lib).clock(args.reference)
        start = incident_seconds(args.start, clock.origin, "--from")
        end = incident_seconds(args.end, clock.origin, "--to")
        n = len(args.camera) or len(clock.placements)
        job = IncidentExportJob(incident=clock.reference, start=start, end=end, out=args.out,
                                layout=args.layout or ("1x2" if n <= 2 else "2x2"), separate=args.separate,
                                recordings=tuple(args.camera), audio_from=args.audio_from, purpose=args.purpose,
                                recipient=args.recipient, preset=args.preset, crf=args.crf, audio=not args.no_audio,
                                report=not args.no_report, overwrite=args.overwrite, make_dirs=args.make_dirs,
                                tile=_tile(args.tile),
                                package=package_path_for(args.out) if args.package is True else args.package)
        results = run_incident_export(lib, job, progress=_progress if sys.stderr.isatty() else None)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    from reviewer.cli import say_created

    say_created(p for r in results for p in r.created)
    from reviewer.cli_redact import say_exported

    return say_exported(results, args.json)

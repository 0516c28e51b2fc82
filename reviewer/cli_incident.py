"""CLI of the incident clock (issue 13 s.1): `incident show REF`, `incident align REF [--accept]`,
`incident offset ID --set S | --nudge N | --clear`; `incident export` is cli_incident_export.py."""

from __future__ import annotations

import json
import sys

from reviewer.errors import ReviewerError
from reviewer.safe_text import for_terminal


def register(sub) -> None:
    i = sub.add_parser("incident", help="the recordings of an incident on one clock; align them by their audio")
    isub = i.add_subparsers(dest="incident_command", metavar="ACTION", required=True)
    sh = isub.add_parser("show", help="each recording's place on the incident clock")
    sh.add_argument("reference", metavar="REF")
    sh.add_argument("--at", type=float, metavar="SECONDS",
                    help="also name each recording's frame at this incident time")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(handler=cmd_show)
    al = isub.add_parser("align", help="propose offsets from the recordings' audio (--accept applies them)")
    al.add_argument("reference", metavar="REF")
    al.add_argument("--reference-recording", metavar="ID", help="keep this recording where it is (default: the "
                                                                  "best connected)")
    al.add_argument("--search", type=float, default=None, metavar="SECONDS",
                    help="how far from the camera clocks to look (default 45)")
    al.add_argument("--accept", action="store_true", help="apply the aligned offsets (one undoable change)")
    al.add_argument("--json", action="store_true")
    al.set_defaults(handler=cmd_align)
    of = isub.add_parser("offset", help="place one recording by hand")
    of.add_argument("id", metavar="ID")
    how = of.add_mutually_exclusive_group(required=True)
    how.add_argument("--set", type=float, metavar="SECONDS", help="offset from its camera time")
    how.add_argument("--nudge", type=int, metavar="FRAMES", help="move it this many of its frames later (or earlier)")
    how.add_argument("--clear", action="store_true", help="back to its camera's own clock")
    of.add_argument("--drift", type=float, metavar="PPM", help="with --set: its clock runs this many ppm fast")
    of.add_argument("--json", action="store_true")
    of.set_defaults(handler=cmd_offset)
    from reviewer import cli_incident_export

    cli_incident_export.register(isub)


def _library():
    from reviewer.library import Library

    return Library()


def _seconds(us: int) -> str:
    return f"{us / 1e6:+.6f} s"


def _clock_json(clock, frames: dict | None) -> dict:
    return {"incident": clock.reference, "origin": clock.origin.isoformat() if clock.origin else None,
            "recordings": [{
                "recording_id": p.recording_id, "sha256": p.key, "file_name": p.file_name,
                "camera_start": p.camera_start.isoformat() if p.camera_start else None, "offset_us": p.offset_us,
                "drift_ppm": p.drift_ppm, "source": p.source, "confidence": p.confidence,
                "start": round(clock.start(p.key), 6), "end": round(clock.end(p.key), 6),
                **({"frame": frames.get(p.key)} if frames is not None else {})} for p in clock.placements]}


def cmd_show(args) -> int:
    from reviewer.incident.service import IncidentClocks

    with _library() as lib:
        clock = IncidentClocks(lib).clock(args.reference)
        frames = None
        if args.at is not None:
            tables = {p.key: lib.frame_tables.get_or_build(p.key, lib.get(p.recording_id).original_path)
                      for p in clock.placements if lib.get(p.recording_id).is_local}
            frames = {k: f.index for k, f in clock.bind(tables).frames_at(args.at).items()}
    if args.json:
        print(json.dumps(_clock_json(clock, frames)))
        return 0
    origin = clock.origin.isoformat() if clock.origin else "none (no recording has a camera time)"
    print(f"incident {for_terminal(clock.reference)}: time 0 = {origin}")
    for p in clock.placements:
        at = ""
        if frames is not None:
            at = f"  frame at {args.at:g}: {frames[p.key] if frames.get(p.key) is not None else '-'}"
        conf = f" {p.confidence:.2f}" if p.confidence is not None else ""
        print(f"{p.recording_id[:8]}  {for_terminal(p.file_name)}  start {clock.start(p.key):.3f}  "
              f"offset {_seconds(p.offset_us)}  drift {p.drift_ppm:+.1f} ppm  {p.source}{conf}{at}")
    return 0


def _progress(fraction: float, label: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{fraction * 100:5.1f}% {label}\033[K", end="", file=sys.stderr, flush=True)


def cmd_align(args) -> int:
    from reviewer.incident import align
    from reviewer.incident.service import IncidentClocks
    from reviewer.progress import Task

    if args.search is not None and not 0 < args.search <= 3600:
        raise ReviewerError(f"--search {args.search:g}: give seconds between 0 and 3600")
    with _library() as lib:
        clocks = IncidentClocks(lib)
        clock = clocks.clock(args.reference)
        ref = lib.get(args.reference_recording).id if args.reference_recording else None
        proposal = clocks.propose(clock, ref, Task(_progress), args.search or align.SEARCH_SECONDS)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        applied = clocks.accept(proposal) if args.accept else []
    if args.json:
        print(json.dumps({**proposal.to_json(), "accepted": bool(args.accept), "applied": len(applied)}))
        return 0
    print(f"incident {for_terminal(proposal.incident)}: reference {proposal.reference[:12]}... kept in place "
          f"(decode {proposal.timings['decode']:.2f} s, correlation {proposal.timings['correlate']:.2f} s)")
    for r in proposal.recordings:
        drift = f"  drift {r.drift_ppm:+.1f} ppm" if r.drift_ppm is not None else ""
        print(f"{r.recording_id[:8]}  {for_terminal(r.file_name)}  {r.status}  offset {_seconds(r.offset_us)} "
              f"(change {_seconds(r.change_us)})  confidence {r.confidence:.2f}{drift}")
    for p in proposal.pairs:
        if p.confident and p.consistent is False:
            print(f"inconsistent pair {p.a[:8]} / {p.b[:8]}: off by {p.residual:+.3f} s from the others; not used")
    if args.accept:
        print(f"accepted: {len(applied)} recording(s) placed (undo in the app, or `incident offset ID --clear`)")
    return 0


def cmd_offset(args) -> int:
    from reviewer.incident.service import IncidentClocks

    with _library() as lib:
        clocks = IncidentClocks(lib)
        if args.drift is not None and args.set is None:
            raise ReviewerError("--drift goes with --set")
        if args.set is not None:
            if not abs(args.set) < 7 * 24 * 3600:
                raise ReviewerError(f"--set {args.set:g}: an offset must be within a week")
            got = clocks.set_offset(args.id, int(round(args.set * 1e6)), args.drift)
        elif args.nudge is not None:
            got = clocks.nudge(args.id, args.nudge)
        else:
            got = clocks.clear(args.id)
        rid = lib.get(args.id).id
    if args.json:
        print(json.dumps({"recording_id": rid, **got}))
    else:
        print(f"{rid[:8]}: offset {_seconds(got['offset_us'])}  drift {got['drift_ppm']:+.1f} ppm  {got['source']}")
    return 0

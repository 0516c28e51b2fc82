"""`reviewer`: the desktop app with no arguments; otherwise a headless, scriptable CLI over the core.

Every failure ends with a non-zero exit and one line on stderr naming the file (or the recording, by id and
original file name) and the problem; the trace of an unexpected one goes to HOME/logs/reviewer.log
(reviewer/cli_errors.py). User text it prints (file names, titles, references) has its control characters escaped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from reviewer.cli_errors import EXIT_FAILED, fail, name_recordings, start_log, unexpected
from reviewer.errors import MediaError, ReviewerError
from reviewer.safe_text import for_terminal
from reviewer.version import VersionAction


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="reviewer",
        description="BWV Reviewer: frame-accurate review of body-worn video. With no command, opens the app.",
    )
    p.add_argument("--home", type=Path, help="library folder (overrides REVIEWER_HOME)")
    p.add_argument("--version", action=VersionAction)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    imp = sub.add_parser("import", help="import files or folders; prints the new recording ids")
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    imp.add_argument("--incident", metavar="REF", help="group the new recordings under this incident reference")

    ls = sub.add_parser("list", help="list recordings, newest camera start first")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.add_argument("--search", metavar="TEXT", help="words to find in officer, device, incident or file name")
    ls.add_argument("--incident", metavar="REF", help="only this incident")

    pr = sub.add_parser("probe", help="describe a file or a library recording, with its frame table",
                        description="A FILE is described from its own container; a recording id (or a unique "
                                    "prefix) also gives the library's metadata, after verifying the original.")
    pr.add_argument("target", metavar="FILE_OR_ID")
    pr.add_argument("--json", action="store_true", help="machine-readable output")
    pr.add_argument("--reason", metavar="TEXT", help="why the footage is being consulted (audit trail)")

    fr = sub.add_parser("frame", help="write presented frame N (0-based) as a full-resolution RGB PNG")
    fr.add_argument("target", metavar="FILE_OR_ID")
    fr.add_argument("index", type=int, metavar="N")
    fr.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.png")
    fr.add_argument("--redacted", action="store_true", help="apply the recording's masks (library ids only)")
    fr.add_argument("--reason", metavar="TEXT", help="why the footage is being consulted (audit trail)")
    add_output_flags(fr)
    # Other features add their commands here; each module's register(sub) sets `handler` on its parsers.
    for module in _feature_modules():
        module.register(sub)
    _accept_home_everywhere(sub)
    return p


def _accept_home_everywhere(sub) -> None:
    """`reviewer list --home X` as well as `reviewer --home X list`: every subcommand parser (nested ones too)
    takes --home; SUPPRESS keeps one that was not given from hiding the top-level value."""
    for parser in sub.choices.values():
        if not any("--home" in a.option_strings for a in parser._actions):
            parser.add_argument("--home", type=Path, default=argparse.SUPPRESS,
                                help="library folder (overrides REVIEWER_HOME)")
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _accept_home_everywhere(action)


def _feature_modules() -> list:
    import importlib

    return [importlib.import_module(name) for name in FEATURE_MODULES]


# modules with a register(subparsers) function; their parsers set_defaults(handler=fn)
FEATURE_MODULES = ["reviewer.cli_redact", "reviewer.cli_govern", "reviewer.cli_store", "reviewer.cli_admin",
                   "reviewer.cli_sync", "reviewer.cli_incident", "reviewer.cli_detect", "reviewer.cli_c2pa"]


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    except Exception as exc:  # a feature module that fails to load is a bug too: one line, trace in the log
        from reviewer.config import default_home

        return unexpected(exc, default_home(), start_log(default_home()))
    if args.home is not None:
        # the GUI and anything else reading config.default_home() must see the same library
        os.environ["REVIEWER_HOME"] = str(args.home.expanduser().absolute())
    if args.command is None:
        return launch_gui()
    from reviewer.config import default_home

    home = default_home()
    log = start_log(home)
    try:
        handler = getattr(args, "handler", None) or COMMANDS[args.command]
        return handler(args)
    except ReviewerError as exc:
        return fail(name_recordings(str(exc), home))
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return fail(name_recordings(f"{where}{exc.strerror or exc}", home))
    except KeyboardInterrupt:
        return fail("interrupted", code=130)
    except Exception as exc:  # a bug: one line for the user, the trace in the log
        return unexpected(exc, home, log)


def launch_gui() -> int:
    # The one place the core reaches the front end, by name and only when asked to: the CLI must keep working
    # where Qt cannot load, and the Qt-free checks (which import every core module) must never pull ui in.
    import importlib

    try:
        gui = importlib.import_module("ui.app")
    except ImportError as exc:
        return fail(f"the desktop app cannot start: {exc} (is PySide6 installed with its system libraries?)")
    return int(gui.main([sys.argv[0]]) or 0)


def open_library():
    from reviewer.library import Library

    return Library()  # home from REVIEWER_HOME, which --home has set


def is_file_target(target: str) -> bool:
    """An existing path is a file; something shaped like a path that is missing is a missing file, not an id."""
    return Path(target).exists() or any(c in target for c in "/\\.")


# ---- commands --------------------------------------------------------------------------------------------------
def cmd_import(args) -> int:
    from reviewer.progress import Task

    task = Task(progress=_stderr_progress) if sys.stderr.isatty() else Task()
    with open_library() as lib:
        report = lib.import_paths(args.paths, incident=args.incident, task=task)
    if task.progress is not None:
        print(file=sys.stderr)
    for view in report.added:
        print(view.id)
    for path, view in report.repaired:
        fail(f"{path}: restored the damaged or missing original of recording {view.id} ({view.file_name}) "
             "from this intact copy")
    for path, view in report.duplicates:
        fail(f"{path}: already in the library as {view.id} ({view.file_name}); not imported again")
    for _path, message in report.errors:
        fail(message)
    if report.cancelled:
        return fail("import cancelled")
    return EXIT_FAILED if report.errors else 0


def _stderr_progress(fraction: float, label: str) -> None:
    sys.stderr.write(f"\r{fraction * 100:5.1f}% {label[:60]:<60}")
    sys.stderr.flush()


def cmd_list(args) -> int:
    from reviewer.annotate.service import Annotations

    with open_library() as lib:
        views = lib.recordings(text=args.search, incident=args.incident)
        ann = Annotations(lib)
        evidential = {m.recording_id for m in ann.evidential.list(active_only=True) if m.clip_id is None}
        evidential_clips = {m.recording_id for m in ann.evidential.list(active_only=True) if m.clip_id is not None}
        held = {h.recording_id for h in ann.holds.list(active_only=True)}
    if args.json:
        rows = [v.to_json() | {"evidential": v.id in evidential, "evidential_clips": v.id in evidential_clips,
                               "legal_hold": v.id in held} for v in views]
        json.dump(rows, sys.stdout, indent=2)  # ensure_ascii: control characters come out as \u escapes
        print()
        return 0
    from reviewer.media.timecode import format_camera_time, format_media_time

    for v in views:
        start = format_camera_time(v.camera_start) if v.camera_start else "start unknown"
        status = ",".join(word for word, on in (("evidential", v.id in evidential), ("clips-evid", v.id in
                          evidential_clips), ("hold", v.id in held)) if on) or "-"
        # for_terminal escapes newlines too, so a file name with one cannot forge a second row
        print(for_terminal(f"{v.short_id}  {start:<27}  {format_media_time(v.duration)}  {v.frame_count:>7} fr  "
                           f"{v.incident_ref or '-':<14} {v.officer_id or '-':<10} {v.integrity:<10} "
                           f"{status:<16} {v.file_name}"))
    return 0


def load_target(target: str, reason: str | None = None):
    """(MediaSource-like object, facts dict) for a file path or a library recording id. Opening a recording is
    audited with `reason` (the justification)."""
    from reviewer.library.originals import sha256_file
    from reviewer.media.source import MediaSource

    if is_file_target(target):
        path = Path(target)
        if not path.is_file():
            raise MediaError(path, "file not found" if not path.exists() else "is not a regular file")
        source = MediaSource.from_file(path)
        return source, {"sha256": sha256_file(path), "path": str(path),
                        "start_time": _iso(source.info.start_time)}
    with open_library() as lib:
        opened = lib.open_recording(target, reason=reason)  # verifies the original's hash first
    v = opened.view
    return opened, {"id": v.id, "sha256": v.sha256, "path": str(opened.path), "file_name": v.file_name,
                    "start_time": _iso(v.camera_start), "start_time_source": v.camera_start_source,
                    "officer_id": v.officer_id, "device_id": v.device_id, "incident_ref": v.incident_ref,
                    "integrity": v.integrity}


def _iso(t) -> str | None:
    return t.isoformat() if t is not None else None


def purpose(args, *extra) -> str:
    """The --reason given, or else the command itself, as the justification the audit trail records."""
    from reviewer.govern.justification import clean_reason, command_purpose

    return clean_reason(args.reason) or command_purpose([args.command, args.target, *map(str, extra)])


def cmd_probe(args) -> int:
    source, facts = load_target(args.target, purpose(args))
    info, table = source.info, source.table
    out = {
        **facts,
        "container": info.container,
        "size": info.size,
        "codec": info.codec,
        "width": info.width,
        "height": info.height,
        "pix_fmt": info.pix_fmt,
        "frame_count": table.frame_count,
        "time_base": f"{table.time_base.numerator}/{table.time_base.denominator}",
        "duration": table.duration,
        "average_fps": round(table.average_fps, 3),  # 29.97, not 29.970029970029973
        "is_vfr": table.is_vfr,
        "has_audio": info.has_audio,
        "audio_codec": info.audio_codec,
        "frame_pts": table.pts.tolist(),
        "keyframes": table.key_indices.tolist(),
    }
    if args.json:
        json.dump(out, sys.stdout)
        print()
        return 0
    for key, value in out.items():
        if key in ("frame_pts", "keyframes"):
            value = f"{len(value)} entries (use --json for the list)"
        print(f"{key:>18}: {for_terminal(value)}")
    return 0


def add_output_flags(parser) -> None:
    """--overwrite and --make-dirs, for every command that writes an output file."""
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output file (never a "
                        "read-only one, never one inside the library)")
    parser.add_argument("--make-dirs", action="store_true", help="create the output's folder if it is missing")


def say_created(created) -> None:
    for folder in created:
        print(f"reviewer: created folder {folder}", file=sys.stderr)


def cmd_frame(args) -> int:
    if not is_file_target(args.target):
        from reviewer.export.frame import export_frame

        with open_library() as lib:
            rid = lib.get(args.target).id
            done = export_frame(lib, rid, args.index, args.output, redacted=args.redacted,
                                overwrite=args.overwrite, make_dirs=args.make_dirs,
                                reason=purpose(args, args.index))
        say_created(done.created)
        if done.c2pa is not None and not done.c2pa.get("embedded"):
            print(f"reviewer: WARNING: exported WITHOUT Content Credentials: {done.c2pa.get('reason')}",
                  file=sys.stderr)
        return 0
    return frame_of_file(args)


def frame_of_file(args) -> int:
    """A file outside the library: no recording to audit, but the same rules for where the PNG may go."""
    import cv2

    from reviewer.atomic import write_bytes
    from reviewer.config import default_home
    from reviewer.media.geometry import Geometry
    from reviewer.outputs import check_output_path

    if args.redacted:
        raise ReviewerError(f"{args.target}: --redacted needs a library recording id (masks live in the library)")
    source, _facts = load_target(args.target)
    n, count = args.index, source.table.frame_count
    if not 0 <= n < count:
        raise MediaError(source.path, f"frame {n} does not exist: frames are numbered 0 to {count - 1}")
    target = check_output_path(default_home(), args.output, args.overwrite, args.make_dirs, what="exported frame")
    with source.reader(cache_bytes=256 * 1024 * 1024) as reader:
        rgb = Geometry.of(source.info).to_display(reader.frame(n).rgb())
    ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise MediaError(args.output, "PNG encoding failed")
    write_bytes(target.path, png.tobytes())
    say_created(target.created)
    return 0


COMMANDS = {"import": cmd_import, "list": cmd_list, "probe": cmd_probe, "frame": cmd_frame}

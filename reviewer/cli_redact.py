"""CLI commands for redaction and export: `masks list|export|import|approve|status`, `export`, `verify`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from reviewer.errors import ReviewerError
from reviewer.safe_text import for_terminal


def register(sub) -> None:
    from reviewer.cli import add_output_flags

    m = sub.add_parser("masks", help="list, export or import a recording's redaction masks (JSON, docs/masks-schema.md)")
    msub = m.add_subparsers(dest="masks_command", metavar="ACTION", required=True)
    ml = msub.add_parser("list", help="list mask tracks and ranges")
    ml.add_argument("id", metavar="ID")
    ml.add_argument("--json", action="store_true")
    ml.set_defaults(handler=cmd_masks_list)
    me = msub.add_parser("export", help="write the masks as JSON (stdout, or -o FILE)")
    me.add_argument("id", metavar="ID")
    me.add_argument("-o", "--output", type=Path, metavar="FILE")
    add_output_flags(me)
    me.set_defaults(handler=cmd_masks_export)
    mi = msub.add_parser("import", help="add masks from a JSON file (same schema); existing ids are updated")
    mi.add_argument("id", metavar="ID")
    mi.add_argument("file", type=Path, metavar="FILE")
    mi.set_defaults(handler=cmd_masks_import)
    ma = msub.add_parser("approve", help="approve the recording's current mask set (a second user, not an author)")
    ma.add_argument("id", metavar="ID")
    ma.add_argument("--json", action="store_true")
    ma.set_defaults(handler=cmd_masks_approve)
    ms = msub.add_parser("status", help="whether the current mask set is approved, by whom and when")
    ms.add_argument("id", metavar="ID")
    ms.add_argument("--json", action="store_true")
    ms.set_defaults(handler=cmd_masks_status)

    e = sub.add_parser("export", help="export a redacted copy with manifest, report and leak check")
    e.add_argument("id", metavar="ID")
    e.add_argument("--out", type=Path, required=True, metavar="OUT.mp4")
    e.add_argument("--range", action="append", default=[], metavar="IN:OUT",
                   help="inclusive frame range; repeat for several (joined into one file unless --separate)")
    e.add_argument("--clip", action="append", default=[], metavar="NAME",
                   help="export a named clip (its in/out frames); repeat for several, may mix with --range")
    e.add_argument("--separate", action="store_true", help="one file per range: OUT-1.mp4, OUT-2.mp4, ...")
    e.add_argument("--purpose", default="", metavar="TEXT", help="why it is disclosed (audit trail, manifest)")
    e.add_argument("--recipient", default="", metavar="TEXT", help="who receives it (audit trail, manifest)")
    e.add_argument("--overlay", action="append", default=[], choices=["banner", "watermark", "timestamp"],
                   help="burn in: 'REDACTED COPY' + incident banner, recipient watermark, per-frame time/frame")
    e.add_argument("--no-audio", action="store_true", help="leave the audio out")
    e.add_argument("--preset", default="veryfast", help="x264 preset (default veryfast)")
    e.add_argument("--crf", type=int, default=18, help="x264 quality, lower is better (default 18)")
    e.add_argument("--no-report", action="store_true", help="skip the PDF report")
    e.add_argument("--package", nargs="?", const=True, default=None, type=Path, metavar="ZIP",
                   help="also write a disclosure package: copies, manifests, reports, certificate chain, VERIFY.txt "
                        "(default OUT-disclosure.zip)")
    e.add_argument("--json", action="store_true")
    add_output_flags(e)
    e.set_defaults(handler=cmd_export)

    v = sub.add_parser("verify", help="re-hash an export (or a still) and check its manifest and Content Credentials")
    v.add_argument("output", type=Path, metavar="OUT.mp4|STILL.png")
    v.add_argument("--manifest", type=Path, metavar="M", help="the manifest (or a still's sidecar JSON)")
    v.add_argument("--trust", type=Path, metavar="PEM_OR_DIR",
                   help="CA certificates to trust for Content Credentials (default: the library's trust anchors)")
    v.add_argument("--json", action="store_true")
    v.set_defaults(handler=cmd_verify)


def _library():
    from reviewer.library import Library

    return Library()


def cmd_masks_list(args) -> int:
    from reviewer.redact.store import MaskStore

    with _library() as lib:
        rec = lib.get(args.id)
        data = MaskStore(lib).export_json(rec.id)
    if args.json:
        print(json.dumps(data))
        return 0
    for t in data["tracks"]:
        kfs = t["keyframes"]
        # a mask holds until a hidden keyframe ends it (ADR 0004), so a visible last keyframe runs to the end
        end = "-" if not kfs else kfs[-1]["pts"] if kfs[-1]["hidden"] else "end"
        print(for_terminal(f"{t['id'][:8]}  {t['kind']:8} {t['effect']['kind']:9} {len(kfs):5} keyframes  "
              f"pts {kfs[0]['pts'] if kfs else '-'}..{end}  {t['reason'] or '(no reason)'}  {t['label']}"))
    for kind in ("blackouts", "audio"):
        for r in data[kind]:
            print(for_terminal(f"{r['id'][:8]}  {kind[:-1] if kind == 'blackouts' else 'audio':8} {r['mode']:9} "
                  f"pts {r['start_pts']}..{r['end_pts']}  {r['reason']}"))
    return 0


def cmd_masks_export(args) -> int:
    from reviewer.cli import say_created
    from reviewer.outputs import write_text_output
    from reviewer.redact.store import MaskStore

    with _library() as lib:
        data = MaskStore(lib).export_json(lib.get(args.id).id)
    text = json.dumps(data, indent=2) + "\n"
    if args.output:
        say_created(write_text_output(lib.paths.home, args.output, text, args.overwrite, args.make_dirs,
                                      "mask export").created)
    else:
        sys.stdout.write(text)
    return 0


def cmd_masks_import(args) -> int:
    from reviewer.redact import mask_file
    from reviewer.redact.store import MaskStore
    from reviewer.redact.validate import MaskError

    with _library() as lib:
        rid = lib.get(args.id).id
        store = MaskStore(lib)
        ms = mask_file.read(args.file, store.bounds(rid))
        try:
            n = store.import_set(rid, ms, source=str(args.file))
        except MaskError as exc:  # checks that need the library: ids of another recording, ids used twice
            raise MaskError(f"{args.file}: not a valid mask file: {exc}; nothing was imported") from None
    print(f"imported {n} mask records")
    return 0


def _print_status(st, as_json: bool) -> None:
    if as_json:
        print(json.dumps(st.to_json()))
        return
    print(f"{st.recording_id}: {st.describe()}")
    print(f"mask set sha256 {st.current_sha256}")
    if st.latest is not None:
        print(f"approved sha256 {st.latest.mask_sha256}")


def cmd_masks_approve(args) -> int:
    from reviewer.redact import approval

    with _library() as lib:
        st = approval.approve(lib, lib.get(args.id).id)
    _print_status(st, args.json)
    return 0


def cmd_masks_status(args) -> int:
    from reviewer.redact import approval

    with _library() as lib:
        st = approval.status(lib, lib.get(args.id).id)
    _print_status(st, args.json)
    return 0


def _ranges(args, frame_count: int) -> list[tuple[int, int]]:
    out = []
    for text in args.range:
        try:
            a, b = (int(x) for x in text.split(":"))
        except ValueError:
            raise ReviewerError(f"--range {text!r}: use IN:OUT frame numbers, e.g. 120:480") from None
        if not 0 <= a <= b < frame_count:
            raise ReviewerError(f"--range {text}: frames are numbered 0 to {frame_count - 1} and IN <= OUT")
        out.append((a, b))
    return out


def _clip_ranges(lib, recording_id: str, names: list[str], table) -> list[tuple[int, int]]:
    if not names:
        return []
    from reviewer.annotate.service import Annotations

    clips = {c.name: c for c in Annotations(lib).clips.list(recording_id)}
    out = []
    for name in names:
        clip = clips.get(name)
        if clip is None:
            known = ", ".join(sorted(clips)) or "none"
            raise ReviewerError(f"--clip {name!r}: no such clip on recording {recording_id} (clips: {known})")
        out.append((table.index_at_or_before_pts(clip.in_pts), table.index_at_or_before_pts(clip.out_pts)))
    return out


def cmd_export(args) -> int:
    from reviewer.export.package import package_path_for
    from reviewer.export.service import ExportJob, run_export

    package = package_path_for(args.out) if args.package is True else args.package
    with _library() as lib:
        rec = lib.get(args.id)
        job = ExportJob(recording_id=rec.id, out=args.out, ranges=(), separate=args.separate,
                        purpose=args.purpose, recipient=args.recipient, overlays=tuple(args.overlay),
                        audio=not args.no_audio, preset=args.preset, crf=args.crf, report=not args.no_report,
                        overwrite=args.overwrite, make_dirs=args.make_dirs, package=package)
        opened = lib.open_recording(rec.id)
        job = job.with_ranges(_clip_ranges(lib, rec.id, args.clip, opened.table) + _ranges(args, opened.table.frame_count))
        results = run_export(lib, job, opened=opened, progress=_progress if sys.stderr.isatty() else None)
    from reviewer.cli import say_created

    say_created(p for r in results for p in r.created)
    return say_exported(results, args.json)


def say_exported(results, as_json: bool) -> int:
    """One line per exported file (or a JSON object each), its package, and a loud warning on stderr for any
    file that went out without Content Credentials, whatever the output format (ADR 0021)."""
    pkg = results[0].package
    for r in results:
        c2pa = r.manifest.get("c2pa") or {}
        if not c2pa.get("embedded"):
            print(for_terminal(f"reviewer: WARNING: {r.output.name} exported WITHOUT Content Credentials: "
                               f"{c2pa.get('reason')}"), file=sys.stderr)
        if as_json:
            print(json.dumps({"output": str(r.output), "manifest": str(r.manifest_path), "frames": r.frames,
                              "sha256": r.manifest["output"]["sha256"], "leak_check": r.manifest["leak_check"],
                              "kind": r.manifest.get("kind", "single"), "c2pa": r.manifest.get("c2pa"),
                              "package": pkg and {"path": str(pkg.path), "sha256": pkg.sha256}}))
        else:
            signed = "Content Credentials embedded" if c2pa.get("embedded") else "NO Content Credentials"
            print(for_terminal(f"{r.output}  {r.frames} frames  sha256 {r.manifest['output']['sha256']}  "
                               f"leak check passed  {signed}"))
    if pkg and not as_json:
        print(for_terminal(f"{pkg.path}  disclosure package  sha256 {pkg.sha256}"))
    return 0


def _progress(fraction: float, label: str) -> None:
    print(f"\r{fraction:6.1%} {label[:60]:60}", end="", file=sys.stderr, flush=True)


def cmd_verify(args) -> int:
    from reviewer.config import Paths, default_home
    from reviewer.export.manifest import verify
    from reviewer.export.still_verify import verify_still
    from reviewer.library import Library
    from reviewer.provenance.certs import load_anchors

    # the workstation signature counts only if a library here knows the key that made it; with no library at all
    # (a recipient) it is not checked and verify says so, the Content Credential being their check
    known: dict[str, str] | None = None
    anchors = load_anchors(args.trust) if args.trust else None
    if Paths(default_home()).database.exists():  # never create a library just to verify a file
        from reviewer.provenance.identity import config

        with Library() as lib:
            known = lib.gov.known_keys()
            anchors = anchors or config(lib).anchors_pem()
    if args.output.suffix.lower() == ".png":
        v = verify_still(args.output, args.manifest, anchors)
    else:
        v = verify(args.output, args.manifest, known, anchors)
    if args.json:
        print(json.dumps(v.to_json()))
    elif v.ok:
        record = "sidecar" if args.output.suffix.lower() == ".png" else "manifest"
        print(for_terminal(f"OK: {args.output} matches its {record} ({', '.join(v.checks)})"))
        for source in v.sources:
            print(for_terminal(f"SOURCE: {source}"))
        for note in v.notes:
            print(for_terminal(f"NOTE: {note}"))
    else:
        for p in v.problems:
            print(for_terminal(f"FAILED: {args.output}: {p}"), file=sys.stderr)
    return 0 if v.ok else 1

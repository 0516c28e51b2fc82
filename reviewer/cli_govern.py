"""CLI for review and governance: bookmark, clip, evidential, hold, retention, audit, user.

Every command acts as the current user (the OS account; REVIEWER_USER only in a test library) with their role in the
library; refusals exit non-zero and are in the audit trail. --json gives machine-readable output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from reviewer.errors import MediaError, ReviewerError
from reviewer.safe_text import for_terminal, json_for_terminal

EXIT_BROKEN = 2
EXIT_NOT_ANCHORED = 3  # linked library: the local chain is sound, but the store's checkpoint could not be had


def register(sub) -> None:
    from reviewer.cli import add_output_flags

    b = _group(sub, "bookmark", "bookmarks at exact frames: add, list, edit, delete, export, categories")
    p = _cmd(b, "add", cmd_bookmark_add, "bookmark frame N of a recording")
    p.add_argument("id", metavar="ID")
    p.add_argument("--frame", type=int, required=True, metavar="N")
    p.add_argument("--title", required=True)
    p.add_argument("--note", default="")
    p.add_argument("--category", default="other", metavar="C")
    p = _cmd(b, "list", cmd_bookmark_list, "list bookmarks (all recordings, or one)")
    p.add_argument("id", nargs="?", metavar="ID")
    p.add_argument("--category", metavar="C")
    p.add_argument("--search", metavar="TEXT")
    p = _cmd(b, "edit", cmd_bookmark_edit, "change a bookmark's frame, title, note or category")
    p.add_argument("bookmark", metavar="BOOKMARK_ID")
    p.add_argument("--frame", type=int, metavar="N")
    p.add_argument("--title")
    p.add_argument("--note")
    p.add_argument("--category", metavar="C")
    p = _cmd(b, "delete", cmd_bookmark_delete, "delete a bookmark (a tombstone is kept)")
    p.add_argument("bookmark", metavar="BOOKMARK_ID")
    p = _cmd(b, "export", cmd_bookmark_export, "write a recording's bookmarks as CSV or JSON", json_flag=False)
    p.add_argument("id", metavar="ID")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("-o", "--output", type=Path, metavar="FILE")
    add_output_flags(p)
    p = _cmd(b, "categories", cmd_bookmark_categories, "list (or, as supervisor, change) the categories")
    p.add_argument("--add", metavar="NAME")
    p.add_argument("--remove", metavar="NAME")

    c = _group(sub, "clip", "named in/out ranges: add, list, edit, delete")
    p = _cmd(c, "add", cmd_clip_add, "add a clip from frame --in to frame --out (inclusive)")
    p.add_argument("id", metavar="ID")
    p.add_argument("--in", dest="in_frame", type=int, required=True, metavar="N")
    p.add_argument("--out", dest="out_frame", type=int, required=True, metavar="M")
    p.add_argument("--name", required=True)
    p.add_argument("--purpose", required=True, choices=["evidential", "training", "disclosure"])
    p = _cmd(c, "list", cmd_clip_list, "list clips (all recordings, or one)")
    p.add_argument("id", nargs="?", metavar="ID")
    p = _cmd(c, "edit", cmd_clip_edit, "change a clip's name, range or purpose")
    p.add_argument("id", metavar="ID")
    p.add_argument("--name", required=True, help="the clip to change")
    p.add_argument("--new-name")
    p.add_argument("--in", dest="in_frame", type=int, metavar="N")
    p.add_argument("--out", dest="out_frame", type=int, metavar="M")
    p.add_argument("--purpose", choices=["evidential", "training", "disclosure"])
    p = _cmd(c, "delete", cmd_clip_delete, "delete a clip (a tombstone is kept)")
    p.add_argument("id", metavar="ID")
    p.add_argument("--name", required=True)

    e = _group(sub, "evidential", "evidential marks on recordings and clips: mark, clear, list")
    p = _cmd(e, "mark", cmd_evidential_mark, "mark a recording (or one of its clips) evidential")
    p.add_argument("id", metavar="ID")
    p.add_argument("--clip", metavar="NAME")
    p.add_argument("--reference", required=True, metavar="REF", help="incident or crime reference")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.add_argument("--category", default="other", metavar="C")
    p = _cmd(e, "clear", cmd_evidential_clear, "clear an evidential mark (supervisor)")
    p.add_argument("id", metavar="ID")
    p.add_argument("--clip", metavar="NAME")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p = _cmd(e, "list", cmd_evidential_list, "list active evidential marks")
    p.add_argument("id", nargs="?", metavar="ID")
    p.add_argument("--all", action="store_true", help="include cleared marks")

    h = _group(sub, "hold", "legal holds: set, release, list (supervisor)")
    for verb in ("set", "release"):
        p = _cmd(h, verb, cmd_hold, f"{verb} a legal hold on a recording")
        p.add_argument("id", metavar="ID")
        p.add_argument("--reason", required=True, metavar="TEXT")
    _cmd(h, "list", cmd_hold_list, "list active legal holds")

    r = _group(sub, "retention", "retention status, purge runs and the policy table")
    p = _cmd(r, "status", cmd_retention_status, "days left and what is due for every recording")
    p.add_argument("--now", metavar="ISO_TIME", help="simulated clock")
    p = _cmd(r, "run", cmd_retention_run, "purge what is due (supervisor); --dry-run only lists it")
    p.add_argument("--now", metavar="ISO_TIME", help="simulated clock (not ahead of the real one)")
    p.add_argument("--dry-run", action="store_true")
    _cmd(r, "policy", cmd_retention_policy, "show the policy table (category -> days)")
    p = _cmd(r, "set", cmd_retention_set, "set a category's retention period in days (supervisor)")
    p.add_argument("category", metavar="CATEGORY")
    p.add_argument("days", metavar="DAYS", help="whole days, or 'none' to remove a category's own period")
    p.add_argument("--reason", metavar="TEXT")

    a = _group(sub, "audit", "the tamper-evident audit trail: verify, export, list")
    _cmd(a, "verify", cmd_audit_verify, "check every link and checkpoint; exit 2 when broken")
    p = _cmd(a, "export", cmd_audit_export, "write the trail (with hashes) as JSON or CSV", json_flag=False)
    _time_range(p)
    p.add_argument("--format", choices=["csv", "json"], default="json")
    p.add_argument("-o", "--output", type=Path, metavar="FILE")
    add_output_flags(p)
    p = _cmd(a, "list", cmd_audit_list, "show events, newest first")
    _time_range(p)
    p.add_argument("--user")
    p.add_argument("--object", metavar="ID", help="object id (or prefix)")
    p.add_argument("--action", help="an action, or a prefix ending in '.' (e.g. bookmark.)")
    p.add_argument("--limit", type=int, default=50)

    u = _group(sub, "user", "the current user and roles")
    _cmd(u, "show", cmd_user_show, "who you are in this library and your role")
    _cmd(u, "list", cmd_user_list, "every user of this library")
    p = _cmd(u, "set-role", cmd_user_set_role, "give a user a role (supervisor, or anyone while there is none)")
    p.add_argument("username", metavar="USER")
    p.add_argument("role", choices=["investigator", "professional_standards", "trainer", "supervisor"])
    p.add_argument("--reason", metavar="TEXT")
    p = _cmd(u, "set-name", cmd_user_set_name, "set your display name")
    p.add_argument("name", metavar="NAME")


def _group(sub, name: str, help_text: str):
    g = sub.add_parser(name, help=help_text)
    return g.add_subparsers(dest=f"{name}_command", metavar="ACTION", required=True)


def _cmd(group, name: str, handler, help_text: str, json_flag: bool = True):
    p = group.add_parser(name, help=help_text)
    if json_flag:
        p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=handler)
    return p


def _time_range(p) -> None:
    p.add_argument("--since", metavar="ISO_TIME")
    p.add_argument("--until", metavar="ISO_TIME")


# ---- helpers ----------------------------------------------------------------------------------------------------
def _library():
    from reviewer.library import Library

    return Library()


def _time(text: str | None, what: str):
    if text is None:
        return None
    from reviewer.media.timecode import parse_camera_time

    try:
        return parse_camera_time(text)
    except ValueError:
        raise ReviewerError(f"{what} {text!r} is not a time: use ISO 8601, e.g. 2024-06-01T12:00:00Z") from None


def _emit(args, data, lines) -> int:
    """JSON or text lines, with the control and bidi characters of user text (titles, notes, reasons,
    references) escaped so they cannot act on the terminal or forge a line."""
    if args.json:
        print(json_for_terminal(json.dumps(data, ensure_ascii=False)))
    else:
        for line in lines:
            print(for_terminal(line))
    return 0


def _table(lib, view):
    """The recording's frame table (cached by hash) to turn frame numbers into the pts annotations store."""
    return lib.frame_tables.get_or_build(view.sha256, view.original_path)


def _tables(lib, recording_ids) -> dict:
    """Frame tables for listing; None for a recording that is gone (purged), whose frames cannot be shown."""
    from reviewer.errors import NotFound

    out = {}
    for rid in set(recording_ids):
        try:
            out[rid] = _table(lib, lib.get(rid))
        except (NotFound, MediaError):
            out[rid] = None
    return out


def _pts(table, view, n: int, what: str = "frame") -> int:
    if not 0 <= n < table.frame_count:
        raise MediaError(view.original_path, f"{what} {n} does not exist: frames are numbered 0 to "
                                             f"{table.frame_count - 1}")
    return int(table.pts_of(n))


def _frame(table, pts: int):
    if table is None:
        return None
    try:
        return int(table.index_of_pts(pts))
    except KeyError:
        return None


def _annotations(lib):
    from reviewer.annotate.service import Annotations

    return Annotations(lib)


def _write_or_print(text: str, args, home: Path, what: str) -> None:
    if args.output is None:
        sys.stdout.write(text)
        return
    from reviewer.cli import say_created
    from reviewer.outputs import write_text_output

    say_created(write_text_output(home, args.output, text, args.overwrite, args.make_dirs, what).created)


# ---- bookmarks --------------------------------------------------------------------------------------------------
def _bookmark_line(b, frame) -> str:
    return f"{b.id[:8]}  {b.recording_id[:8]}  frame {frame if frame is not None else '?':>6}  " \
           f"{b.category:<16} {b.title}" + (f"  -- {b.note}" if b.note else "")


def cmd_bookmark_add(args) -> int:
    with _library() as lib:
        view = lib.get(args.id)
        pts = _pts(_table(lib, view), view, args.frame)
        b = _annotations(lib).add_bookmark(view.id, pts, args.title, args.note, args.category)
    return _emit(args, {**b.to_json(), "frame": args.frame}, [b.id])


def cmd_bookmark_list(args) -> int:
    with _library() as lib:
        rid = lib.get(args.id).id if args.id else None
        marks = _annotations(lib).bookmarks.list(rid, category=args.category, text_filter=args.search)
        tables = _tables(lib, [b.recording_id for b in marks])
        frames = [_frame(tables[b.recording_id], b.pts) for b in marks]
    return _emit(args, [{**b.to_json(), "frame": f} for b, f in zip(marks, frames)],
                 [_bookmark_line(b, f) for b, f in zip(marks, frames)])


def cmd_bookmark_edit(args) -> int:
    fields = {k: v for k, v in (("title", args.title), ("note", args.note), ("category", args.category))
              if v is not None}
    with _library() as lib:
        ann = _annotations(lib)
        old = ann.bookmarks.get(args.bookmark)
        view = lib.get(old.recording_id)
        table = _table(lib, view)
        if args.frame is not None:
            fields["pts"] = _pts(table, view, args.frame)
        if not fields:
            raise ReviewerError("nothing to change: give --frame, --title, --note or --category")
        b = ann.edit_bookmark(old.id, **fields)
    return _emit(args, {**b.to_json(), "frame": _frame(table, b.pts)}, [_bookmark_line(b, _frame(table, b.pts))])


def cmd_bookmark_delete(args) -> int:
    with _library() as lib:
        ann = _annotations(lib)
        b = ann.bookmarks.get(args.bookmark)
        ann.delete_bookmark(b.id)
    return _emit(args, {"deleted": b.id}, [f"deleted bookmark {b.id}"])


def cmd_bookmark_export(args) -> int:
    from reviewer.annotate.bookmarks import export_rows, export_text

    with _library() as lib:
        view = lib.get(args.id)
        rows = export_rows(_annotations(lib).bookmarks.list(view.id), _table(lib, view), view.camera_start)
    _write_or_print(export_text(rows, args.format), args, lib.paths.home, "bookmark export")
    return 0


def cmd_bookmark_categories(args) -> int:
    with _library() as lib:
        store = _annotations(lib).bookmarks
        if args.add:
            store.add_category(args.add)
        if args.remove:
            store.remove_category(args.remove)
        names = store.categories()
    return _emit(args, names, names)


# ---- clips ------------------------------------------------------------------------------------------------------
def _clip_line(c, table) -> str:
    first, last = _frame(table, c.in_pts), _frame(table, c.out_pts)
    return f"{c.id[:8]}  {c.recording_id[:8]}  frames {first}..{last}  {c.purpose:<10} " \
           f"{'EVIDENTIAL ' if c.evidential else ''}{c.name}"


def _clip_json(c, table) -> dict:
    return {**c.to_json(), "in_frame": _frame(table, c.in_pts), "out_frame": _frame(table, c.out_pts)}


def cmd_clip_add(args) -> int:
    with _library() as lib:
        view = lib.get(args.id)
        table = _table(lib, view)
        c = _annotations(lib).add_clip(view.id, _pts(table, view, args.in_frame, "in frame"),
                                       _pts(table, view, args.out_frame, "out frame"), args.name, args.purpose)
    return _emit(args, _clip_json(c, table), [c.id])


def cmd_clip_list(args) -> int:
    with _library() as lib:
        rid = lib.get(args.id).id if args.id else None
        clips = _annotations(lib).clips.list(rid)
        tables = _tables(lib, [c.recording_id for c in clips])
    return _emit(args, [_clip_json(c, tables[c.recording_id]) for c in clips],
                 [_clip_line(c, tables[c.recording_id]) for c in clips])


def cmd_clip_edit(args) -> int:
    with _library() as lib:
        view = lib.get(args.id)
        ann = _annotations(lib)
        clip = ann.clips.by_name(view.id, args.name)
        table = _table(lib, view)
        fields = {}
        if args.new_name is not None:
            fields["name"] = args.new_name
        if args.in_frame is not None:
            fields["in_pts"] = _pts(table, view, args.in_frame, "in frame")
        if args.out_frame is not None:
            fields["out_pts"] = _pts(table, view, args.out_frame, "out frame")
        if args.purpose is not None:
            fields["purpose"] = args.purpose
        if not fields:
            raise ReviewerError("nothing to change: give --new-name, --in, --out or --purpose")
        c = ann.edit_clip(clip.id, **fields)
    return _emit(args, _clip_json(c, table), [_clip_line(c, table)])


def cmd_clip_delete(args) -> int:
    with _library() as lib:
        ann = _annotations(lib)
        clip = ann.clips.by_name(lib.get(args.id).id, args.name)
        ann.delete_clip(clip.id)
    return _emit(args, {"deleted": clip.id}, [f"deleted clip {clip.name!r} ({clip.id})"])


# ---- evidential marks and holds -----------------------------------------------------------------------------
def _mark_line(m) -> str:
    target = f"clip {m.clip_name!r}" if m.clip_id else "whole recording"
    state = "active" if m.active else f"cleared by {m.cleared_by} ({m.clear_reason})"
    return f"{m.id[:8]}  {m.recording_id[:8]}  {target:<24} {m.reference:<14} {m.category:<22} by {m.marked_by} " \
           f"{m.marked_at:%Y-%m-%d %H:%M}Z  {state}  -- {m.reason}"


def cmd_evidential_mark(args) -> int:
    with _library() as lib:
        view = lib.get(args.id)
        ann = _annotations(lib)
        clip_id = ann.clips.by_name(view.id, args.clip).id if args.clip else None
        m = ann.mark_evidential(view.id, args.reference, args.reason, args.category, clip_id)
    return _emit(args, m.to_json(), [m.id])


def cmd_evidential_clear(args) -> int:
    with _library() as lib:
        view = lib.get(args.id)
        ann = _annotations(lib)
        clip_id = ann.clips.by_name(view.id, args.clip).id if args.clip else None
        mark = ann.evidential.active_for(view.id, clip_id)
        if mark is None:
            what = f"clip {args.clip!r} of recording {view.short_id}" if args.clip else f"recording {view.short_id}"
            raise ReviewerError(f"{what} has no active evidential mark")
        m = ann.clear_evidential(mark.id, args.reason)
    return _emit(args, m.to_json(), [f"cleared evidential mark {m.id}"])


def cmd_evidential_list(args) -> int:
    with _library() as lib:
        rid = lib.get(args.id).id if args.id else None
        marks = _annotations(lib).evidential.list(rid, active_only=not args.all)
    return _emit(args, [m.to_json() for m in marks], [_mark_line(m) for m in marks])


def cmd_hold(args) -> int:
    with _library() as lib:
        view = lib.get(args.id)
        ann = _annotations(lib)
        h = ann.set_hold(view.id, args.reason) if args.hold_command == "set" else ann.release_hold(view.id, args.reason)
    return _emit(args, h.to_json(), [f"legal hold {'set on' if h.active else 'released from'} {view.id}"])


def cmd_hold_list(args) -> int:
    with _library() as lib:
        holds = _annotations(lib).holds.list(active_only=True)
    return _emit(args, [h.to_json() for h in holds],
                 [f"{h.recording_id[:8]}  since {h.set_at:%Y-%m-%d %H:%M}Z by {h.set_by}  -- {h.reason}"
                  for h in holds])


# ---- retention --------------------------------------------------------------------------------------------------
def _status_line(st) -> str:
    left = "never (held)" if st.days_left is None else (f"{st.days_left} days left" if st.days_left >= 0
                                                         else f"{-st.days_left} days overdue")
    refs = f"  refs {','.join(st.references)}" if st.references else ""
    return f"{st.recording_id[:8]}  {st.state:<10} {st.rule:<22} {left:<18} {st.file_name}{refs}"


def cmd_retention_status(args) -> int:
    from reviewer.govern.purge import Retention

    with _library() as lib:
        rows = Retention(lib).status(_time(args.now, "--now"))
    return _emit(args, [st.to_json() for st in rows], [_status_line(st) for st in rows])


def cmd_retention_run(args) -> int:
    from reviewer.govern.purge import Retention

    with _library() as lib:
        report = Retention(lib).run(_time(args.now, "--now"), dry_run=args.dry_run)
    verb = "would purge" if args.dry_run else "purged"
    done = report.due if args.dry_run else report.purged
    lines = [f"{verb} {p.recording_id[:8]}  {p.file_name}" for p in done]
    lines += [f"skipped {rid[:8]}: {why}" for rid, why in report.skipped]
    lines.append(f"{len(done)} recording(s) {verb}" + (" (dry run)" if args.dry_run else ""))
    return _emit(args, report.to_json(), lines)


def cmd_retention_policy(args) -> int:
    from reviewer.govern.retention import Policies

    with _library() as lib:
        rows = Policies(lib.gov).list()
    return _emit(args, [p.to_json() for p in rows], [f"{p.category:<24} {p.days:>6} days" for p in rows])


def cmd_retention_set(args) -> int:
    from reviewer.govern.retention import Policies

    days = None if args.days.strip().lower() == "none" else _int(args.days, "DAYS")
    with _library() as lib:
        p = Policies(lib.gov).set(args.category, days, args.reason)
    return _emit(args, p.to_json() if p else {"category": args.category, "days": None},
                 [f"{args.category}: {p.days if p else 'removed (falls back to evidential)'}"])


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ReviewerError(f"{what} must be a whole number, got {text!r}") from None


# ---- audit ------------------------------------------------------------------------------------------------------
def cmd_audit_verify(args) -> int:
    from reviewer.sync.anchoring import store_anchor

    with _library() as lib:
        anchor = store_anchor(lib)  # a linked library is checked against the store's signed checkpoint too
        v = lib.gov.verify_audit(anchor.checkpoints)
        if v.ok and lib.gov.seal_error:
            print(f"reviewer: warning: the audit trail was not sealed with a checkpoint: {lib.gov.seal_error}",
                  file=sys.stderr)
    if v.ok and anchor.problem:
        print(for_terminal(f"reviewer: the audit trail was not checked against the store: {anchor.problem}"),
              file=sys.stderr)
    _emit(args, {"ok": v.ok, "checked": v.checked, "problem": v.problem, "first_bad_seq": v.first_bad_seq,
                 "problems": v.notes, "message": v.line(), "store_checked": bool(anchor.checkpoints),
                 "store_problem": anchor.problem}, [v.line(), *(f"  {n}" for n in v.notes)])
    if not v.ok:
        return EXIT_BROKEN
    return EXIT_NOT_ANCHORED if anchor.problem else 0


def cmd_audit_export(args) -> int:
    since, until = _time(args.since, "--since"), _time(args.until, "--until")
    with _library() as lib:
        if args.output is not None:  # refused before the export is recorded
            from reviewer.outputs import check_output_path

            check_output_path(lib.paths.home, args.output, args.overwrite, args.make_dirs, "audit export")
        text, n = lib.gov.audit.export_text(args.format, since, until)
        lib.gov.record_now("audit", "", "audit.export", details={
            "format": args.format, "events": n, "since": args.since, "until": args.until,
            "output": str(args.output) if args.output else "stdout"})
    _write_or_print(text, args, lib.paths.home, "audit export")
    return 0


def cmd_audit_list(args) -> int:
    with _library() as lib:
        events = lib.gov.audit.events(user=args.user, object_id=args.object, action=args.action,
                                      since=_time(args.since, "--since"), until=_time(args.until, "--until"),
                                      limit=args.limit, newest_first=True)
    return _emit(args, [e.to_json() for e in events],
                 [f"{e.seq:>6}  {e.at:%Y-%m-%d %H:%M:%S}Z  {e.user:<12} {e.role:<22} {e.action:<28} {e.outcome:<8} "
                  f"{e.object_type} {e.object_id[:8]}" + (f"  why: {e.justification}" if e.justification else "")
                  for e in events])


# ---- users ------------------------------------------------------------------------------------------------------
def _user_line(u) -> str:
    return f"{u.username:<20} {u.role.value:<24} {u.display_name}"


def cmd_user_show(args) -> int:
    with _library() as lib:
        me = lib.gov.me()
        data = {**me.to_json(), "workstation": lib.gov.workstation}
    return _emit(args, data, [_user_line(me), f"workstation {data['workstation']}"])


def cmd_user_list(args) -> int:
    from reviewer.govern.users import Users

    with _library() as lib:
        users = Users(lib.gov).list()
    return _emit(args, [u.to_json() for u in users], [_user_line(u) for u in users])


def cmd_user_set_role(args) -> int:
    from reviewer.govern.users import Users

    with _library() as lib:
        u = Users(lib.gov).set_role(args.username, args.role, args.reason)
    return _emit(args, u.to_json(), [_user_line(u)])


def cmd_user_set_name(args) -> int:
    from reviewer.govern.users import Users

    with _library() as lib:
        u = Users(lib.gov).set_display_name(args.name)
    return _emit(args, u.to_json(), [_user_line(u)])

"""CLI for library administration: `reviewer admin init` names a library's first supervisor (audited)."""

from __future__ import annotations

from reviewer.cli_govern import _cmd, _emit, _group


def register(sub) -> None:
    a = _group(sub, "admin", "library administration: init, adopt-state")
    p = _cmd(a, "init", cmd_admin_init, "name the first supervisor of a new library (once, audited)")
    p.add_argument("--supervisor", required=True, metavar="USER", help="the OS account name of the supervisor")
    p.add_argument("--test-library", action="store_true",
                   help="mark this new, empty library as a test library: REVIEWER_USER is honoured only there")
    p = _cmd(a, "adopt-state", cmd_admin_adopt, "accept roles, marks, holds and periods no audit event backs "
             "(supervisor; audited with the reason)")
    p.add_argument("--reason", required=True, metavar="TEXT")


def cmd_admin_init(args) -> int:
    from reviewer.govern.bootstrap import initialise
    from reviewer.library import Library

    with Library(as_os_account=True) as lib:
        u = initialise(lib.gov, args.supervisor, test_library=args.test_library)
        data = {**u.to_json(), "test_library": lib.gov.test_library, "library": str(lib.paths.home),
                "by": lib.gov.os_account}
    kind = "test library" if data["test_library"] else "library"
    return _emit(args, data, [f"{kind} {data['library']}: {u.username} is its supervisor (set by {data['by']})"])


def cmd_admin_adopt(args) -> int:
    from reviewer.govern.bootstrap import adopt_state
    from reviewer.library import Library

    with Library() as lib:
        n = adopt_state(lib.gov, args.reason)
    return _emit(args, {"adopted": n}, [f"adopted {n} governed row(s) into the audit trail"])

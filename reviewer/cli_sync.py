"""`reviewer sync login|logout|status`: link this library to a store and stay signed in (ADR 0016)."""

from __future__ import annotations

import json

from reviewer.safe_text import for_terminal, json_for_terminal


def register(sub) -> None:
    sync = sub.add_parser("sync", help="link this library to a central store: login, logout, status, run")
    cmds = sync.add_subparsers(dest="sync_command", metavar="COMMAND", required=True)
    p = cmds.add_parser("login", help="sign in to a store (links the library at first use)",
                        description="With only the URL: asks the store how to sign in and uses its one "
                                    "organisation sign-in (device code, or --browser), or says which flags "
                                    "choose. With --code: enrols with the one-time code from `reviewer store user "
                                    "add`. "
                                    "With --oidc: device-code sign-in at an external OIDC issuer the store "
                                    "trusts (open the URL shown, enter the code), or with --browser in the "
                                    "system browser. With --entra: Entra ID through MSAL (device code, or "
                                    "--browser). Each way the sign-in is "
                                    "kept in the OS keyring only, the store's keys are pinned at first sign-in, "
                                    "the signed offline grant is fetched and the audit chain pushed.")
    p.add_argument("url", metavar="URL", help="the store, e.g. http://127.0.0.1:8400")
    how = p.add_mutually_exclusive_group()  # none: the store's list of methods decides (signin_methods.choose)
    how.add_argument("--code", metavar="CODE", help="one-time enrolment code (the store's own sign-in)")
    how.add_argument("--oidc", metavar="ISSUER", help="an OIDC issuer URL, e.g. "
                     "https://login.microsoftonline.com/TENANT/v2.0")
    how.add_argument("--entra", metavar="TENANT", help="Entra ID through Microsoft's MSAL: a tenant id or domain, "
                     "or https://HOST/TENANT for a national cloud (docs/entra.md)")
    p.add_argument("--client-id", metavar="ID", help="the workstation app's client id at the issuer (with --oidc "
                   "or --entra; without them it replaces the one the store lists)")
    p.add_argument("--browser", action="store_true", help="with --oidc or --entra: sign in in the system browser "
                   "(authorization code + PKCE, redirect to loopback) instead of entering a device code")
    p.add_argument("--scope", metavar="SCOPES", help="scopes to ask for (with --oidc; default: openid "
                   "offline_access; with --entra: the store's API, default api://bwv-store/.default)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_login)
    p = cmds.add_parser("logout", help="forget the sign-in; the library stays linked and is read-only")
    p.set_defaults(handler=cmd_logout)
    p = cmds.add_parser("status", help="online or offline, user, role, grant expiry, operations pending")
    p.add_argument("--push-audit", action="store_true", help="also push the audit chain to the store")
    p.add_argument("--renew", action="store_true", help="also fetch a fresh offline grant")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_status)
    from reviewer.cli_sync_footage import register_fetch
    from reviewer.cli_sync_loop import register_run

    register_fetch(cmds)
    register_run(cmds)


def _library():
    from reviewer.library import Library

    return Library()


def _lines(st: dict) -> list[str]:
    if not st["linked"]:
        return ["not linked to a store (local library)", f"user: {st['user']} ({st['role']})"]
    online = {True: "online", False: "offline", None: "not checked"}[st["online"]]
    lines = [f"store: {st['url']} ({online})", f"user: {st['user']} ({st['role']})",
             f"signed in: {'yes' if st['signed_in'] else 'no'}",
             f"offline grant expires: {st['grant_expires_at'] or 'no grant'}"]
    if st["problem"]:
        lines.append(f"read-only: {st['problem']}")
    lines.append(f"operations pending: {st['pending_operations']}")
    if st.get("pushed_audit"):
        lines.append(f"audit chain anchored at the store up to event {st['pushed_audit']['seq']}")
    return lines


def _emit(args, st: dict) -> int:
    if getattr(args, "json", False):
        print(json_for_terminal(json.dumps(st, ensure_ascii=False)))
    else:
        for line in _lines(st):
            print(for_terminal(line))
    return 0


def cmd_login(args) -> int:
    import sys

    from reviewer.errors import ReviewerError
    from reviewer.sync.link import login, login_entra, login_oidc, login_oidc_browser

    if args.browser and args.code:
        raise ReviewerError("--browser needs --oidc or --entra")
    if args.oidc and not args.client_id:
        raise ReviewerError("--oidc needs --client-id (the workstation app's id at the issuer)")
    if args.entra:
        from reviewer.sync.entra import configure

        entra = configure(args.entra, args.client_id or "", args.scope)

    def show(code) -> None:  # stderr, so --json output stays one document
        from reviewer.sync.signin_methods import instruction

        print(for_terminal(instruction(code)), file=sys.stderr, flush=True)

    def open_browser(uri: str) -> None:
        import webbrowser

        print(for_terminal(f"Opening your browser to sign in; if it does not open, visit {uri}"), file=sys.stderr,
              flush=True)
        webbrowser.open(uri)

    if not (args.code or args.oidc or args.entra):
        from dataclasses import replace

        from reviewer.sync.signin_methods import choose, fetch, sign_in

        method, flow = choose(args.url, fetch(args.url), args.browser)
        if args.client_id:
            method = replace(method, client_id=args.client_id)
        if flow == "browser" and method.kind == "entra":
            print("Opening your browser to sign in with your organisation's Microsoft account", file=sys.stderr,
                  flush=True)
        with _library() as lib:
            st = sign_in(lib, args.url, method, flow, scope=args.scope, open_browser=open_browser,
                         show=lambda line: print(for_terminal(line), file=sys.stderr, flush=True))
        return _emit(args, st)
    with _library() as lib:
        if args.code:
            st = login(lib, args.url, args.code)
        elif args.entra:
            if args.browser:
                print("Opening your browser to sign in with your organisation's Microsoft account", file=sys.stderr,
                      flush=True)
            st = login_entra(lib, args.url, entra, browser=args.browser,
                             show=lambda message: print(for_terminal(message), file=sys.stderr, flush=True))
        elif args.browser:
            st = login_oidc_browser(lib, args.url, args.oidc, args.client_id, args.scope, open_browser=open_browser)
        else:
            st = login_oidc(lib, args.url, args.oidc, args.client_id, args.scope, show=show)
    return _emit(args, st)


def cmd_logout(args) -> int:
    from reviewer.sync.link import linked_url, logout

    with _library() as lib:
        url = linked_url(lib)
        removed = logout(lib)
    print(for_terminal(f"signed out of {url}" + ("" if removed else " (no sign-in was kept)")))
    return 0


def cmd_status(args) -> int:
    from reviewer.sync.link import push_audit, renew_grant, status

    with _library() as lib:
        pushed = None
        if args.renew:
            renew_grant(lib)
        if args.push_audit:
            pushed = push_audit(lib)
        st = status(lib)
    if pushed is not None:
        st["pushed_audit"] = pushed
    return _emit(args, st)

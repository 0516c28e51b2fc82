"""`reviewer store ...`: run the central store (issue 10). Needs the `store` extra (pip install '.[store]')."""

from __future__ import annotations

from pathlib import Path

from reviewer.errors import ReviewerError


def register(sub) -> None:
    store = sub.add_parser("store", help="the central store service: serve, user, dock")
    cmds = store.add_subparsers(dest="store_command", metavar="COMMAND", required=True)
    serve = cmds.add_parser("serve", help="run the store's HTTP API (embedded default without --config)",
                            description="With no configuration: SQLite and filesystem blobs under the store home "
                                        "(REVIEWER_STORE_HOME or the user data folder), on 127.0.0.1:8400.")
    serve.add_argument("--config", type=Path, metavar="FILE", help="TOML file: PostgreSQL, S3, uploads")
    serve.add_argument("--host", help="address to listen on (overrides the configuration)")
    serve.add_argument("--port", type=int, help="port to listen on (overrides the configuration)")
    serve.set_defaults(handler=cmd_serve)
    register_user(cmds)
    from reviewer.cli_dock import register_dock

    register_dock(cmds)
    from reviewer.cli_store_retention import register_retention

    register_retention(cmds)


def register_user(cmds) -> None:
    from reviewer.store.identity import ROLES

    user = cmds.add_parser("user", help="administer the store's users (run on the store's machine)")
    ucmds = user.add_subparsers(dest="user_command", metavar="COMMAND", required=True)
    add = ucmds.add_parser("add", help="add a user; prints their one-time enrolment code",
                           description="For the store's own sign-in, prints a one-time enrolment code the user "
                                       "exchanges for tokens. With --issuer, NAME is the value of that OIDC "
                                       "issuer's username claim and no code is needed.")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--issuer", default="", metavar="URL", help="an external OIDC issuer from [oidc]")
    add.add_argument("--config", type=Path, metavar="FILE", help="the store's TOML configuration")
    add.set_defaults(handler=cmd_user_add)
    change = ucmds.add_parser("set", help="change a user's role, or disable/enable them")
    change.add_argument("name", metavar="NAME")
    change.add_argument("--role", choices=ROLES)
    change.add_argument("--disable", action="store_true", help="refuse their tokens from now on")
    change.add_argument("--enable", action="store_true")
    change.add_argument("--issuer", default="", metavar="URL")
    change.add_argument("--config", type=Path, metavar="FILE")
    change.set_defaults(handler=cmd_user_set)


ADMIN_ACTOR = "store administrator (command line)"


def _user_admin(args, fn):
    from reviewer.store.config import load_config
    from reviewer.store.db import open_store_database, transact

    config = load_config(args.config)
    if args.issuer and args.issuer not in {o.issuer for o in config.oidc}:
        raise ReviewerError(f"issuer {args.issuer}: not configured in the store's [oidc] section")
    engine, sessions = open_store_database(config.db_url)
    try:
        return transact(sessions, lambda s: fn(s, config))
    finally:
        engine.dispose()


def cmd_user_add(args) -> int:
    from reviewer.store.identity import add_user

    user, code, ttl = _user_admin(args, lambda s, cfg: (*add_user(s, ADMIN_ACTOR, args.name, args.role, args.issuer,
                                                                  cfg.enrolment_ttl_s), cfg.enrolment_ttl_s))
    print(f"user {user.name} added as {user.role} (id {user.id})")
    if code:
        print(f"one-time enrolment code, valid for {ttl / 3600:g} h: {code}")
    return 0


def cmd_user_set(args) -> int:
    from reviewer.store.errors import Refused
    from reviewer.store.identity import change_user, find_user

    if args.disable and args.enable:
        raise ReviewerError("give --disable or --enable, not both")
    active = False if args.disable else True if args.enable else None

    def fn(s, _cfg):
        user = find_user(s, args.name, args.issuer)
        if user is None:
            raise Refused(404, f"user {args.name}: not found")
        return change_user(s, ADMIN_ACTOR, user.id, args.role, active)

    user = _user_admin(args, fn)
    print(f"user {user.name}: {user.role}, {'active' if user.active else 'disabled'}")
    return 0


KEEP_ALIVE_S = 65


def cmd_serve(args) -> int:
    try:
        import uvicorn

        from reviewer.store.app import create_app
    except ImportError as exc:
        raise ReviewerError(f"the store needs its server packages: pip install 'bwv-reviewer[store]' ({exc})") from None
    from reviewer.store.config import load_config

    config = load_config(args.config)
    if args.host:
        config.host = args.host
    if args.port is not None:
        config.port = args.port
    app = create_app(config)
    print(f"reviewer store: serving http://{config.host}:{config.port}/api/v1 "
          f"({config.db_url.split(':', 1)[0]}, {config.blob_backend} blobs)", flush=True)
    # keep-alive: the server must outlast its clients' idle connections (httpx lets one go after 5 s, uvicorn's
    # default is also 5 s), or a client's next request can meet a connection the server is just closing
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning", timeout_graceful_shutdown=5,
                timeout_keep_alive=KEEP_ALIVE_S)
    return 0

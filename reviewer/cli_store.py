"""`reviewer store ...`: run the central store (issue 10). Needs the `store` extra (pip install '.[store]')."""

from __future__ import annotations

from pathlib import Path

from reviewer.errors import ReviewerError


def register(sub) -> None:
    store = sub.add_parser("store", help="the central store service: serve")
    cmds = store.add_subparsers(dest="store_command", metavar="COMMAND", required=True)
    serve = cmds.add_parser("serve", help="run the store's HTTP API (embedded default without --config)",
                            description="With no configuration: SQLite and filesystem blobs under the store home "
                                        "(REVIEWER_STORE_HOME or the user data folder), on 127.0.0.1:8400.")
    serve.add_argument("--config", type=Path, metavar="FILE", help="TOML file: PostgreSQL, S3, uploads")
    serve.add_argument("--host", help="address to listen on (overrides the configuration)")
    serve.add_argument("--port", type=int, help="port to listen on (overrides the configuration)")
    serve.set_defaults(handler=cmd_serve)


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
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning", timeout_graceful_shutdown=5)
    return 0

"""The one way this project opens SQLite: the desktop library and the store's embedded default both need it."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event

BUSY_TIMEOUT_MS = 10_000


def sqlite_engine(url: str, *, begin: str = "BEGIN", foreign_keys: bool = True) -> Engine:
    """An engine whose transactions we open ourselves, in WAL mode with synchronous=FULL. `begin` is the statement
    that opens each transaction ("BEGIN IMMEDIATE" takes the write lock at once, for a server whose requests
    read then write)."""
    engine = create_engine(
        url,
        # sessions, not connections, are per-thread; the pool hands each connection to one session at a time
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # Take transaction control away from pysqlite so BEGIN covers reads and DDL too (its default starts
        # transactions only at the first write, which makes migrations and read-then-write non-atomic).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed import, verification result or upload acknowledgement must survive a power cut
        cur.execute("PRAGMA synchronous=FULL")
        if foreign_keys:
            cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql(begin)

    return engine

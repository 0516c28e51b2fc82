"""The one way this project opens SQLite: the desktop library and the store's embedded default both need it."""

from __future__ import annotations

import sqlite3

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError

from reviewer.writer_queue import WriterQueue

BUSY_TIMEOUT_MS = 10_000
# a writer's wait in the process's own queue: fair, so it ends only when the writers ahead of it have committed
QUEUE_TIMEOUT_S = 30.0


def _queued_connection(queue: WriterQueue) -> type[sqlite3.Connection]:
    """A pysqlite connection that gives the process's writer turn back when its transaction ends, however it ends
    (commit, rollback, the pool's reset on return, close)."""

    class QueuedConnection(sqlite3.Connection):
        holds_turn = False

        def take_turn(self) -> None:
            if not self.holds_turn:
                if not queue.acquire(QUEUE_TIMEOUT_S):
                    raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError(
                        f"database is locked: the writers queued ahead did not finish in {QUEUE_TIMEOUT_S:.0f} s"))
                self.holds_turn = True

        def give_turn(self) -> None:
            if self.holds_turn and not self.in_transaction:
                self.holds_turn = False
                queue.release()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self.give_turn()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self.give_turn()

        def close(self) -> None:
            try:
                super().close()
            finally:
                if self.holds_turn:
                    self.holds_turn = False
                    queue.release()

    return QueuedConnection


def sqlite_engine(url: str, *, begin: str = "BEGIN", foreign_keys: bool = True) -> Engine:
    """An engine whose transactions we open ourselves, in WAL mode with synchronous=FULL. `begin` is the statement
    that opens each transaction ("BEGIN IMMEDIATE" takes the write lock at once, for a server whose requests
    read then write; its transactions then also queue in arrival order in this process, see writer_queue)."""
    queued = begin.upper().endswith("IMMEDIATE")
    connect_args = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    if queued:
        connect_args["factory"] = _queued_connection(WriterQueue())
    # sessions, not connections, are per-thread; the pool hands each connection to one session at a time
    engine = create_engine(url, connect_args=connect_args)

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
        raw = conn.connection.dbapi_connection
        if not queued:
            conn.exec_driver_sql(begin)
            return
        raw.take_turn()
        try:
            conn.exec_driver_sql(begin)
        except BaseException:
            raw.give_turn()
            raise

    return engine

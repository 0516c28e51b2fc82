"""The store's SQLite writers queue in arrival order in their process (reviewer/writer_queue.py): nobody is
overtaken into a "database is locked", and a transaction gives its turn back however it ends."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from reviewer.sqlite_engine import sqlite_engine
from reviewer.writer_queue import WriterQueue


def wait_for(condition, what: str, timeout: float = 30.0) -> None:
    done = threading.Event()
    for _ in range(int(timeout * 100)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def test_waiters_get_the_lock_in_the_order_they_came():
    q = WriterQueue()
    assert q.acquire(1)
    order: list[int] = []

    def writer(n: int) -> None:
        assert q.acquire(30)
        order.append(n)
        q.release()

    threads = []
    for n in range(8):
        t = threading.Thread(target=writer, args=(n,))
        t.start()
        threads.append(t)
        wait_for(lambda: q.waiting == n + 1, f"writer {n} to queue")
    q.release()
    for t in threads:
        t.join(30)
    assert order == list(range(8))
    assert q.acquire(0.01), "the lock is free once the last writer released it"


def test_a_waiter_that_times_out_leaves_the_queue_working():
    q = WriterQueue()
    assert q.acquire(1)
    assert not q.acquire(0.05)
    assert q.waiting == 0
    q.release()
    assert q.acquire(0.05)
    q.release()


@pytest.fixture
def engine(tmp_path):
    e = sqlite_engine(f"sqlite:///{tmp_path / 'w.db'}", begin="BEGIN IMMEDIATE")
    with e.begin() as c:
        c.execute(text("CREATE TABLE t (x INTEGER)"))
    yield e
    e.dispose()


def insert_from_another_thread(engine, value: int) -> None:
    """Waits (at most the queue's timeout) for the process's writer turn, so it fails if a turn was never given
    back."""
    errors = []

    def run():
        try:
            with engine.begin() as c:
                c.execute(text("INSERT INTO t VALUES (:x)"), {"x": value})
        except Exception as exc:  # reported to the test thread below
            errors.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    assert not t.is_alive() and not errors, errors


def test_commit_rollback_failure_and_close_each_give_the_turn_back(engine):
    with engine.begin() as c:
        c.execute(text("INSERT INTO t VALUES (1)"))
    insert_from_another_thread(engine, 2)

    with pytest.raises(OperationalError):
        with engine.begin() as c:
            c.execute(text("INSERT INTO missing VALUES (1)"))
    insert_from_another_thread(engine, 3)

    conn = engine.connect()
    conn.execute(text("INSERT INTO t VALUES (99)"))  # autobegun: holds the turn
    conn.invalidate()  # the pooled DBAPI connection is closed without a commit
    insert_from_another_thread(engine, 4)

    with engine.connect() as c:
        assert sorted(c.execute(text("SELECT x FROM t")).scalars()) == [1, 2, 3, 4]


def test_many_threads_write_without_a_lock_error(engine):
    def writer(n: int):
        for i in range(20):
            with engine.begin() as c:
                c.execute(text("INSERT INTO t VALUES (:x)"), {"x": n * 100 + i})

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM t")).scalar() == 24 * 20


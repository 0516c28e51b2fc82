"""Background operations: results and progress arrive on the UI thread, cancel works, stale results are dropped."""

from __future__ import annotations

import threading

import pytest

from reviewer.errors import MediaError
from ui.operations import Runner

WAIT = 60_000  # generous: a loaded machine is slow, and a condition met early returns at once


@pytest.fixture
def runner(qapp):
    r = Runner()
    yield r
    r.shutdown()


def test_result_and_progress_arrive_on_the_main_thread(qtbot, runner):
    main = threading.get_ident()
    seen = {}

    def work(x, task):
        seen["worker"] = threading.get_ident()
        task.report(1.0, "half way")  # 1.0 is never throttled
        return x * 2

    progress, results = [], []
    runner.run(work, 21, on_done=lambda r: results.append((r, threading.get_ident())),
               on_progress=lambda f, label: progress.append((f, label, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT)
    assert results == [(42, main)]
    assert seen["worker"] != main
    assert progress == [(1.0, "half way", main)]
    assert not runner.active()


def test_errors_reach_on_error_on_the_main_thread(qtbot, runner):
    def work(task):
        raise MediaError("/x/bad.mp4", "file is empty (0 bytes)")

    errors = []
    runner.run(work, on_done=lambda r: pytest.fail("on_done after an error"),
               on_error=lambda e: errors.append((e, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT)
    exc, thread = errors[0]
    assert isinstance(exc, MediaError) and "bad.mp4" in str(exc)
    assert thread == threading.get_ident()


def test_cancel_stops_the_worker_and_drops_its_result(qtbot, runner):
    started, stopped = threading.Event(), threading.Event()

    def work(task):
        started.set()
        while not task.cancel.cancelled:
            task.cancel._event.wait(0.01)
        stopped.set()
        return "too late"

    cancelled, done = [], []
    op = runner.run(work, on_done=done.append, on_cancelled=lambda: cancelled.append(True))
    assert started.wait(5)
    op.cancel()
    qtbot.waitUntil(lambda: bool(cancelled), timeout=WAIT)
    assert stopped.is_set() and done == []


def test_newer_operation_with_the_same_key_supersedes_the_older(qtbot, runner):
    release_first = threading.Event()

    def slow(task):
        release_first.wait(5)
        return "A"

    def fast(task):
        return "B"

    delivered = []
    first = runner.run(slow, key="open", on_done=delivered.append)
    runner.run(fast, key="open", on_done=delivered.append)
    qtbot.waitUntil(lambda: delivered == ["B"], timeout=WAIT)
    assert first.cancelled  # the older one was asked to stop
    release_first.set()
    qtbot.waitUntil(lambda: first.finished, timeout=WAIT)
    assert delivered == ["B"]  # A's result was stale and never delivered

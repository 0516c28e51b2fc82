"""Progress reports from worker threads are coalesced, never dropped: the newest value always reaches the screen
within one throttle interval, even when no later report follows it. Before the fix the jobs panel and the
Runner dropped any report that came within the interval of the previous one, leaving a bar on a stale value."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from reviewer.export.queue import JobState
from reviewer.export.service import ExportJob
from ui.coalesce import LatestValues
from ui.export.jobs_panel import JobsPanel
from ui.operations import Runner

pytestmark = pytest.mark.gui
WAIT = 60_000  # generous: a loaded machine is slow, and a condition met early returns at once


class _Queue:
    """The two calls JobsPanel makes on an ExportQueue."""

    def __init__(self):
        self.listeners = []

    def subscribe(self, fn):
        self.listeners.append(fn)

    def unsubscribe(self, fn):
        self.listeners.remove(fn)

    def jobs(self):
        return []

    def cancel(self, _job_id):
        pass


def _in_thread(fn) -> None:
    t = threading.Thread(target=fn)
    t.start()
    t.join()


def test_burst_delivers_the_newest_value_of_each_key(qtbot):
    got: list[tuple[str, int]] = []
    lv = LatestValues(lambda k, v: got.append((k, v)), interval_s=0.1)

    def burst():
        for n in range(1, 201):
            lv.push("a", n)
            lv.push("b", -n)

    _in_thread(burst)
    qtbot.waitUntil(lambda: ("a", 200) in got and ("b", -200) in got, timeout=WAIT)
    a = [v for k, v in got if k == "a"]
    assert a == sorted(a), "values of one key arrive in the order they were pushed"
    assert len(a) < 200, "a burst is coalesced, not replayed report by report"


def test_jobs_panel_shows_the_last_progress_of_a_burst(qtbot):
    queue = _Queue()
    panel = JobsPanel(queue)
    qtbot.addWidget(panel)
    st = JobState(id=1, job=ExportJob(recording_id="r", out=Path("/tmp/x.mp4")), state="running", fraction=0.0)
    (listener,) = queue.listeners

    def reports():
        listener(st)
        for f in (0.1, 0.2, 0.35):  # all within one interval of the first: the old throttle dropped them all
            st.fraction = f
            listener(st)

    _in_thread(reports)
    qtbot.waitUntil(lambda: 1 in panel.rows and panel.row(1).bar.value() == 350, timeout=WAIT)


def test_runner_delivers_the_last_progress_report(qtbot):
    runner = Runner()
    seen: list[float] = []
    release = threading.Event()

    def work(task):
        for f in (0.1, 0.4, 0.7):
            task.report(f, "working")
        release.wait(WAIT / 1000)  # no later report: the 0.7 must still arrive while the call runs
        return "ok"

    done = []
    runner.run(work, on_progress=lambda f, _label: seen.append(f), on_done=done.append)
    qtbot.waitUntil(lambda: bool(seen) and seen[-1] == 0.7, timeout=WAIT)
    release.set()
    qtbot.waitUntil(lambda: done == ["ok"], timeout=WAIT)
    runner.shutdown()

"""The suite's own safety net: a Python exception raised inside a Qt slot, or one that ends a worker thread,
fails the test in which it happened (it would otherwise only be printed, and the test would pass)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

INNER = '''
import threading
from PySide6.QtCore import QObject, Signal

class Sender(QObject):
    fired = Signal()

def test_slot_raises(qtbot):
    s = Sender()
    def slot():
        raise ValueError("raised in a slot")
    s.fired.connect(slot)
    s.fired.emit()

def test_thread_raises():
    def work():
        raise KeyError("raised in a thread")
    t = threading.Thread(target=work)
    t.start()
    t.join()

def test_quiet(qtbot):
    s = Sender()
    s.fired.connect(lambda: None)
    s.fired.emit()
'''


def test_exceptions_in_slots_and_threads_fail_their_test(pytester, monkeypatch):
    repo = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")])))
    pytester.makeconftest("pytest_plugins = ['tests.conftest']\n")
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    # the slot fails its test; the thread's test passes its call and errors at teardown, where the hook reports
    result.assert_outcomes(passed=2, failed=1, errors=1)
    out = result.stdout.str() + result.stderr.str()
    assert "raised in a slot" in out and "raised in a thread" in out

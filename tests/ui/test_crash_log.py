"""An unexpected error in the GUI reaches the log file with its traceback and the user as one plain sentence."""

from __future__ import annotations

import logging
import sys
import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ui import crash_log

WAIT = 30000


@pytest.fixture
def installed(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    path = crash_log.install(tmp_path / "home")
    yield path
    root = logging.getLogger()
    for h in [h for h in root.handlers if getattr(h, "baseFilename", None) == str(path)]:
        root.removeHandler(h)
        h.close()


def _box():
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.objectName() == "unexpectedErrorBox" and w.isVisible()]
    return boxes[0] if boxes else None


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_logged_with_its_traceback_and_shown_without_one(qtbot, installed):
    def slot():
        raise ValueError("frame table for 'PC 4471.mp4' is empty")

    QTimer.singleShot(0, slot)
    qtbot.waitUntil(lambda: _box() is not None, timeout=WAIT)
    box = _box()
    text = box.text()
    assert "frame table for 'PC 4471.mp4' is empty" in text and str(installed) in text
    assert "Traceback" not in text and "File \"" not in text
    box.close()
    logged = installed.read_text()
    assert "Traceback" in logged and "in slot" in logged and "ValueError" in logged
    assert oct(installed.parent.stat().st_mode & 0o777) == "0o700"


def test_an_exception_in_a_worker_thread_is_logged(installed):
    def work():
        raise RuntimeError("disk full writing export.tmp")

    t = threading.Thread(target=work, name="export-worker")
    t.start()
    t.join()
    logged = installed.read_text()
    assert "disk full writing export.tmp" in logged and "[export-worker]" in logged and "Traceback" in logged

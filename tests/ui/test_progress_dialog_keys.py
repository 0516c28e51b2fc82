"""The progress dialog opens right after a question answered with Enter (the first launch's "make me supervisor",
then the one-time demo footage): a second Enter or a Space must not cancel the work; Esc does."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from ui.dialogs.progress_dialog import run_with_progress
from ui.operations import Runner

WAIT = 60_000


@pytest.fixture
def runner(qapp):
    r = Runner()
    yield r
    r.shutdown()


def _waiting(started: threading.Event):
    def work(task):
        started.set()
        while not task.cancel.cancelled:
            task.cancel._event.wait(0.01)
        task.check("work")

    return work


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space], ids=["return", "enter", "space"])
def test_enter_or_space_does_not_cancel_and_esc_does(qtbot, runner, key):
    started = threading.Event()
    cancelled = []
    op, dialog = run_with_progress(runner, None, "Preparing demo footage", _waiting(started),
                                   on_cancelled=lambda: cancelled.append(True))
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    assert started.wait(30)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    target = dialog.focusWidget() or dialog
    qtbot.keyClick(target, key)
    qtbot.keyClick(target, key)
    assert not op.cancelled and dialog.isVisible(), "a stray key cancelled the work"
    qtbot.keyClick(target, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: bool(cancelled), timeout=WAIT)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)

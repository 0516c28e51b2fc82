"""The GUI's log file and its last line of defence against an unexpected error.

The bundle is windowed (no console on Windows), so a traceback printed to stderr is lost and the user sees
nothing, or sees a traceback they cannot act on. Here every record and every uncaught exception (in a Qt slot, the
main thread or a worker thread) goes to a rotating log in the library home, and the user gets one plain sentence
naming the problem and where the details are kept for support. What is already saved is untouched: the library
writes in transactions, and this only reports.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import threading
from pathlib import Path

LOG_NAME = "bwv-reviewer.log"
_MAX_BYTES = 2 * 1024 * 1024
_BACKUPS = 4

log = logging.getLogger("bwv_reviewer.gui")
_open_boxes: set = set()  # an unparented box lives only while Python holds it


def log_folder(home: Path) -> Path:
    return home / "logs"


def install(home: Path, *, show=None) -> Path:
    """Log to HOME/logs/bwv-reviewer.log and route uncaught exceptions through report(). show(title, text) puts
    the message in front of the user; by default a non-modal message box once a QApplication exists."""
    folder = log_folder(home)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.chmod(folder, 0o700)  # tracebacks can name recordings and people: this user's eyes only
    except OSError:
        pass
    path = folder / LOG_NAME
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    reporter = Reporter(path, show or _message_box)
    sys.excepthook = reporter.uncaught
    threading.excepthook = lambda args: reporter.uncaught(args.exc_type, args.exc_value, args.exc_traceback)
    log.info("BWV Reviewer started; library %s", home)
    return path


class Reporter:
    def __init__(self, path: Path, show):
        self.path = path
        self.show = show
        self._showing = False  # one message at a time: a failing paint event must not stack a thousand boxes

    def uncaught(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("Unexpected error", exc_info=(exc_type, exc, tb))
        if self._showing:
            return
        self._showing = True
        try:
            self.show("Unexpected error", user_text(exc, self.path))
        finally:
            self._showing = False


def user_text(exc: BaseException, path: Path) -> str:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (f"Something went wrong: {detail}\n\nWork already saved is kept. The details were written to "
            f"{path} for your support team.")


def _message_box(title: str, text: str) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox

    if QApplication.instance() is None or threading.current_thread() is not threading.main_thread():
        return  # logged; a box can only be shown from the GUI thread
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                      QApplication.activeWindow())
    box.setObjectName("unexpectedErrorBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    _open_boxes.add(box)
    box.finished.connect(lambda _result: _open_boxes.discard(box))
    box.open()  # non-modal to the event loop: the app keeps running behind it

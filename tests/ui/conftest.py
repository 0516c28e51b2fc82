"""Qt test fixtures: an offscreen QApplication whose QSettings live in a temporary folder, and a player rig.

Settings isolation: a test organisation/application name plus QSettings.setPath for every format and scope, so
no test reads or writes the user's real settings.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QSettings  # noqa: E402

TEST_ORG = "BWVReviewerTests"
TEST_APP = "bwv-reviewer-tests"


@pytest.fixture(scope="session", autouse=True)
def isolated_qsettings(tmp_path_factory):
    """Point every QSettings scope at a temp folder before any widget can read settings."""
    folder = tmp_path_factory.mktemp("qsettings")
    QCoreApplication.setOrganizationName(TEST_ORG)
    QCoreApplication.setApplicationName(TEST_APP)
    QCoreApplication.setOrganizationDomain("tests.invalid")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(fmt, scope, str(folder))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    yield folder


class PlayerRig:
    """A controller with the real canvas, transport and scrubber in one shown window."""

    def __init__(self, qtbot):
        from PySide6.QtWidgets import QVBoxLayout, QWidget

        from ui.player.canvas import VideoCanvas
        from ui.player.controller import PlayerController
        from ui.player.transport import TransportBar
        from ui.timeline.scrubber import TimelineScrubber

        self.qtbot = qtbot
        self.controller = PlayerController(audio=False)
        self.window = QWidget()
        lay = QVBoxLayout(self.window)
        self.canvas = VideoCanvas(self.controller)
        self.scrubber = TimelineScrubber(self.controller)
        self.transport = TransportBar(self.controller)
        lay.addWidget(self.canvas, 1)
        lay.addWidget(self.scrubber)
        lay.addWidget(self.transport)
        qtbot.addWidget(self.window)
        self.window.resize(760, 560)
        self.window.show()
        qtbot.waitExposed(self.window)

    def open(self, source, timeout: int = 60_000) -> None:
        c = self.controller
        with self.qtbot.waitSignal(c.frameShown, timeout=timeout):
            c.open(source)

    def settle(self, index: int, timeout: int = 60_000) -> None:
        """Wait until frame `index` is exactly on screen and nothing is pending."""
        c = self.controller
        self.qtbot.waitUntil(lambda: c.current_index == index and not c.busy and c.current_exact, timeout=timeout)

    def close(self) -> None:
        self.controller.shutdown()


@pytest.fixture
def player(qtbot):
    rig = PlayerRig(qtbot)
    yield rig
    rig.close()


@pytest.fixture(autouse=True)
def answer_justification(request, monkeypatch):
    """Opening a recording in the window asks why (DPA 2018 s62) in a dialog. Tests about something else answer
    it at once; a test module about the question itself sets ASK_JUSTIFICATION = True to get the real dialog."""
    if getattr(request.module, "ASK_JUSTIFICATION", False):
        return
    from ui.annotate import justification_dialog

    monkeypatch.setattr(justification_dialog, "ask", lambda parent, file_name, proceed: proceed("other: UI test"))

"""The app on a new library: it asks once whether the OS account becomes supervisor (the audited core init),
then the demo footage is imported; a test library says so in the title bar."""

from __future__ import annotations

import pytest

from reviewer.govern.identity import os_account
from reviewer.library import Library
from ui import first_run
from ui.settings import Settings
from ui.theme import apply_theme

ME = os_account()


@pytest.fixture
def open_window(qapp, qtbot, tmp_path):
    from ui.main_window import MainWindow

    apply_theme(qapp)
    made = []

    def make(home):
        lib = Library(home)
        w = MainWindow(lib, Settings(tmp_path / f"ui-{len(made)}.ini"), audio=False)
        qtbot.addWidget(w)
        w.show()
        made.append((w, lib))
        return w

    yield make
    for w, lib in made:
        w.close()
        lib.close()


def test_a_new_library_asks_once_then_imports_the_demo(qtbot, open_window, fresh_home):
    window = open_window(fresh_home)
    asked = []
    op = first_run.start(window, lambda _w, text: asked.append(text) or True, seconds=1.0)
    assert asked == [first_run.init_question(window.library)] and f"(OS account {ME})" in asked[0]
    gov = window.library.gov
    assert gov.me().role.value == "supervisor" and gov.has_supervisor()
    ev = gov.audit.events(action="library.init")
    assert [(e.user, e.os_account, e.details["supervisor"], e.details["test_library"]) for e in ev] == [
        (ME, ME, ME, False)]
    assert op is not None
    qtbot.waitUntil(lambda: op.finished, timeout=120_000)
    qtbot.waitUntil(lambda: len(window.library_panel.ids()) >= 2, timeout=30_000)
    assert window.windowTitle() == "BWV Reviewer"
    # the next launch does not ask again
    assert first_run.start(window, lambda *_: pytest.fail("asked twice")) is None


def test_declining_leaves_the_library_without_a_supervisor_and_no_demo(open_window, fresh_home):
    window = open_window(fresh_home)
    assert first_run.start(window, lambda *_: False) is None
    assert not window.library.gov.has_supervisor() and window.library.recordings() == []
    assert "admin init" in window.statusBar().currentMessage()


def test_a_test_library_says_so_in_the_title_bar(open_window, home):
    window = open_window(home)
    # the app's name last, as the window system appends it to a title that does not end with it (it was doubled)
    assert window.windowTitle() == "TEST LIBRARY — BWV Reviewer"
    assert window.title("a.mp4") == "a.mp4 — TEST LIBRARY — BWV Reviewer"


def test_without_a_secure_keyring_the_app_says_exports_are_refused(open_window, home):
    import keyring
    from keyring.backends import null

    window = open_window(home)
    assert not first_run.warn_if_unsealable(window)
    original = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    try:
        assert first_run.warn_if_unsealable(window)
    finally:
        keyring.set_keyring(original)
    assert window.statusBar().currentMessage().startswith(
        "Viewing only, exports refused: no secure OS keyring is available (found: keyring.backends.null.Keyring)")

"""Fixtures for the shell tests: a real Library in a tmp home and a real MainWindow with isolated settings."""

from __future__ import annotations

import pytest

from reviewer.library import Library
from ui.theme import apply_theme
from ui.settings import Settings


@pytest.fixture
def library(home):
    lib = Library(home)
    yield lib
    lib.close()


@pytest.fixture
def settings(tmp_path):
    return Settings(tmp_path / "ui-settings.ini")


@pytest.fixture
def make_window(qapp, library, settings, qtbot):
    from ui.main_window import MainWindow

    apply_theme(qapp)  # as the real app; app names stay the conftest's test names
    windows = []

    def make(s: Settings = settings) -> MainWindow:
        w = MainWindow(library, s, audio=False)
        qtbot.addWidget(w)
        w.show()
        w.activateWindow()  # window-wide shortcuts only fire in the active window
        qtbot.waitActive(w)
        windows.append(w)
        return w

    yield make
    for w in windows:
        if w.isVisible():
            w.close()


@pytest.fixture
def window(make_window):
    return make_window()


def import_and_wait(qtbot, window, paths, count: int):
    """Import through the UI (background + progress) and wait until the panel lists `count` recordings."""
    window.import_paths(list(paths))
    qtbot.waitUntil(lambda: len(window.library_panel.ids()) == count and not window.runner.active(), timeout=60_000)

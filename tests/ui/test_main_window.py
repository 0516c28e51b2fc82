"""The shell: docks, the one shortcut table, the help dialog and layout persistence."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from ui.dialogs.shortcuts_dialog import ShortcutsDialog
from ui.player.canvas import VideoCanvas
from ui.shortcuts import all_shortcuts, resolve

SHORTCUTS = all_shortcuts()
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures

DOCKS = {"libraryDock", "infoDock", "timelineDock", "transportDock"}
REQUIRED_KEYS = ["Space", "J", "K", "L", "Left", "Right", ",", ".", "Shift+Left", "Shift+Right", "Ctrl+Left",
                 "Ctrl+Right", "Home", "End", "[", "]", "Ctrl+G", "F", "1", "2", "4", "Ctrl+E", "F1", "?"]


def test_window_has_the_canvas_and_every_dock(window):
    assert isinstance(window.centralWidget(), VideoCanvas)
    assert DOCKS <= set(window.docks)  # feature modules add their own docks
    for name, dock in window.docks.items():
        assert dock.objectName() == name and dock.widget() is not None
    for name in DOCKS:  # the shell's docks show at first launch; features may keep theirs hidden until needed
        assert window.docks[name].isVisible()
    A = Qt.DockWidgetArea
    assert window.dockWidgetArea(window.docks["libraryDock"]) == A.LeftDockWidgetArea
    assert window.dockWidgetArea(window.docks["transportDock"]) == A.BottomDockWidgetArea


def test_shortcut_table_has_unique_keys_and_every_entry_resolves(window):
    seen: dict[str, str] = {}
    for s in SHORTCUTS:
        for seq in s.sequences():
            key = seq.toString(QKeySequence.SequenceFormat.PortableText)
            assert key and key not in seen, f"{key} bound to both {seen.get(key)} and {s.action_id}"
            seen[key] = s.action_id
        assert callable(resolve(window, s)), s.action_id
        assert window.actions_by_id[s.action_id].shortcuts() == s.sequences()
    missing = [k for k in REQUIRED_KEYS if QKeySequence(k).toString() not in seen]
    assert not missing, f"keys the spec requires are not bound: {missing}"
    assert len({s.action_id for s in SHORTCUTS}) == len(SHORTCUTS)


def test_help_dialog_lists_every_shortcut(qtbot, window):
    window.actions_by_id["help_shortcuts"].trigger()
    dialog = window._help
    assert isinstance(dialog, ShortcutsDialog) and dialog.isVisible()
    rows = dialog.rows()
    assert len(rows) == len(SHORTCUTS)
    for s in SHORTCUTS:
        assert (s.key_text(), s.description) in rows


def test_layout_persists_across_close_and_reopen(qtbot, make_window, settings):
    first = make_window()
    first.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, first.docks["infoDock"])
    first.docks["timelineDock"].hide()
    first.close()

    second = make_window(settings)
    assert second.dockWidgetArea(second.docks["infoDock"]) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert second.docks["timelineDock"].isHidden()
    assert second.docks["libraryDock"].isVisible()


def test_recent_folders_persist_most_recent_first(settings, tmp_path):
    from ui.settings import Settings

    for name in ("a", "b", "a", "c"):
        settings.add_recent_folder(tmp_path / name)
    again = Settings(settings.path)
    assert again.recent_folders() == [tmp_path / "c", tmp_path / "a", tmp_path / "b"]


def test_first_launch_generates_and_imports_demo_footage_once(qtbot, window):
    from ui import first_run

    op = first_run.maybe_generate_demo(window, seconds=1.0)  # short clips: the real ones are 75 s
    assert op is not None
    qtbot.waitUntil(lambda: op.finished, timeout=60_000)
    views = window.library.recordings()
    assert len(views) >= 2 and all(v.has_audio and v.camera_start and v.officer_id for v in views)
    qtbot.waitUntil(lambda: len(window.library_panel.ids()) == len(views), timeout=60_000)
    assert first_run.maybe_generate_demo(window) is None  # offered once per library

"""The library panel with a real Library: imports show up, search filters, double-click opens exactly, bad files
and altered originals are reported while the app keeps running."""

from __future__ import annotations

import os
import shutil
import stat
import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.fixtures import framecode
from tests.ui.shell import import_and_wait, library, make_window, settings, window  # noqa: F401 - fixtures

WAIT = 60_000  # generous: a loaded machine is slow, and a condition met early returns at once


def _copy(clip, folder, name=None):
    """The clip cache keeps a stamp file beside each clip that the library would read as a (bad) sidecar."""
    dst = folder / (name or clip.path.name)
    shutil.copy(clip.path, dst)
    return dst


def _double_click(qtbot, panel, recording_id):
    item = panel.item_for(recording_id)
    rect = panel.tree.visualItemRect(item)
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_imported_recording_is_listed_and_search_filters_it(qtbot, window, make_clip, tmp_path):
    src = _copy(make_clip("cfr_h264"), tmp_path, "PC1234_bodycam.mp4")
    import_and_wait(qtbot, window, [src], 1)
    panel = window.library_panel
    (view,) = window.library.recordings()
    assert panel.ids() == [view.id]
    assert "PC1234_bodycam.mp4" in panel.item_for(view.id).text(0)
    assert view.thumbnail_path is not None and not panel.item_for(view.id).icon(0).isNull()

    panel.search.setText("no such officer")
    qtbot.waitUntil(lambda: panel.ids() == [], timeout=WAIT)
    assert "0 recordings" in panel.count.text()
    panel.search.setText("pc1234")
    qtbot.waitUntil(lambda: panel.ids() == [view.id], timeout=WAIT)


def test_double_click_opens_the_recording_in_the_player(qtbot, window, make_clip, tmp_path):
    clip = make_clip("cfr_h264")
    import_and_wait(qtbot, window, [_copy(clip, tmp_path)], 1)
    (view,) = window.library.recordings()
    with qtbot.waitSignal(window.controller.frameShown, timeout=WAIT) as shown:
        _double_click(qtbot, window.library_panel, view.id)
    assert shown.args == [0]
    assert window.info.value("sha256") == view.sha256
    assert window.info.value("integrity").startswith("Verified")
    # the picture on the canvas is frame 0 of the original, and a key steps exactly one frame
    qtbot.waitUntil(lambda: framecode.read(window.controller.current_frame_rgb()) == clip.first_code, timeout=WAIT)
    window.canvas.setFocus()
    assert window.isActiveWindow()  # the import's progress dialog handed the keyboard back
    with qtbot.waitSignal(window.controller.frameShown, timeout=WAIT,
                          check_params_cb=lambda i: i == 1):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Right)
    assert framecode.read(window.controller.current_frame_rgb()) == clip.first_code + 1


def test_bad_file_import_lists_the_problem_and_the_app_survives(qtbot, window, make_clip, tmp_path):
    bad = tmp_path / "random.mp4"
    bad.write_bytes(os.urandom(20_000))
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    import_and_wait(qtbot, window, [bad, empty, _copy(make_clip("cfr_noaudio"), tmp_path)], 1)
    qtbot.waitUntil(lambda: window.last_import_report is not None, timeout=WAIT)
    problems = dict(window.last_import_report.problems())
    assert set(problems) == {str(bad), str(empty)}
    assert all(msg.strip() for msg in problems.values())
    assert "1 could not" not in window.last_import_report.summary.text()  # two failed, said as two
    assert "2 could not be imported" in window.last_import_report.summary.text()
    assert window.isVisible() and len(window.library.recordings()) == 1


def test_panel_follows_imports_made_on_another_thread(qtbot, window, make_clip, tmp_path):
    worker = threading.Thread(target=window.library.import_paths, args=([_copy(make_clip("cfr_noaudio"), tmp_path)],))
    worker.start()
    qtbot.waitUntil(lambda: len(window.library_panel.ids()) == 1, timeout=WAIT)
    worker.join()


def test_altered_original_is_refused_with_a_clear_message(qtbot, window, make_clip, tmp_path):
    import_and_wait(qtbot, window, [_copy(make_clip("cfr_noaudio"), tmp_path)], 1)
    (view,) = window.library.recordings()
    original = view.original_path
    os.chmod(original, stat.S_IRUSR | stat.S_IWUSR)
    with open(original, "r+b") as fh:  # simulate tampering / bit rot
        fh.seek(1000)
        byte = fh.read(1)
        fh.seek(1000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    window.open_recording(view.id)
    qtbot.waitUntil(lambda: isinstance(window.last_alert, QMessageBox) and window.last_alert.isVisible(),
                    timeout=WAIT)
    assert "integrity check failed" in window.last_alert.text() and str(original) in window.last_alert.text()
    assert window.controller.source is None  # nothing was opened
    qtbot.waitUntil(lambda: "INTEGRITY FAILED" in window.library_panel.item_for(view.id).text(0), timeout=WAIT)
    window.last_alert.close()
    assert window.isVisible()

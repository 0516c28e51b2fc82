"""Helpers for the annotation GUI tests: a real recording imported from a copy of a test clip, opened in the
real window, and the frame code read off what the canvas paints."""

from __future__ import annotations

import shutil
import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeView

from tests.fixtures import framecode
from ui.player.image import rgb_from_qimage

WAIT = 60_000  # generous: a loaded machine is slow, and a condition met early returns at once
SYNC_PAGE = 500  # one write transaction per page, as the sync loop applies them


def import_copy(library, clip, tmp_path, name: str = "clip.mp4"):
    """Import a copy: the clip cache holds stamp files that the library would read as sidecars."""
    src = tmp_path / "in" / name
    src.parent.mkdir(exist_ok=True)
    shutil.copy(clip.path, src)
    report = library.import_paths([src])
    assert not report.errors, report.errors
    return report.added[0]


def settle(qtbot, window, index: int) -> None:
    c = window.controller
    qtbot.waitUntil(lambda: c.current_index == index and not c.busy and c.current_exact
                    and window.canvas.shown_index == index, timeout=WAIT)


def seek(qtbot, window, index: int) -> None:
    window.controller.seek(index, exact=True)
    settle(qtbot, window, index)


def open_in(qtbot, window, view) -> None:
    with qtbot.waitSignal(window.controller.frameShown, timeout=WAIT):
        window.open_recording(view.id)
    settle(qtbot, window, 0)


def canvas_code(window, width: int) -> int | None:
    """The frame code in the picture the canvas paints (what the user sees, not the decoder's buffer)."""
    img = rgb_from_qimage(window.canvas.rendered_image())
    r = window.canvas.device_frame_rect()
    return framecode.read(img[max(0, r.y()):r.y() + r.height(), max(0, r.x()):r.x() + r.width()], width=width)


def click_row(qtbot, tree: QTreeView, row: int) -> None:
    """Click a row of a list, as a user would (a QTreeWidget's items or a view on a model alike)."""
    index = tree.model().index(row, 0)
    tree.scrollTo(index)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualRect(index).center())


def audit_actions(window) -> list[tuple[str, str, str]]:
    """(user, action, outcome) of every row the audit panel lists, oldest first."""
    from ui.annotate.audit_panel import COL

    rows = window.f.annotate.audit_panel.rows()
    return [(r[COL["User"]], r[COL["Action"]], r[COL["Outcome"]]) for r in reversed(rows)]


def key(qtbot, window, k, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """Press a window shortcut as a user would with the video focused (a focused text field keeps Ctrl+Z for
    its own text, as it should)."""
    window.activateWindow()  # a closed dialog may leave no window active; shortcuts need the active one
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    window.canvas.setFocus()
    qtbot.waitUntil(window.canvas.hasFocus, timeout=WAIT)
    qtbot.keyClick(window.canvas, k, modifiers)


def sync_on_a_thread(gov, ops: list, first_seq: int) -> threading.Thread:
    """Apply remote `ops` on another thread, a page per write transaction, as the sync loop does (the UI keeps
    running); the caller joins the returned thread."""
    from reviewer.ops.apply import apply_remote

    def run():
        for start in range(0, len(ops), SYNC_PAGE):
            with gov.write():
                for n, op in enumerate(ops[start:start + SYNC_PAGE]):
                    apply_remote(gov, op, "investigator", store_seq=first_seq + start + n)

    t = threading.Thread(target=run, name="fake-sync")
    t.start()
    return t

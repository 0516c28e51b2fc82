"""Bookmarks, clips, evidential marks, undo/redo and the audit panel, driven through the real window with the
keyboard and mouse (issue 3's GUI tests). The library, the footage and the audit trail are real."""

from __future__ import annotations

import csv
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from tests.ui.annotate_helpers import (WAIT, audit_actions, canvas_code, click_row, import_copy, key, open_in,
                                      seek)
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from ui.annotate.clip_dialog import ClipDialog
from ui.annotate.evidential_dialog import EvidentialDialog

pytestmark = pytest.mark.gui


@pytest.fixture
def opened(qtbot, window, make_clip, tmp_path):
    clip = make_clip("cfr_h264")
    view = import_copy(window.library, clip, tmp_path)
    open_in(qtbot, window, view)
    return window, view, clip


def ok(dialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_m_bookmarks_the_frame_on_screen_and_clicking_it_jumps_back_exactly(qtbot, opened):
    window, view, clip = opened
    f = window.f.annotate
    seek(qtbot, window, 123)
    key(qtbot, window, Qt.Key.Key_M)
    panel = f.bookmarks_panel
    qtbot.waitUntil(lambda: len(panel.shown()) == 1, timeout=WAIT)
    (b,) = f.annotations.bookmarks.list(view.id)
    table = window.controller.table
    assert b.pts == table.pts_of(123) and panel.shown()[0][0] == "123"
    assert [i for i, _b in f.bookmark_lane.markers()] == [123]

    seek(qtbot, window, 7)
    assert canvas_code(window, clip.width) == clip.first_code + 7
    f.tabs.setCurrentWidget(panel)
    click_row(qtbot, panel.tree, 0)
    qtbot.waitUntil(lambda: window.controller.current_index == 123 and not window.controller.busy, timeout=WAIT)
    qtbot.waitUntil(lambda: canvas_code(window, clip.width) == clip.first_code + 123, timeout=WAIT)

    f.show_audit()
    qtbot.waitUntil(lambda: any(a == "bookmark.create" for _u, a, _o in audit_actions(window)), timeout=WAIT)


def test_bookmark_filters_edit_and_export(qtbot, opened, tmp_path):
    window, view, clip = opened
    f = window.f.annotate
    ann = f.annotations
    table = window.controller.table
    ann.add_bookmark(view.id, table.pts_of(40), "baton drawn", "officer 2", "use of force")
    ann.add_bookmark(view.id, table.pts_of(200), "complaint made", category="allegation")
    panel = f.bookmarks_panel
    qtbot.waitUntil(lambda: len(panel.shown()) == 2, timeout=WAIT)
    panel.category.setCurrentIndex(panel.category.findData("allegation"))
    assert [texts[2] for texts in panel.shown()] == ["complaint made"]

    out = tmp_path / "out" / "bookmarks.csv"
    assert panel.export(out, "csv") == 1
    rows = list(csv.DictReader(out.open()))
    assert [(r["title"], r["frame"], r["category"]) for r in rows] == [("complaint made", "200", "allegation")]
    panel.category.setCurrentIndex(0)
    assert panel.export(tmp_path / "out" / "all.json", "json") == 2
    assert [r["frame"] for r in json.loads((tmp_path / "out" / "all.json").read_text())] == [40, 200]

    # edit through the dialog (double-click), then delete with the button: both undoable
    f.tabs.setCurrentWidget(panel)
    click_row(qtbot, panel.tree, 1)
    f.edit_bookmark(panel.selected_id())
    f.dialog.title.setText("complaint made by the detained man")
    ok(f.dialog)
    qtbot.waitUntil(lambda: panel.shown()[1][2] == "complaint made by the detained man", timeout=WAIT)
    click_row(qtbot, panel.tree, 0)
    assert panel.delete_button.isEnabled()
    panel.delete_button.click()
    qtbot.waitUntil(lambda: len(panel.shown()) == 1, timeout=WAIT)
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(panel.shown()) == 2, timeout=WAIT)


def test_in_out_clip_marked_evidential_then_undo_and_redo_with_the_keyboard(qtbot, opened):
    window, view, clip = opened
    f = window.f.annotate
    seek(qtbot, window, 30)
    key(qtbot, window, Qt.Key.Key_I)
    seek(qtbot, window, 90)
    key(qtbot, window, Qt.Key.Key_O)
    qtbot.waitUntil(lambda: isinstance(f.dialog, ClipDialog) and f.dialog.isVisible(), timeout=WAIT)
    dialog = f.dialog
    assert dialog.values()["in_index"] == 30 and dialog.values()["out_index"] == 90
    dialog.name.setText("Arrest")
    ok(dialog)
    panel = f.clips_panel
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1, timeout=WAIT)
    (c,) = f.annotations.clips.list(view.id)
    table = window.controller.table
    assert (c.name, c.in_pts, c.out_pts, c.purpose) == ("Arrest", table.pts_of(30), table.pts_of(90), "evidential")
    assert [(a, b) for a, b, _c in f.clip_lane.spans()] == [(30, 90)]

    # mark the clip evidential from the clips list
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    panel.mark_button.click()
    qtbot.waitUntil(lambda: isinstance(f.dialog, EvidentialDialog) and f.dialog.isVisible(), timeout=WAIT)
    d = f.dialog
    assert d.values()["clip_id"] == c.id
    d.reference.setText("CR/123/24")
    d.reason.setPlainText("shows the arrest")
    ok(d)
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1 and panel.tree.topLevelItem(0).text(5) == "⚑ yes",
                    timeout=WAIT)
    mark = f.annotations.evidential.active_for(view.id, c.id)
    assert mark is not None and mark.reference == "CR/123/24" and mark.marked_by == window.library.gov.username
    # shown in the library list and the info panel too
    qtbot.waitUntil(lambda: "EVIDENTIAL" in window.library_panel.item_for(view.id).text(0), timeout=WAIT)
    assert window.info.value("evidential").startswith("⚑")

    ctrl, ctrl_shift = Qt.KeyboardModifier.ControlModifier, \
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    key(qtbot, window, Qt.Key.Key_Z, ctrl)  # undo the mark (a supervisor may clear)
    qtbot.waitUntil(lambda: panel.tree.topLevelItem(0).text(5) == "", timeout=WAIT)
    assert f.annotations.evidential.active_for(view.id, c.id) is None
    key(qtbot, window, Qt.Key.Key_Z, ctrl)  # undo the clip
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 0, timeout=WAIT)
    assert f.annotations.clips.list(view.id) == [] and f.clip_lane.spans() == []
    key(qtbot, window, Qt.Key.Key_Z, ctrl_shift)  # redo the clip
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1, timeout=WAIT)
    key(qtbot, window, Qt.Key.Key_Z, ctrl_shift)  # redo the mark
    qtbot.waitUntil(lambda: panel.tree.topLevelItem(0).text(5) == "⚑ yes", timeout=WAIT)
    assert f.annotations.evidential.active_for(view.id, c.id) is not None
    assert window.actions_by_id["undo"].text() == "Undo mark evidential"

    f.show_audit()
    want = ["clip.create", "evidential.mark", "evidential.clear", "clip.delete", "clip.restore",
            "evidential.reinstate"]
    qtbot.waitUntil(lambda: [a for _u, a, _o in audit_actions(window) if a.split(".")[0] in ("clip", "evidential")]
                    == want, timeout=WAIT)


def test_audit_panel_filters_and_verifies_the_chain(qtbot, opened):
    window, view, clip = opened
    f = window.f.annotate
    key(qtbot, window, Qt.Key.Key_M)
    audit = f.audit_panel
    f.show_audit()
    qtbot.waitUntil(lambda: any(a == "bookmark.create" for _u, a, _o in audit_actions(window)), timeout=WAIT)
    assert {a for _u, a, _o in audit_actions(window)} >= {"recording.import", "recording.open",
                                                          "recording.view_start", "bookmark.create"}
    audit.action.setText("bookmark.")
    audit.refresh()
    assert [a for _u, a, _o in audit_actions(window)] == ["bookmark.create"]
    audit.action.setText("")
    audit.outcome.setCurrentIndex(audit.outcome.findData("refused"))
    assert audit.rows() == []
    audit.outcome.setCurrentIndex(0)

    audit.verify_button.click()
    qtbot.waitUntil(lambda: audit.last_verdict is not None, timeout=WAIT)
    assert audit.last_verdict.ok and "chain intact" in audit.verdict.text()
    qtbot.waitUntil(lambda: audit_actions(window)[-1][1] == "audit.verify", timeout=WAIT)


def test_loop_plays_the_clip_over_and_over(qtbot, opened):
    window, view, clip = opened
    f = window.f.annotate
    table = window.controller.table
    c = f.annotations.add_clip(view.id, table.pts_of(20), table.pts_of(35), "loop me", "training")
    qtbot.waitUntil(lambda: f.clips_panel.tree.topLevelItemCount() == 1, timeout=WAIT)
    f.clips_panel.select(c.id)
    shown: list[int] = []
    window.controller.frameShown.connect(shown.append)
    key(qtbot, window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    def wraps() -> list[int]:
        return [k for k in range(1, len(shown)) if shown[k] < shown[k - 1]]

    qtbot.waitUntil(lambda: len(wraps()) >= 2, timeout=WAIT)
    key(qtbot, window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert f.loop.clip_id is None and not window.controller.playing
    assert max(shown) <= 35, "playback showed a frame past the clip's out frame"
    assert all(shown[k - 1] >= 34 and shown[k] <= 22 for k in wraps()), str(shown)

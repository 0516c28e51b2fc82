"""Governance in the window: the justification asked once per recording per session (and recorded), viewing
sessions, a trainer refused when marking evidential (refusal in the audit panel), clearing needing a supervisor,
and the retention view."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from reviewer.govern.identity import os_account
from reviewer.govern.roles import PermissionDenied
from reviewer.govern.users import Users
from reviewer.library import Library
from tests.ui.annotate_helpers import WAIT, audit_actions, import_copy, key, settle
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from ui.annotate.audit_panel import COL
from ui.annotate.evidential_dialog import EvidentialDialog
from ui.annotate.justification_dialog import JustificationDialog

pytestmark = pytest.mark.gui
ASK_JUSTIFICATION = True  # the real dialog (tests/ui/conftest.py answers it for other modules)


def answer(qtbot, window, purpose: str, text: str = "") -> JustificationDialog:
    gate = window.f.annotate.gate
    qtbot.waitUntil(lambda: isinstance(gate.dialog, JustificationDialog) and gate.dialog.isVisible(), timeout=WAIT)
    d = gate.dialog
    with qtbot.waitSignal(window.controller.frameShown, timeout=WAIT):
        d.choose(purpose, text)
        d.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    settle(qtbot, window, 0)
    return d


def test_justification_is_asked_once_per_recording_and_recorded(qtbot, window, make_clip, tmp_path):
    lib = window.library
    a = import_copy(lib, make_clip("cfr_noaudio"), tmp_path, "a.mp4")
    b = import_copy(lib, make_clip("cfr_h264"), tmp_path, "b.mp4")
    window.open_recording(a.id)
    gate = window.f.annotate.gate
    qtbot.waitUntil(lambda: gate.dialog is not None and gate.dialog.isVisible(), timeout=WAIT)
    d = gate.dialog
    ok = d.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # no purpose chosen yet
    d.choose("other")
    assert not ok.isEnabled()  # "other" must say what
    answer(qtbot, window, "complaint investigation", "PSD/2024/017")
    assert window.controller.source.view.id == a.id

    # b: cancelling opens nothing and records no opening
    window.open_recording(b.id)
    qtbot.waitUntil(lambda: gate.dialog is not d and gate.dialog.isVisible(), timeout=WAIT)
    gate.dialog.reject()
    assert window.controller.source.view.id == a.id

    # a again: no question this time (the frame arrives with no dialog answered), same reason recorded
    with qtbot.waitSignal(window.controller.sourceOpened, timeout=WAIT):
        window.open_recording(a.id)
    settle(qtbot, window, 0)
    opens = lib.gov.audit.events(action="recording.open")
    assert [(e.object_id, e.justification) for e in opens] == \
        [(a.id, "complaint investigation: PSD/2024/017")] * 2
    starts = lib.gov.audit.events(action="recording.view_start")
    ends = lib.gov.audit.events(action="recording.view_end")
    assert len(starts) == 2 and len(ends) == 1  # reopening ended the first viewing session
    assert starts[0].justification == "complaint investigation: PSD/2024/017"
    window.controller.close_source()
    assert len(lib.gov.audit.events(action="recording.view_end")) == 2
    window.f.annotate.show_audit()
    qtbot.waitUntil(lambda: [x for _u, x, _o in audit_actions(window)].count("recording.open") == 2, timeout=WAIT)
    panel_rows = window.f.annotate.audit_panel.rows()
    assert any(r[COL["Action"]] == "recording.open"
               and r[COL["Justification"]] == "complaint investigation: PSD/2024/017" for r in panel_rows)


@pytest.fixture
def trainer_window(qtbot, qapp, home, settings, make_clip, tmp_path, monkeypatch):  # noqa: F811
    """A library whose supervisor (the first user) made 'trainee' a trainer; the window runs as trainee."""
    from ui.main_window import MainWindow
    from ui.theme import apply_theme

    with Library(home) as boss:
        Users(boss.gov).set_role("trainee", "trainer")
        view = import_copy(boss, make_clip("cfr_h264"), tmp_path)
    monkeypatch.setenv("REVIEWER_USER", "trainee")
    lib = Library(home)
    apply_theme(qapp)
    w = MainWindow(lib, settings, audio=False)
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitActive(w)
    yield w, view
    w.close()
    lib.close()


def test_a_trainer_cannot_mark_evidential_and_the_refusal_is_audited(qtbot, trainer_window):
    window, view = trainer_window
    f = window.f.annotate
    assert window.library.gov.me().role.value == "trainer"
    window.open_recording(view.id)
    answer(qtbot, window, "training", "course 12")
    assert not f.evidence_panel.mark_button.isEnabled()
    assert "may not" in f.evidence_panel.mark_button.toolTip()

    key(qtbot, window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: isinstance(window.last_alert, QMessageBox) and window.last_alert.isVisible(),
                    timeout=WAIT)
    assert "permission denied: trainee (trainer) may not mark evidential" in window.last_alert.text()
    assert not isinstance(f.dialog, EvidentialDialog)
    window.last_alert.close()
    f.show_audit()
    qtbot.waitUntil(lambda: ("trainee", "mark_evidential", "refused") in audit_actions(window), timeout=WAIT)
    f.audit_panel.outcome.setCurrentIndex(f.audit_panel.outcome.findData("refused"))
    assert [(r[COL["User"]], r[COL["Role"]], r[COL["Action"]]) for r in f.audit_panel.rows()] == \
        [("trainee", "trainer", "mark_evidential")]
    # "trainee" is REVIEWER_USER in a test library: who really sat at the keyboard is one hover away
    assert f.audit_panel.model.index(0, COL["User"]).data(Qt.ItemDataRole.ToolTipRole) == \
        f"OS account: {os_account()}"

    # the core refuses whatever the UI shows, and records that too
    with pytest.raises(PermissionDenied):
        f.annotations.mark_evidential(view.id, "CR/1", "because")
    assert f.annotations.evidential.list(view.id) == []
    qtbot.waitUntil(lambda: len(f.audit_panel.rows()) == 2, timeout=WAIT)
    # a trainer may still bookmark
    key(qtbot, window, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: len(f.bookmarks_panel.shown()) == 1, timeout=WAIT)


def test_clearing_needs_a_supervisor_and_a_reason(qtbot, window, make_clip, tmp_path):
    lib = window.library
    view = import_copy(lib, make_clip("cfr_noaudio"), tmp_path)
    window.open_recording(view.id)
    answer(qtbot, window, "disclosure request", "CPS 99")
    f = window.f.annotate
    f.tabs.setCurrentWidget(f.evidence_panel)
    f.evidence_panel.mark_button.click()
    qtbot.waitUntil(lambda: isinstance(f.dialog, EvidentialDialog), timeout=WAIT)
    f.dialog.reference.setText("INC-7")
    f.dialog.reason.setPlainText("use of force on arrest")
    f.dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    lane = f.evidential_lane
    qtbot.waitUntil(lambda: lane.isVisible() and "INC-7" in lane.text, timeout=WAIT)
    panel = f.evidence_panel
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1, timeout=WAIT)
    assert "EVIDENTIAL" in panel.status.text()

    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    assert panel.clear_button.isEnabled()  # the first user of a library is its supervisor
    panel.clear_button.click()
    d = f.dialog
    ok = d.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    d.reason.setPlainText("charge dropped, no further action")
    ok.click()
    qtbot.waitUntil(lambda: not lane.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: "cleared by" in panel.tree.topLevelItem(0).text(6), timeout=WAIT)
    (ev,) = lib.gov.audit.events(action="evidential.clear")
    assert ev.justification == "charge dropped, no further action"

    # demoted, the same user sees the button disabled (and the core would refuse)
    Users(lib.gov).set_role("someone_else", "supervisor")
    Users(lib.gov).set_role(lib.gov.username, "investigator")
    f.annotations.mark_evidential(view.id, "INC-8", "again")
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 2, timeout=WAIT)
    panel.tree.setCurrentItem(panel.tree.topLevelItem(1))
    assert not panel.clear_button.isEnabled() and "supervisor" in panel.clear_button.toolTip()


def test_retention_view_shows_days_left_and_previews_a_purge(qtbot, window, make_clip, tmp_path):
    lib = window.library
    view = import_copy(lib, make_clip("cfr_noaudio"), tmp_path)
    qtbot.waitUntil(lambda: window.library_panel.item_for(view.id) is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: "days left" in window.library_panel.item_for(view.id).text(0), timeout=WAIT)
    dialog = window.f.annotate.show_retention()
    assert dialog.status.topLevelItemCount() == 1
    row = dialog.status.topLevelItem(0)
    assert row.text(1) == "retained" and int(row.text(4)) in (30, 31)
    assert dialog.purge.isEnabled() is False  # nothing is due
    dialog.preview.click()
    qtbot.waitUntil(lambda: dialog.last_report is not None, timeout=WAIT)
    assert dialog.last_report.dry_run and dialog.last_report.due == []
    assert "would delete 0" in dialog.result.text()
    dialog.close()

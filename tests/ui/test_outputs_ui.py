"""Outputs from the UI go through the core's gate and output rules (issue 8, sections 1 and 3): the player's
single-frame export is checked (trainers are refused an unredacted frame) and recorded in the disclosure log; the
export and stills dialogs replace an earlier file only after the user ticks the confirmation, and say when they
will create a folder."""

from __future__ import annotations

import hashlib

import cv2
import pytest

from reviewer.govern.roles import Role
from reviewer.govern.users import Users
from reviewer.redact.store import MaskStore
from tests.fixtures import framecode
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_export_ui import code_track, open_in, recording, seek  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui
WAIT = 30_000


def save_as(monkeypatch, path) -> None:
    import ui.main_window

    monkeypatch.setattr(ui.main_window.QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))


def test_player_frame_export_passes_the_gate_and_is_disclosed(qtbot, window, recording, tmp_path, monkeypatch):
    view, clip = recording
    lib = window.library
    open_in(qtbot, window, view)
    seek(qtbot, window, 12)
    out = tmp_path / "frame12.png"
    save_as(monkeypatch, out)
    window.actions_by_id["export_frame"].trigger()
    assert framecode.read(cv2.imread(str(out))[..., ::-1]) == clip.first_code + 12
    events = lib.gov.audit.events(action="recording.frame_export")
    assert [e.outcome for e in events] == ["started", "ok"]
    assert events[0].details["frames"] == [12] and events[0].details["output"] == str(out)
    assert events[0].details["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert events[0].details["redacted"] is False
    # no signing identity in this library: the status line says the frame went out without Content Credentials
    assert "NO Content Credentials: no C2PA signing identity" in window.statusBar().currentMessage()

    # the same user as a trainer: an unredacted frame is refused, said, audited, and nothing is written
    Users(lib.gov).set_role("another_supervisor", Role.SUPERVISOR)
    Users(lib.gov).set_role(lib.gov.username, Role.TRAINER)
    refused_out = tmp_path / "frame12-trainer.png"
    save_as(monkeypatch, refused_out)
    window.actions_by_id["export_frame"].trigger()
    assert "permission denied" in window.last_alert.text()
    assert not refused_out.exists()
    last = lib.gov.audit.events()[-1]
    assert (last.action, last.outcome, last.role) == ("export_unredacted", "refused", "trainer")


def test_export_dialog_replaces_only_after_the_confirmation(qtbot, window, recording, tmp_path):
    view, _clip = recording
    open_in(qtbot, window, view)
    feature = window.f.export
    earlier = tmp_path / "court.mp4"
    earlier.write_bytes(b"an earlier export")
    window.actions_by_id["export_redacted"].trigger()
    d = feature.dialog
    d.purpose.setText("court")
    d.recipient.setText("CPS")
    d.preset.setCurrentText("ultrafast")
    d.out.setText(str(earlier))
    assert "already exists" in d.problem() and "Replace" in d.problem() and not d.ok_button.isEnabled()
    d.replace.setChecked(True)
    assert d.ok_button.isEnabled() and d.job().overwrite
    d.report.setChecked(False)
    st = feature.submit(d.job())
    d.reject()
    qtbot.waitUntil(lambda: feature.queue.jobs()[-1].finished, timeout=WAIT)
    assert st.state == "done", st.error
    assert earlier.read_bytes() != b"an earlier export"

    window.actions_by_id["export_redacted"].trigger()
    d = feature.dialog
    d.purpose.setText("court")
    d.recipient.setText("CPS")
    new = tmp_path / "new" / "court.mp4"
    d.out.setText(str(new))
    assert d.ok_button.isEnabled() and d.job().make_dirs
    assert f"The folder {new.parent} will be created." in d.summary.text()
    d.reject()


def test_stills_dialog_replaces_only_after_the_confirmation_and_says_it_made_the_folder(qtbot, window, recording,
                                                                                       tmp_path):
    view, clip = recording
    open_in(qtbot, window, view)
    MaskStore(window.library).save_track(view.id, code_track(window.controller.table, clip.width, 10, 20))
    seek(qtbot, window, 15)
    feature = window.f.export
    folder = tmp_path / "stills"

    def export_once(replace: bool | None = None):
        feature.last_stills = None
        window.actions_by_id["export_stills"].trigger()
        d = feature.stills_dialog
        d.folder.setText(str(folder))
        if not folder.exists():
            assert d.notice.text() == f"The folder {folder} will be created."
        if replace is not None:
            assert "already exists" in d.error.text() and not d.ok_button.isEnabled()
            d.replace.setChecked(replace)
        assert d.ok_button.isEnabled()
        d.accept()
        qtbot.waitUntil(lambda: feature.last_stills is not None, timeout=WAIT)
        return feature.last_stills

    (first,) = export_once()
    assert f"created folder {folder}" in window.statusBar().currentMessage()
    first.png.write_bytes(b"tampered")  # so the replacement is visible
    (second,) = export_once(replace=True)
    assert second.png == first.png and second.png.read_bytes() != b"tampered"
    events = [e for e in window.library.gov.audit.events(action="recording.stills_export") if e.outcome != "ok"]
    assert [(e.details["frames"], e.details["masks_applied"]) for e in events] == [([15], 1), ([15], 1)]

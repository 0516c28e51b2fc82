"""Masks behave as editors expect, in the real window: a drawn mask asks for its reason (none is made up), the
wheel over the Masks dock scrolls it and never edits a value, Ctrl+Z undoes property edits wherever the focus
is, and editing a selection of masks is one undo step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from reviewer.redact.model import EffectKind
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_redaction_editor import drag, open_clip, settle

pytestmark = pytest.mark.gui
WAIT = 60_000  # generous: a loaded machine is slow, and a condition met early returns at once


def stored(window, track_id):
    """The track as the library holds it (what the export reads), not just what the window shows."""
    f = window.f.masks
    return next(t for t in f.session.store.load(f.session.recording_id).tracks if t.id == track_id)


def mask_events(window) -> list[str]:
    return [e.action for e in window.library.gov.audit.events(object_type="mask_track")]


def wheel(widget, notches: int = -1) -> QWheelEvent:
    """A real wheel event over the middle of `widget` (one notch down by default), sent to it."""
    pos = QPointF(widget.rect().center())
    ev = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120 * notches),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)
    return ev


def draw_box(qtbot, window, a, b):
    window.actions_by_id["masks_tool_rect"].trigger()
    drag(qtbot, window, a, b)
    return window.f.masks.session.current


def ctrl_z(qtbot, widget, shift: bool = False) -> None:
    mods = Qt.KeyboardModifier.ControlModifier | (Qt.KeyboardModifier.ShiftModifier if shift else
                                                  Qt.KeyboardModifier.NoModifier)
    qtbot.keyClick(widget, Qt.Key.Key_Z, mods)


def focus(qtbot, widget) -> None:
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(widget.hasFocus, timeout=WAIT)


def test_drawing_asks_for_a_reason_and_never_makes_one_up(qtbot, window, make_clip, tmp_path):
    open_clip(qtbot, window, make_clip("cfr_h264").path, tmp_path)
    f = window.f.masks
    props = f.panel.props
    track = draw_box(qtbot, window, (40, 60), (120, 140))
    assert stored(window, track.id).reason == "", "no silent 'third-party face'"
    assert props.prompt.isVisible(), "the Masks panel asks why the mask is there"
    row = f.panel.tracks.topLevelItem(0)
    assert row.text(2) == "reason needed"
    assert not any(b.hasFocus() for b in props.reason_buttons.values()), "keys stay with the canvas"

    qtbot.mouseClick(props.reason_buttons["vehicle registration"], Qt.MouseButton.LeftButton)
    assert stored(window, track.id).reason == "vehicle registration"
    assert not props.prompt.isVisible() and f.panel.tracks.topLevelItem(0).text(2) == "vehicle registration"

    # effect and strength of the next mask default to the last choice; its reason is asked again
    props.effect.setCurrentIndex(props.effect.findData(EffectKind.PIXELATE.value))
    focus(qtbot, props.strength)
    props.strength.setValue(12)
    qtbot.waitUntil(lambda: stored(window, track.id).effect.strength == 12, timeout=WAIT)
    f.session.select([])
    c = window.controller
    c.seek(20)
    settle(qtbot, window, 20)
    second = draw_box(qtbot, window, (150, 60), (200, 120))
    assert second.id != track.id
    got = stored(window, second.id)
    assert (got.effect.kind, got.effect.strength, got.reason) == (EffectKind.PIXELATE, 12, "")
    assert props.prompt.isVisible()
    # one Ctrl+Z after choosing a reason takes back just the reason: the prompt returns
    qtbot.mouseClick(props.reason_buttons["personal data"], Qt.MouseButton.LeftButton)
    assert stored(window, second.id).reason == "personal data"
    ctrl_z(qtbot, window.canvas)
    assert stored(window, second.id).reason == "" and props.prompt.isVisible()


def test_scrolling_the_masks_dock_never_edits_a_value(qtbot, window, make_clip, tmp_path):
    open_clip(qtbot, window, make_clip("cfr_h264").path, tmp_path)
    f = window.f.masks
    props = f.panel.props
    track = draw_box(qtbot, window, (40, 60), (120, 140))
    qtbot.mouseClick(props.reason_buttons["third-party face"], Qt.MouseButton.LeftButton)
    window.canvas.setFocus()
    before = stored(window, track.id)
    assert before.effect.strength == 25 and not props.strength.hasFocus()
    undo_name, events = window.undo.undo_name, mask_events(window)

    for w in (props.strength, props.padding, props.effect, props.reason, f.panel.preview_mode,
              f.panel.ranges.audio_mode):
        ev = wheel(w)
        assert not ev.isAccepted(), f"{w.objectName() or type(w).__name__} took a wheel it had no focus for"
    assert not props._debounce.isActive(), "no value changed, so no edit is even pending"
    assert props.strength.value() == 25 and props.effect.currentData() == before.effect.kind.value
    assert stored(window, track.id).effect == before.effect and stored(window, track.id).padding == before.padding
    assert stored(window, track.id).reason == "third-party face"
    assert window.undo.undo_name == undo_name and mask_events(window) == events, "no edit, no audit event"

    # once the user has put focus in the field, the wheel is theirs to use, and Ctrl+Z there undoes it
    focus(qtbot, props.strength)
    ev = wheel(props.strength)
    assert ev.isAccepted() and props.strength.value() == 24
    qtbot.waitUntil(lambda: stored(window, track.id).effect.strength == 24, timeout=WAIT)
    ctrl_z(qtbot, props.strength)
    assert stored(window, track.id).effect.strength == 25 and props.strength.value() == 25


def test_ctrl_z_undoes_property_edits_wherever_the_focus_is(qtbot, window, make_clip, tmp_path):
    open_clip(qtbot, window, make_clip("cfr_h264").path, tmp_path)
    f = window.f.masks
    props = f.panel.props
    track = draw_box(qtbot, window, (40, 60), (120, 140))
    qtbot.mouseClick(props.reason_buttons["screen or document"], Qt.MouseButton.LeftButton)

    # a label typed and committed, then Ctrl+Z in the same field: the stored label goes back
    focus(qtbot, props.label)
    qtbot.keyClicks(props.label, "till receipt")
    qtbot.keyClick(props.label, Qt.Key.Key_Return)
    assert stored(window, track.id).label == "till receipt"
    ctrl_z(qtbot, props.label)
    assert stored(window, track.id).label == "" and props.label.text() == ""
    ctrl_z(qtbot, props.label, shift=True)  # redo, from the field too
    assert stored(window, track.id).label == "till receipt"

    # a strength typed but not yet applied (mid-debounce): Ctrl+Z stores it and takes it back, one step
    focus(qtbot, props.strength)
    props.strength.selectAll()
    qtbot.keyClicks(props.strength, "40")
    assert props.strength.value() == 40 and props._debounce.isActive()
    ctrl_z(qtbot, props.strength)
    assert stored(window, track.id).effect.strength == 25 and props.strength.value() == 25
    assert window.undo.redo_name == "edit mask"

    # typed, then straight to the canvas: leaving the field stores it, so Ctrl+Z there takes it back
    focus(qtbot, props.strength)
    props.strength.selectAll()
    qtbot.keyClicks(props.strength, "33")
    focus(qtbot, window.canvas)
    assert stored(window, track.id).effect.strength == 33
    ctrl_z(qtbot, window.canvas)
    assert stored(window, track.id).effect.strength == 25 and props.strength.value() == 25

    # padding, inverse and the reason's details from their fields as well
    focus(qtbot, props.padding)
    props.padding.selectAll()
    qtbot.keyClicks(props.padding, "30")
    ctrl_z(qtbot, props.padding)
    assert stored(window, track.id).padding == pytest.approx(0.1) and props.padding.value() == 10
    props.inverse.click()
    assert stored(window, track.id).inverse
    ctrl_z(qtbot, props.inverse)
    assert not stored(window, track.id).inverse
    focus(qtbot, props.reason_text)
    qtbot.keyClicks(props.reason_text, "van livery")  # typed, not committed: Ctrl+Z stores and takes it back
    ctrl_z(qtbot, props.reason_text)
    assert stored(window, track.id).reason_text == "" and props.reason_text.text() == ""
    assert window.undo.redo_name == "edit mask"


def test_editing_several_selected_masks_is_one_undo_step(qtbot, window, make_clip, tmp_path):
    open_clip(qtbot, window, make_clip("cfr_h264").path, tmp_path)
    f = window.f.masks
    props = f.panel.props
    a = draw_box(qtbot, window, (20, 60), (80, 120))
    qtbot.mouseClick(props.reason_buttons["third-party face"], Qt.MouseButton.LeftButton)
    b = draw_box(qtbot, window, (150, 60), (220, 120))
    f.session.select([a.id, b.id])
    assert props.prompt.isVisible(), "one of the selection has no reason"
    qtbot.mouseClick(props.reason_buttons["personal data"], Qt.MouseButton.LeftButton)
    assert [stored(window, t.id).reason for t in (a, b)] == ["third-party face", "personal data"], \
        "the prompt answers for the mask that had no reason, and overwrites none"
    assert not props.prompt.isVisible()
    props.reason.setCurrentIndex(props.reason.findData("screen or document"))  # the combo sets the selection
    assert {stored(window, t.id).reason for t in (a, b)} == {"screen or document"}
    props.effect.setCurrentIndex(props.effect.findData(EffectKind.SOLID.value))
    assert {stored(window, t.id).effect.kind for t in (a, b)} == {EffectKind.SOLID}
    assert window.library.gov.undo.undo_name == "edit 2 masks", "on the one (governance) history"

    ctrl_z(qtbot, window.canvas)
    assert [stored(window, t.id).effect.kind for t in (a, b)] == [EffectKind.BLUR, EffectKind.BLUR]
    assert [stored(window, t.id).reason for t in (a, b)] == ["screen or document", "screen or document"]
    ctrl_z(qtbot, window.canvas)
    assert [stored(window, t.id).reason for t in (a, b)] == ["third-party face", "personal data"], "one step"
    ctrl_z(qtbot, window.canvas)
    assert [stored(window, t.id).reason for t in (a, b)] == ["third-party face", ""] and props.prompt.isVisible()


def test_deleting_or_duplicating_a_selection_is_one_undo_step(qtbot, window, make_clip, tmp_path):
    open_clip(qtbot, window, make_clip("cfr_h264").path, tmp_path)
    f = window.f.masks
    a = draw_box(qtbot, window, (20, 60), (80, 120))
    b = draw_box(qtbot, window, (150, 60), (220, 120))
    f.session.select([a.id, b.id])
    window.actions_by_id["masks_duplicate"].trigger()
    assert len(f.session.mask_set.tracks) == 4 and window.undo.undo_name == "duplicate 2 masks"
    ctrl_z(qtbot, window.canvas)
    assert [t.id for t in f.session.mask_set.tracks] == [a.id, b.id]
    f.session.select([a.id, b.id])
    window.actions_by_id["masks_delete"].trigger()
    assert f.session.mask_set.tracks == () and window.undo.undo_name == "delete 2 masks"
    ctrl_z(qtbot, window.canvas)
    assert [t.id for t in f.session.store.load(f.session.recording_id).tracks] == [a.id, b.id]

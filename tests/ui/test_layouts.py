"""Small screens: at 1366x768 the review layout (one key) gives the picture the window, and toggling back brings
every dock back where it was; full screen (F11) puts a transport over the picture that shows while paused or
when the mouse moves over the bottom."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPointF, QRect, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from tests.ui.annotate_helpers import WAIT, import_copy, open_in
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from ui.layouts import REVIEW_KEEP

pytestmark = pytest.mark.gui
K = Qt.Key


def picture_share(window) -> float:
    """Share of the window's area covered by the picture itself (the frame as painted, inside the canvas)."""
    canvas = window.canvas
    r = canvas.frame_rect().intersected(QRect(0, 0, canvas.width(), canvas.height()))
    return r.width() * r.height() / (window.width() * window.height())


def docks_seen(window) -> dict:
    """Each dock's visibility and, for those on screen (not a tab behind another), where it sits."""
    return {name: (d.isVisible(), d.geometry() if d.geometry().x() >= 0 else None)
            for name, d in window.docks.items()}


def _small_screen(qtbot, window, library, make_clip, tmp_path):
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.width() == 1366, timeout=WAIT)
    open_in(qtbot, window, import_copy(library, make_clip("hd1080"), tmp_path))


def test_review_layout_gives_the_picture_most_of_a_1366x768_window_and_toggles_back(qtbot, window, library,
                                                                                    make_clip, tmp_path):
    _small_screen(qtbot, window, library, make_clip, tmp_path)
    before = docks_seen(window)
    lanes_before = [lane.isVisible() for lane in window.timeline.lanes]
    assert picture_share(window) < 0.35  # the problem: docks all round leave a small picture

    qtbot.keyClick(window.canvas, K.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.layouts.review
    qtbot.waitUntil(lambda: picture_share(window) >= 0.60, timeout=WAIT)
    for name, dock in window.docks.items():
        assert dock.isVisible() == (name in REVIEW_KEEP), name
    assert window.scrubber.isVisible() and window.transport.readout.isVisible()

    qtbot.keyClick(window.canvas, K.Key_QuoteLeft)  # the other key of the same action
    assert not window.layouts.review
    qtbot.waitUntil(lambda: docks_seen(window) == before, timeout=WAIT)
    assert [lane.isVisible() for lane in window.timeline.lanes] == lanes_before
    assert picture_share(window) < 0.35


def test_closing_in_the_review_layout_keeps_the_docks_for_next_time(qtbot, make_window, settings):
    first = make_window()
    first.layouts.toggle_review()
    assert not first.docks["libraryDock"].isVisible()
    first.close()
    second = make_window(settings)
    assert second.docks["libraryDock"].isVisible() and second.docks["infoDock"].isVisible()
    assert not second.layouts.review


def _move(widget, x: float, y: float) -> None:
    ev = QMouseEvent(QEvent.Type.MouseMove, QPointF(x, y), widget.mapToGlobal(QPointF(x, y)),
                     Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)


def test_full_screen_has_an_overlay_transport(qtbot, window, library, make_clip, tmp_path, monkeypatch):
    _small_screen(qtbot, window, library, make_clip, tmp_path)
    overlay = window.layouts.overlay
    assert not overlay.isVisible()
    qtbot.keyClick(window.canvas, K.Key_F11)
    qtbot.waitUntil(window.isFullScreen, timeout=WAIT)
    assert not any(d.isVisible() for d in window.docks.values())
    assert not window.menuBar().isVisible()
    # paused: the overlay is up, along the canvas's bottom edge, reading the same frame as the docked transport
    qtbot.waitUntil(overlay.isVisible, timeout=WAIT)
    canvas = window.canvas
    assert overlay.geometry().bottom() == canvas.height() - 1 and overlay.width() == canvas.width()
    assert overlay.transport.readout.text() == window.transport.readout.text()

    c = window.controller
    c.play()
    qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=WAIT)  # playing, mouse still: the picture is clear
    _move(canvas, canvas.width() / 2, 20)  # movement over the top of the picture does not bring it up
    assert not overlay.isVisible()
    _move(canvas, canvas.width() / 2, canvas.height() - 10)
    assert overlay.isVisible()
    c.pause()
    assert overlay.isVisible()

    qtbot.keyClick(window.canvas, K.Key_F11)
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=WAIT)
    assert not overlay.isVisible()
    assert window.docks["libraryDock"].isVisible() and window.menuBar().isVisible()


def test_escape_leaves_full_screen_and_means_nothing_to_the_layout_when_windowed(qtbot, window, library, make_clip,
                                                                                 tmp_path):
    _small_screen(qtbot, window, library, make_clip, tmp_path)
    qtbot.keyClick(window.canvas, K.Key_F11)
    qtbot.waitUntil(window.isFullScreen, timeout=WAIT)
    qtbot.keyClick(window.canvas, K.Key_Escape)
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=WAIT)
    assert window.docks["libraryDock"].isVisible() and window.menuBar().isVisible()
    assert not window.layouts.full_screen
    qtbot.keyClick(window.canvas, K.Key_Escape)  # windowed: Esc does not enter or toggle anything
    assert not window.isFullScreen() and not window.layouts.full_screen


def test_lanes_added_while_in_the_review_layout_stay_folded_until_it_is_left(qtbot, window, library, make_clip,
                                                                             tmp_path):
    from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskTrack, ShapeKind
    from reviewer.redact.store import MaskStore

    a = import_copy(library, make_clip("cfr_noaudio"), tmp_path, "a.mp4")
    b = import_copy(library, make_clip("cfr_h264"), tmp_path, "b.mp4")
    table = library.open_recording(b.id, reason="test").table
    MaskStore(library).save_track(b.id, MaskTrack(ShapeKind.RECT, (Keyframe(int(table.pts[0]), ((9, 9), (60, 60))),),
                                                  effect=Effect(EffectKind.SOLID), reason="third-party face"))
    open_in(qtbot, window, a)
    shown_before = [lane for lane in window.timeline.lanes if lane.isVisible()]
    window.layouts.toggle_review()
    scrubber_h = window.scrubber.height()
    open_in(qtbot, window, b)  # b's mask lane arrives while folded
    qtbot.waitUntil(lambda: any(type(lane).__name__ == "MaskLane" for lane in window.timeline.lanes), timeout=WAIT)
    new = [lane for lane in window.timeline.lanes if type(lane).__name__ == "MaskLane"]
    qtbot.waitUntil(lambda: window.scrubber.height() == scrubber_h, timeout=WAIT)
    assert not any(lane.isVisible() for lane in window.timeline.lanes)
    window.layouts.toggle_review()
    qtbot.waitUntil(lambda: all(lane.isVisible() for lane in shown_before + new), timeout=WAIT)

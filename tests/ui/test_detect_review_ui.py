"""Detection assist in the window (issue 14 s.2): "Detect faces…" runs the pass off the UI thread and the
Proposals panel lists what it found; a proposal is only a dashed outline until accepted, Accept masks the face in
the preview and Ctrl+Z brings the proposal back, Reject removes it (audited), and an export with a pending
proposal asks first. Without the model the user is told in a dialog, not a traceback."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from reviewer.detect import centerface
from reviewer.redact.model import Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import TrackChange
from tests.fixtures.faces import Actor, render
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_redaction_editor import WAIT, open_clip, settle
from ui.detect.overlay import PROPOSED, SELECTED
from ui.player.image import rgb_from_qimage

pytestmark = pytest.mark.gui

FRAMES = 30


@pytest.fixture(scope="module")
def face_clip(tmp_path_factory):
    """One face, 110 px high, walking slowly across 640x360: found on every sample, cheap to run."""
    path = tmp_path_factory.mktemp("detect-ui") / "face.mp4"
    truth = render(path, [Actor(0, FRAMES - 1, (300, 180), (340, 190), (110, 110))], FRAMES, width=640, height=360)
    return path, truth


def detect(qtbot, window):
    f = window.f.detect
    window.actions_by_id["detect_faces"].trigger()
    assert f.review.running and f.panel.cancel_button.isVisible()
    qtbot.waitUntil(lambda: not f.review.running, timeout=120_000)
    qtbot.waitUntil(lambda: f.panel.list.count() == 1, timeout=WAIT)
    return f


def count_of(rgb: np.ndarray, colour) -> int:
    """Pixels within a small distance of an overlay colour."""
    target = np.array([colour.red(), colour.green(), colour.blue()])
    return int((np.abs(rgb.astype(int) - target).sum(axis=2) < 40).sum())


def face_region(shape, box) -> np.ndarray:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    region = np.zeros(shape[:2], bool)
    region[y0 + 10: y1 - 10, x0 + 10: x1 - 10] = True  # well inside the face: the ellipse covers it whole
    return region


def test_accept_masks_the_face_in_the_preview_and_undo_brings_the_proposal_back(qtbot, window, face_clip, tmp_path):
    path, truth = face_clip
    open_clip(qtbot, window, path, tmp_path, "face.mp4")
    c = window.controller
    original = c.current_frame_rgb()
    f = detect(qtbot, window)
    view = f.review.views[0]
    assert f.review.frame_range(view)[0] == 0 and "frames 0–" in f.panel.list.item(0).text()
    qtbot.waitUntil(lambda: not f.panel.list.item(0).icon().isNull(), timeout=WAIT)  # its face, cut from frame 0
    assert "1 pending, 0 accepted, 0 rejected" == f.panel.summary.text()

    # pending: drawn as a dashed outline, the picture itself untouched
    settle(qtbot, window, 0)
    assert not c.current_processed and np.array_equal(c.current_frame_rgb(), original)
    canvas = rgb_from_qimage(window.canvas.rendered_image())
    assert count_of(canvas, PROPOSED) > 50 and count_of(canvas, SELECTED) == 0

    # selected in the list: outlined solid in the selection colour on the picture, and no longer as pending
    f.panel.list.item(0).setSelected(True)
    canvas = rgb_from_qimage(window.canvas.rendered_image())
    assert count_of(canvas, SELECTED) > 100 and count_of(canvas, PROPOSED) == 0
    assert np.array_equal(c.current_frame_rgb(), original)  # still an outline only
    f.panel.list.clearSelection()
    canvas = rgb_from_qimage(window.canvas.rendered_image())
    assert count_of(canvas, PROPOSED) > 50 and count_of(canvas, SELECTED) == 0

    region = face_region(original.shape, truth[0][0])
    f.panel.list.item(0).setSelected(True)
    f.panel.accept_button.click()
    assert f.panel.list.count() == 0  # at once: the list reads the change in flight
    qtbot.waitUntil(lambda: c.current_processed and c.current_index == 0, timeout=WAIT)
    shown = c.current_frame_rgb()
    assert np.abs(shown[region].astype(int) - original[region].astype(int)).mean() > 20  # the face is masked
    x0, y0, x1, y1 = truth[0][0]
    near = ~face_region(original.shape, (x0 - 50, y0 - 50, x1 + 50, y1 + 50))  # beyond the padded ellipse
    assert np.array_equal(shown[near], original[near])  # and nothing else
    gov = window.library.gov
    qtbot.waitUntil(lambda: len(gov.audit.events(action="detect.accept")) == 1, timeout=WAIT)
    assert window.undo.undo_name == "accept 1 proposal"

    window.actions_by_id["undo"].trigger()  # Ctrl+Z
    qtbot.waitUntil(lambda: f.panel.list.count() == 1, timeout=WAIT)
    qtbot.waitUntil(lambda: not c.current_processed, timeout=WAIT)
    settle(qtbot, window, 0)
    assert np.array_equal(c.current_frame_rgb(), original)
    assert f.panel.summary.text() == "1 pending, 0 accepted, 0 rejected"


def test_reject_is_audited_and_export_asks_while_proposals_are_pending(qtbot, window, face_clip, tmp_path):
    open_clip(qtbot, window, face_clip[0], tmp_path, "face.mp4")
    f = detect(qtbot, window)
    export = window.f.export

    # pending: the export asks first, with the counts, and No leaves it unopened
    assert export.show_dialog() is None
    box = f.question
    assert box is not None and box.isVisible() and box.text().startswith("1 face proposal(s)")
    box.button(QMessageBox.StandardButton.No).click()
    assert export.dialog is None
    # Yes goes on to the export dialog
    assert export.show_dialog() is None
    f.question.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: export.dialog is not None and export.dialog.isVisible(), timeout=WAIT)
    export.dialog.reject()

    f.panel.list.item(0).setSelected(True)
    f.panel.reject_button.click()
    assert f.panel.list.count() == 0
    gov = window.library.gov
    qtbot.waitUntil(lambda: len(gov.audit.events(action="detect.reject")) == 1, timeout=WAIT)
    ev = gov.audit.events(action="detect.reject")[0]
    assert ev.details["count"] == 1 and ev.details["runs"][0]["detector"] == "CenterFace"
    assert f.panel.summary.text() == "0 pending, 0 accepted, 1 rejected"
    f.question = None
    d = export.show_dialog()  # nothing pending: no question
    assert d is not None and f.question is None
    d.reject()


def test_missing_model_is_said_in_a_dialog(qtbot, window, face_clip, tmp_path, monkeypatch):
    open_clip(qtbot, window, face_clip[0], tmp_path, "face.mp4")
    monkeypatch.setattr(centerface, "find_resource", lambda rel: None)
    f = window.f.detect
    window.actions_by_id["detect_faces"].trigger()
    qtbot.waitUntil(lambda: not f.review.running, timeout=WAIT)
    box = f.review.last_alert
    assert box is not None and box.text().startswith("face detection is not available: the model ")
    assert "Face detection failed: face detection is not available" in window.statusBar().currentMessage()
    assert f.panel.list.count() == 0 and window.controller.source is not None  # the recording stays open


def test_detection_covers_the_marked_range_and_cancel_writes_nothing(qtbot, window, face_clip, tmp_path):
    open_clip(qtbot, window, face_clip[0], tmp_path, "face.mp4")
    f = window.f.detect
    gov = window.library.gov

    # cancelled part way: said, and nothing written
    window.actions_by_id["detect_faces"].trigger()
    assert f.review.running
    f.panel.cancel_button.click()
    qtbot.waitUntil(lambda: not f.review.running, timeout=WAIT)
    assert window.statusBar().currentMessage() == "Face detection cancelled; nothing was written."
    assert f.panel.list.count() == 0 and not gov.audit.events(action="detect.run")
    assert not f.panel.cancel_button.isVisible() and f.panel.detect_button.isEnabled()

    # with in and out marked, only those frames are examined, and the face's proposal ends with them
    window.f.annotate.session.set_in(5)
    window.f.annotate.session.set_out(20)
    f = detect(qtbot, window)
    result = f.review.last_detection.result
    assert (result.first, result.last) == (5, 20)
    assert f.review.frame_range(f.review.views[0]) == (5, 20)
    qtbot.waitUntil(lambda: len(gov.audit.events(action="detect.run")) == 1, timeout=WAIT)  # written behind
    assert gov.audit.events(action="detect.run")[0].details["frames"] == [5, 20]

    # the proposals lane shows where it is: a dashed band from frame 5 to 20, nothing outside
    lane = f.lane
    assert lane.spans() == [(5, 20)]
    img = rgb_from_qimage(lane.grab().toImage())
    colour = np.array([PROPOSED.red(), PROPOSED.green(), PROPOSED.blue()])
    cols = np.nonzero((np.abs(img.astype(int) - colour).sum(axis=2) < 60).any(axis=0))[0]
    dpr = lane.devicePixelRatioF()
    assert len(cols) and abs(cols.min() / dpr - lane.x_of_index(5)) <= 2 and abs(cols.max() / dpr - lane.x_of_index(20)) <= 3

    # double-click goes to the proposal's first frame; Accept all takes every pending one as one step
    item = f.panel.list.item(0)
    f.panel.list.itemDoubleClicked.emit(item)
    settle(qtbot, window, 5)
    f.panel.accept_all_button.click()
    assert f.panel.list.count() == 0 and f.panel.summary.text() == "0 pending, 1 accepted, 0 rejected"
    assert window.undo.undo_name == "accept 1 proposal"
    qtbot.waitUntil(lambda: window.controller.current_processed, timeout=WAIT)  # masked in the preview at frame 5


def test_possible_misses_join_the_coverage_review_walk(qtbot, window, face_clip, tmp_path):
    view = open_clip(qtbot, window, face_clip[0], tmp_path, "face.mp4")
    table = window.controller.table
    p12, p13 = int(table.pts[12]), int(table.pts[13])
    box = ((250.0, 120.0), (350.0, 240.0))
    record = {"detector": "CenterFace", "version": "v", "settings": {}, "run": "r", "samples": [[p12, 0.25]],
              "end": "abrupt", "start": "appeared", "peak": 0.25, "low_confidence": True}
    faint = MaskTrack(ShapeKind.ELLIPSE, (Keyframe(p12, box), Keyframe(p13, box, True)), reason="third-party face",
                      status="rejected", proposal=record)
    # what a pass leaves for a face it saw only faintly: a rejected, low-confidence proposal
    window.f.masks.session.store.apply(view.id, [TrackChange(None, faint)])
    f = window.f.detect
    f.review.refresh()
    assert f.panel.list.count() == 0  # not a proposal to accept...
    label = window.f.masks.panel.review_label
    qtbot.waitUntil(lambda: "1 possible missed face" in label.text(), timeout=WAIT)  # ...but a place to look
    window.actions_by_id["masks_review_next"].trigger()
    settle(qtbot, window, 12)
    assert window.statusBar().currentMessage().endswith(
        "frame 12: mask: possible missed face: a face seen at low confidence (0.25) and not accepted.")
    qtbot.waitUntil(lambda: "possible missed face" not in label.text(), timeout=WAIT)  # seen: checked off


def test_a_drag_does_not_reread_the_proposals_on_every_pointer_move(qtbot, window, face_clip, tmp_path, monkeypatch):
    open_clip(qtbot, window, face_clip[0], tmp_path, "face.mp4")
    session, review = window.f.masks.session, window.f.detect.review
    reads = []
    real = review.refresh
    monkeypatch.setattr(review, "refresh", lambda: (reads.append(1), real()))
    pts = int(window.controller.table.pts[0])
    track = session.editor.add_track(ShapeKind.RECT, pts, ((10.0, 10.0), (60.0, 60.0)))
    assert len(reads) == 1  # a stored change: read once
    for k in range(20):  # the pointer moving: live geometry only
        session.set_live(track.id, pts, ((10.0 + k, 10.0), (60.0 + k, 60.0)))
    session.clear_live()
    assert len(reads) == 1

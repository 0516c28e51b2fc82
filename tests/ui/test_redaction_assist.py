"""Tracking assist (off the UI thread, cancellable, one undo step), the review walk, audio redaction ranges on the
waveform lane, and the audio preview muting them with the export's own function."""

from __future__ import annotations

import numpy as np
import pytest

from reviewer.redact.coverage import review_items
from reviewer.redact.interpolate import bounds, interpolate
from reviewer.redact.model import Keyframe, ShapeKind
from tests.fixtures.clips import SQUARE_GONE_AT, make_moving_square, square_truth
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_redaction_editor import WAIT, open_clip, settle
from ui.player.audio_output import _Feed
from ui.redaction.preview import AudioRedactionFilter, audio_ranges

pytestmark = pytest.mark.gui


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_tracking_runs_off_thread_is_cancellable_and_lands_as_one_undo_step(qtbot, window, clip_dir, tmp_path):
    open_clip(qtbot, window, make_moving_square(clip_dir), tmp_path, "square.mp4")
    f, c = window.f.masks, window.controller
    table = c.table
    x0, y0, x1, y1 = square_truth(0)
    track = f.session.editor.add_track(ShapeKind.RECT, int(table.pts[0]), ((x0, y0), (x1, y1)))
    f.session.select([track.id])
    undo_before = window.undo.undo_name

    # cancel: nothing is written, and the UI is told
    assert f.tracking.start(+1) and f.tracking.running
    f.panel.track_cancel.click()
    qtbot.waitUntil(lambda: not f.tracking.running, timeout=WAIT)
    assert len(f.session.track(track.id).keyframes) == 1 and window.undo.undo_name == undo_before
    assert "cancelled" in window.statusBar().currentMessage()

    # the real run reports progress on the UI thread while the worker tracks
    with qtbot.waitSignal(f.tracking.progressed, timeout=WAIT):
        window.actions_by_id["masks_track_forward"].trigger()
    assert f.tracking.running and f.panel.track_progress.isVisible()
    qtbot.waitUntil(lambda: not f.tracking.running, timeout=60_000)
    result = f.tracking.last_result
    assert result.stopped == "lost" and SQUARE_GONE_AT - 15 <= len(result.samples) <= SQUARE_GONE_AT + 5
    track = f.session.track(track.id)
    assert 3 <= len(track.keyframes) < len(result.samples) // 4  # thinned: light to review
    frames = range(0, len(result.samples) - 1)
    good = sum(iou(bounds(interpolate(track, int(table.pts[i]))), square_truth(i)) >= 0.7 for i in frames)
    assert good >= 0.95 * len(frames)
    assert window.undo.undo_name == "tracking result"
    window.undo_last()  # one step removes everything the tracker wrote
    assert len(f.session.track(track.id).keyframes) == 1


def test_review_next_walks_hidden_stretches_jumps_and_unseen_keyframes(qtbot, window, make_clip, tmp_path):
    open_clip(qtbot, window, make_clip("cfr_h264").path, tmp_path)
    f, c = window.f.masks, window.controller
    pts = [int(p) for p in c.table.pts[:40]]
    box = ((10.0, 10.0), (60.0, 60.0))
    far = ((200.0, 150.0), (250.0, 200.0))
    track = f.session.editor.add_track(ShapeKind.RECT, pts[0], box)
    f.session.editor.add_keyframes(track.id, [Keyframe(pts[10], box, hidden=True), Keyframe(pts[20], box),
                                              Keyframe(pts[21], far)])
    expected = review_items(list(f.session.mask_set.tracks), c.table, {0})
    assert {(i.frame, i.kind) for i in expected} == {(10, "hidden"), (10, "unvisited keyframe"),
                                                      (20, "unvisited keyframe"), (21, "jump"),
                                                      (21, "unvisited keyframe"), (82, "long hold")}
    # a mask that leaps from rest is one abrupt jump where the leap starts, not one per frame of the run
    fast = f.session.editor.add_track(ShapeKind.RECT, pts[0], box)
    f.session.editor.add_keyframes(fast.id, [Keyframe(pts[3], far)])
    assert [i.frame for i in review_items([f.session.track(fast.id)], c.table, {0}) if i.kind == "jump"] == [1]
    assert "9 items" in f.panel.review_label.text()  # both masks hold after their last keyframe (ADR 0004)

    visited = []
    for _ in range(10):
        f.panel.review_button.click()
        qtbot.waitUntil(lambda: not c.busy, timeout=WAIT)
        settle(qtbot, window, c.current_index)
        visited.append(c.current_index)
    # keyframes seen drop out; hidden stretches and jumps stay; the holds are walked every 2 s to the end
    assert visited == [1, 3, 10, 20, 21, 82, 143, 204, 265, 1]
    qtbot.waitUntil(lambda: "3 items" in f.panel.review_label.text(), timeout=WAIT)  # recounted a moment later
    f.panel.review_button.click()
    settle(qtbot, window, 10)
    assert f.session.selected == [track.id]

    window.actions_by_id["masks_next_keyframe"].trigger()
    settle(qtbot, window, 20)
    window.actions_by_id["masks_next_jump"].trigger()
    settle(qtbot, window, 21)
    window.actions_by_id["masks_track_start"].trigger()
    settle(qtbot, window, 0)


def test_audio_ranges_on_the_waveform_lane_and_muted_in_the_preview(qtbot, window, make_clip, tmp_path):
    clip = make_clip("cfr_h264")
    open_clip(qtbot, window, clip.path, tmp_path)
    f, c = window.f.masks, window.controller
    lane = f.waveform
    qtbot.waitUntil(lambda: lane.state == "ready", timeout=WAIT)
    assert lane.waveform.peaks[:, 1].max() > 0.2  # the clip's 440 Hz tone at 0.3
    assert list((window.library.paths.cache / "waveforms").glob(f"{f.session.source.view.sha256}*"))

    c.seek(30)
    settle(qtbot, window, 30)
    window.actions_by_id["masks_mark_audio"].trigger()
    c.seek(59)
    settle(qtbot, window, 59)
    window.actions_by_id["masks_mark_audio"].trigger()
    (r,) = f.session.mask_set.audio
    assert (r.start_pts, r.end_pts, r.mode) == (int(c.table.pts[30]), int(c.table.pts[59]), "mute")
    assert len(lane._range_rects()) == 1 and f.panel.ranges.list.count() == 1

    # the player's audio feed, filtered as the preview installs it: silent exactly over frames 30..59
    start, end, _mode = audio_ranges(f.session.mask_set, f.session.source)[0]
    assert abs(start - 1.0) < 1e-6 and abs(end - 2.0) < 1e-6
    flt = AudioRedactionFilter()
    flt.ranges = f.preview.audio_filter.ranges
    assert flt.ranges
    rate = 48000
    feed = _Feed(dict(path=c.source.path, out_rate=rate, out_channels=2,
                      origin_seconds=float(c.table.first_pts * c.table.time_base)), 0.5, 1.0,
                 cap=4 * rate * 2 * 2, pcm_filter=flt)
    try:
        qtbot.waitUntil(lambda: feed.finished or feed.buffered() >= 2 * rate * 4, timeout=WAIT)
        pcm = np.frombuffer(feed.take(2 * rate * 4), np.int16).reshape(-1, 2).astype(float) / 32768
    finally:
        feed.stop()
    t = 0.5 + np.arange(len(pcm)) / rate
    inside = (t > start + 0.01) & (t < end - 0.01)
    outside = (t < start - 0.1) | (t > end + 0.1)
    assert np.abs(pcm[inside]).max() == 0.0
    assert np.abs(pcm[outside]).max() > 0.2

    window.undo_last()
    assert not f.session.mask_set.audio and lane._range_rects() == []

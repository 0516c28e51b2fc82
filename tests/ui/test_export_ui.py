"""Export from the UI: the dialog builds the job, the queue runs it off the UI thread while the player keeps
working, the Exports dock shows progress, cancel, order and failures, and stills carry the masks."""

from __future__ import annotations

import datetime as dt
import shutil
import threading

import cv2
import pytest
from PySide6.QtCore import Qt

from reviewer.export.job import export
from reviewer.export.manifest import load, manifest_path_for, verify
from reviewer.export.queue import ExportQueue
from reviewer.export.report import report_path_for
from reviewer.export.service import ExportJob
from reviewer.export.settings import ExportRequest, Provenance
from reviewer.media.timecode import format_media_time
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskTrack, ShapeKind
from reviewer.redact.render import redact
from reviewer.redact.store import MaskStore
from tests.fixtures import framecode
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from ui.dialogs.goto_dialog import Mode
from ui.export.export_dialog import default_output
from ui.export.jobs_panel import JobsPanel

WAIT = 60_000  # generous: a loaded machine is slow, and a condition met early returns at once


@pytest.fixture
def recording(library, make_clip, tmp_path):
    clip = make_clip("cfr_h264")
    src = tmp_path / "in" / "clip.mp4"
    src.parent.mkdir()
    shutil.copy(clip.path, src)  # never import straight from the shared clip cache
    return library.import_paths([src]).added[0], clip


def open_in(qtbot, window, view) -> None:
    with qtbot.waitSignal(window.controller.frameShown, timeout=60_000):
        window.open_recording(view.id, reason="export tests")  # answers the DPA s62 "why" up front
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=60_000)


def seek(qtbot, window, index: int) -> None:
    window.controller.seek(index)
    qtbot.waitUntil(lambda: window.controller.current_index == index and not window.controller.busy, timeout=60_000)


class Gate:
    """Holds the export worker inside a real export (at its first progress report) until released, so a test can
    act while a job is provably running. Subscribed after the panel, so the panel has already seen 'running'."""

    def __init__(self, queue: ExportQueue, job_id_of=lambda st: True):
        self.held, self.release = threading.Event(), threading.Event()
        self._match = job_id_of
        queue.subscribe(self._hold)

    def _hold(self, st) -> None:
        if st.state == "running" and st.fraction > 0 and self._match(st) and not self.held.is_set():
            self.held.set()
            self.release.wait(30)


def code_track(table, width: int, first: int, last: int) -> MaskTrack:
    x, y, w, h = framecode.code_rect(width)
    box = ((float(x), float(y)), (float(x + w), float(y + h)))
    kfs = (Keyframe(int(table.pts[first]), box), Keyframe(int(table.pts[last]), box),
           Keyframe(int(table.pts[last + 1]), box, hidden=True))
    return MaskTrack(ShapeKind.RECT, kfs, effect=Effect(EffectKind.SOLID), label="frame code",
                     reason="third-party face")


def test_dialog_export_runs_in_background_and_verifies(qtbot, window, recording, tmp_path):
    view, _clip = recording
    open_in(qtbot, window, view)
    seek(qtbot, window, 40)
    feature = window.f.export
    table = window.controller.table
    window.actions_by_id["export_redacted"].trigger()
    d = feature.dialog
    assert d.isVisible() and not d.ok_button.isEnabled()
    assert "purpose" in d.problem()
    d.purpose.setText("Court bundle R v Smith")
    assert "recipient" in d.problem() and not d.ok_button.isEnabled()
    d.recipient.setText("CPS London")
    assert d.ok_button.isEnabled() and d.job().ranges == (), "whole recording by default"
    assert not d.ranges.range_box.isVisible(), "no ranges on show while the whole recording is chosen"

    d.ranges.use_ranges()
    assert d.ranges.range_box.isVisible()
    assert "Add at least one in/out range" in d.problem(), "nothing marked: no range is guessed"
    qtbot.mouseClick(d.ranges.add_button, Qt.MouseButton.LeftButton)
    assert d.job().ranges == ((40, table.frame_count - 1),), "an added range starts at the current frame"
    d.ranges.set_mode(Mode.MEDIA)
    assert d.ranges.grid.item(0, 0).text() == format_media_time(table.media_time(40)), "cells switch clocks"
    d.ranges.set_cell(0, 1, format_media_time(table.media_time(20)))
    assert "Range 1: Out (frame 20) is before In (frame 40)" in d.problem() and not d.ok_button.isEnabled()
    d.ranges.set_cell(0, 1, format_media_time(table.media_time(99)))
    d.ranges.add_range(150, 179)
    d.preset.setCurrentText("ultrafast")
    d.timestamp.setChecked(True)
    job = d.job()
    assert job.ranges == ((40, 99), (150, 179)) and not job.separate
    assert job.purpose == "Court bundle R v Smith" and job.recipient == "CPS London"
    assert set(job.overlays) == {"banner", "watermark", "timestamp"} and job.preset == "ultrafast" and job.crf == 18
    assert job.out.parent == window.library.paths.exports and job.out.suffix == ".mp4"

    gate = Gate(feature.queue)
    qtbot.mouseClick(d.ok_button, Qt.MouseButton.LeftButton)
    assert feature.dock.isVisible()
    qtbot.waitUntil(gate.held.is_set, timeout=WAIT)
    (row,) = feature.panel.rows.values()
    qtbot.waitUntil(lambda: row.state == "running" and row.bar.value() > 0, timeout=WAIT)
    assert "fps" in row.stats.text() and "ETA" in row.stats.text() and row.cancel_button.isVisible()
    # the export is mid-run on its worker; the player still steps
    with qtbot.waitSignal(window.controller.frameShown, timeout=WAIT):
        window.controller.step(1)
    assert window.controller.current_index == 41 and row.state == "running"
    gate.release.set()

    qtbot.waitUntil(lambda: row.state == "done", timeout=60_000)
    assert row.folder_button.isVisible() and not row.cancel_button.isVisible() and row.folder() == job.out.parent
    assert job.out.exists() and report_path_for(job.out).exists()
    assert verify(job.out).ok
    m = load(manifest_path_for(job.out))
    assert m["recipient"] == "CPS London" and m["purpose"] == "Court bundle R v Smith"
    assert m["output"]["frames"] == 60 + 30 and [(r["in"], r["out"]) for r in m["ranges"]] == [(40, 99), (150, 179)]

    # the same output name is refused next time: an export is never silently replaced
    window.actions_by_id["export_redacted"].trigger()
    d2 = feature.dialog
    d2.purpose.setText("x")
    d2.recipient.setText("y")
    d2.out.setText(str(job.out))
    assert "already exists" in d2.problem() and not d2.ok_button.isEnabled()
    d2.reject()
    # two exports started within the same second get different default names
    now = dt.datetime(2026, 3, 14, 12, 0, 0)
    first = default_output(tmp_path, "clip.mp4", now)
    second = default_output(tmp_path, "clip.mp4", now, taken=frozenset({first}))
    assert second.name == "clip_redacted_20260314-120000-2.mp4"


def test_cancel_a_running_job_and_queued_jobs_run_in_order(qtbot, window, recording, tmp_path):
    view, _clip = recording
    feature = window.f.export
    out = tmp_path / "out"
    out.mkdir()
    seen: list[tuple[int, str]] = []
    feature.panel.jobChanged.connect(lambda st: seen.append((st.id, st.state)))
    gate = Gate(feature.queue)
    a = feature.submit(ExportJob(view.id, out / "a.mp4", preset="ultrafast", report=False))
    qtbot.waitUntil(gate.held.is_set, timeout=WAIT)
    b = feature.submit(ExportJob(view.id, out / "b.mp4", ranges=((0, 29),), preset="ultrafast", report=False))
    c = feature.submit(ExportJob(view.id, out / "c.mp4", ranges=((30, 59),), preset="ultrafast", report=False))
    rows = feature.panel.rows
    qtbot.waitUntil(lambda: len(rows) == 3 and rows[a.id].state == "running", timeout=WAIT)
    assert rows[b.id].badge.text() == rows[c.id].badge.text() == "Queued"

    qtbot.mouseClick(rows[a.id].cancel_button, Qt.MouseButton.LeftButton)
    gate.release.set()
    qtbot.waitUntil(lambda: rows[c.id].state == "done", timeout=60_000)
    assert rows[a.id].state == "cancelled" and rows[b.id].state == "done"
    assert not (out / "a.mp4").exists() and not manifest_path_for(out / "a.mp4").exists()
    assert not list(out.glob("*.part*")), "a cancelled export leaves nothing behind"
    assert verify(out / "b.mp4").ok and verify(out / "c.mp4").ok
    running = [i for i, s in seen if s == "running"]
    assert running.index(a.id) < running.index(b.id) < running.index(c.id)
    feature.panel.clear_finished()
    assert not rows


def test_a_failing_job_shows_the_leak_check_message(qtbot, library, recording, tmp_path):
    view, _clip = recording
    opened = library.open_recording(view.id)
    MaskStore(library).save_track(view.id, code_track(opened.table, opened.info.width, 0, 60))
    skip = int(opened.table.pts[7])

    def broken(planes, mask_set, pts, regions=None):  # a deliberately broken pipeline: frame 7 left unmasked
        return [] if pts == skip else redact(planes, mask_set, pts, regions=regions)

    def runner(lib, job, task):
        masks = MaskStore(lib).load(job.recording_id)
        return [export(opened, masks, ExportRequest(ranges=job.ranges), job.out,
                       Provenance(lib.actor, "investigator", "ws"), task, redactor=broken)]

    queue = ExportQueue(library, runner=runner)
    panel = JobsPanel(queue)
    qtbot.addWidget(panel)
    panel.show()
    try:
        st = queue.submit(ExportJob(view.id, tmp_path / "leak.mp4", ranges=((0, 20),), preset="ultrafast"))
        qtbot.waitUntil(lambda: st.id in panel.rows and panel.rows[st.id].state == "failed", timeout=60_000)
        row = panel.rows[st.id]
        assert row.error.isVisible() and row.badge.text().startswith("FAILED")
        assert "leak check FAILED" in row.error.text() and "frame 7 " in row.error.text()
        assert not row.folder_button.isVisible() and not (tmp_path / "leak.mp4").exists()
    finally:
        panel.detach()
        queue.shutdown()


def test_stills_from_the_ui_apply_the_masks(qtbot, window, recording):
    view, clip = recording
    open_in(qtbot, window, view)
    table = window.controller.table
    MaskStore(window.library).save_track(view.id, code_track(table, clip.width, 10, 20))
    seek(qtbot, window, 15)
    feature = window.f.export
    window.actions_by_id["export_stills"].trigger()
    d = feature.stills_dialog
    assert d.frames.text() == "15" and d.indices == [15], "the current frame by default"
    d.frames.setText("15, banana")
    assert "banana" in d.error.text() and not d.ok_button.isEnabled()
    d.frames.setText(f"15, {format_media_time(table.media_time(40))}")
    assert d.indices == [15, 40] and d.ok_button.text() == "Export 2 stills"
    d.accept()
    qtbot.waitUntil(lambda: feature.last_stills is not None, timeout=60_000)
    stills = {s.index: s for s in feature.last_stills}

    def code(i):
        return framecode.read(cv2.imread(str(stills[i].png))[..., ::-1])

    assert code(15) is None, "masked: the frame code cannot be read"
    assert code(40) == clip.first_code + 40, "no mask at frame 40: the code reads"
    assert stills[15].sidecar.exists() and stills[15].masks_applied == 1

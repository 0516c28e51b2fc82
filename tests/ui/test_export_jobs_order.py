"""The Exports dock lists the newest export first and scrolls to it: a new export appended below an earlier
failed one was out of view, and the dock showed the old failure as if it were the export just queued."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QScrollArea

from reviewer.export.queue import ExportJob, JobState
from tests.ui.test_progress_coalescing import WAIT, _Queue
from ui.export.jobs_panel import JobsPanel


def test_a_new_export_is_listed_first_and_in_sight(qtbot):
    queue = _Queue()
    panel = JobsPanel(queue)
    qtbot.addWidget(panel)
    panel.resize(380, 260)  # room for about one row, as in the dock
    panel.show()
    qtbot.waitExposed(panel)
    (listener,) = queue.listeners
    for n in (1, 2, 3):
        listener(JobState(id=n, job=ExportJob(recording_id="r", out=Path(f"/tmp/old{n}.mp4")), state="failed",
                          error="/tmp: not enough disk space to write the export"))
    qtbot.waitUntil(lambda: len(panel.rows) == 3, timeout=WAIT)
    scroll = panel.findChild(QScrollArea)
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())  # the user had scrolled down
    listener(JobState(id=4, job=ExportJob(recording_id="r", out=Path("/tmp/new.mp4")), state="queued"))
    qtbot.waitUntil(lambda: 4 in panel.rows, timeout=WAIT)
    assert panel._list_layout.indexOf(panel.row(4)) == 0
    vp = scroll.viewport()

    def in_sight() -> bool:
        row = panel.row(4)
        return vp.rect().intersects(QRect(row.mapTo(vp, QPoint(0, 0)), row.size())) and row.isVisible()

    qtbot.waitUntil(in_sight, timeout=WAIT)

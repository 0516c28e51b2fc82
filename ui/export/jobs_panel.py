"""The Exports dock: every queued, running and finished export with its progress, speed and ETA, a Cancel button,
where its files went, and why it failed when it did.

The export queue calls its listeners on its worker thread. They only copy the job's state and emit a signal; the
queued connection runs the slot on the UI thread, the only place widgets are touched.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QScrollArea, QSizePolicy,
                               QVBoxLayout, QWidget)

from reviewer.export.credential import note_text
from reviewer.export.queue import ExportQueue, JobState
from ui.coalesce import LatestValues

STATE_TEXT = {"queued": ("Queued", "hintText"), "running": ("Exporting", "badgeWarn"), "done": ("Done ✓", "badgeOk"),
              "failed": ("FAILED ✗", "badgeFailed"), "cancelled": ("Cancelled", "hintText")}
_PROGRESS_INTERVAL_S = 0.1  # the queue reports per few frames; a few repaints a second is plenty


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def describe_ranges(ranges) -> str:
    if not ranges:
        return "whole recording"
    parts = [f"{a}–{b}" for a, b in ranges[:3]] + (["…"] if len(ranges) > 3 else [])
    return "frames " + ", ".join(parts)


class ElidedLabel(QLabel):
    """Long file names and folders lose their middle, not their end (which tells exports apart); the full text is
    the tooltip and `full_text()`."""

    def __init__(self, text: str, bold: bool = False):
        super().__init__()
        self._full = text
        self.setToolTip(text)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        if bold:
            font = self.font()
            font.setBold(True)
            self.setFont(font)
        self._refit()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._refit()

    def _refit(self) -> None:
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, max(40, self.width())))


class JobRow(QFrame):
    def __init__(self, st: JobState, cancel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.job_id = st.id
        self.state = st.state
        job = st.job
        self.title = ElidedLabel(job.out.name, bold=True)
        self.badge = QLabel()
        detail = f"{describe_ranges(job.ranges)}{' (separate files)' if job.separate and len(job.ranges) > 1 else ''}"
        self.detail = QLabel(f"{detail} · for {job.recipient or '–'} · {job.purpose or '–'}")
        self.detail.setObjectName("hintText")
        self.detail.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFormat("%p%")
        self.stats = QLabel()
        self.stats.setObjectName("hintText")
        self.stats.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.c2pa = QLabel()  # the Content Credential of the finished copy: signed by whom, or loudly not
        self.c2pa.setWordWrap(True)
        self.c2pa.hide()
        self.where = ElidedLabel(str(job.out.parent))
        self.where.setObjectName("hintText")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(lambda: cancel(self.job_id))
        self.folder_button = QPushButton("Show in folder")
        self.folder_button.clicked.connect(self.show_in_folder)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.badge)
        bar_row = QHBoxLayout()
        bar_row.addWidget(self.bar, 1)
        bar_row.addStretch(0)  # keeps Cancel its own size while the bar is hidden (queued)
        bar_row.addWidget(self.cancel_button)
        foot = QHBoxLayout()
        foot.addWidget(self.where, 1)
        foot.addWidget(self.folder_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.detail)
        layout.addLayout(bar_row)
        layout.addWidget(self.stats)
        layout.addWidget(self.c2pa)
        layout.addWidget(self.error)
        layout.addLayout(foot)
        self.outputs: list[Path] = []
        self.update_from(st)

    def update_from(self, st: JobState) -> None:
        self.state = st.state
        text, name = STATE_TEXT.get(st.state, (st.state, "hintText"))
        self.badge.setText(text)
        if self.badge.objectName() != name:
            self.badge.setObjectName(name)
            self.badge.style().unpolish(self.badge)
            self.badge.style().polish(self.badge)
        self.bar.setValue(int(round(st.fraction * 1000)))
        self.cancel_button.setVisible(not st.finished)
        self.bar.setVisible(st.state == "running")
        if st.state == "running":
            speed = f"{st.fps:.0f} fps" if st.fps else "starting"
            step = f" · {st.label}" if st.label else ""
            self.stats.setText(f"{speed} · ETA {format_eta(st.eta_seconds)}{step}")
        elif st.state == "queued":
            self.stats.setText("Waiting for the exports before it")
        elif st.state == "done":
            self.outputs = [Path(r.output) for r in st.outputs]
            took = f" in {time.monotonic() - st.started:.0f} s" if st.started else ""
            n = len(self.outputs)
            self.stats.setText(f"Wrote {n} file{'s' if n != 1 else ''}{took}: leak check passed, manifest written")
            self.stats.setToolTip("\n".join(str(p) for p in self.outputs))
            self._show_credential(st.outputs[0].manifest.get("c2pa") if st.outputs else None)
        elif st.state == "cancelled":
            self.stats.setText("Cancelled: nothing was written")
        else:
            self.stats.setText("Nothing was written")
        self.error.setVisible(st.state == "failed")
        self.error.setText(st.error if st.state == "failed" else "")
        self.folder_button.setVisible(st.state == "done")

    def _show_credential(self, note: dict | None) -> None:
        self.c2pa.setText(note_text(note))
        self.c2pa.setObjectName("hintText" if note is None or note.get("embedded") else "errorText")
        self.c2pa.style().unpolish(self.c2pa)
        self.c2pa.style().polish(self.c2pa)
        self.c2pa.setVisible(note is not None)

    def folder(self) -> Path:
        return self.outputs[0].parent if self.outputs else Path(self.where.full_text())

    def show_in_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder())))


class JobsPanel(QWidget):
    jobChanged = Signal(object)  # a JobState snapshot, on the UI thread, after the row has been updated

    def __init__(self, queue: ExportQueue, parent: QWidget | None = None):
        super().__init__(parent)
        self.queue = queue
        self.rows: dict[int, JobRow] = {}
        self._updates = LatestValues(lambda _id, st: self._on_changed(st), _PROGRESS_INTERVAL_S, self)

        self.empty = QLabel("No exports yet. Export → Export redacted copy… (Ctrl+Shift+E) queues one here.")
        self.empty.setObjectName("hintText")
        self.empty.setWordWrap(True)
        self.clear_button = QPushButton("Clear finished")
        self.clear_button.clicked.connect(self.clear_finished)
        head = QHBoxLayout()
        head.addWidget(self.empty, 1)
        head.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignTop)
        self._list = QWidget()
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.setContentsMargins(0, 0, 0, 0)
        self._list_layout.addStretch(1)
        self.list_scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # rows fit the dock's width
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._list)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(scroll, 1)
        queue.subscribe(self._from_worker)
        for st in queue.jobs():
            self._on_changed(copy.copy(st))
        self._refresh_header()

    # ---- worker thread ----------------------------------------------------------------------------------------
    def _from_worker(self, st: JobState) -> None:
        # a snapshot: the worker keeps mutating its own object; a change of state is shown at once
        self._updates.push(st.id, copy.copy(st), urgent=st.state != "running")

    # ---- UI thread --------------------------------------------------------------------------------------------
    @Slot(object)
    def _on_changed(self, st: JobState) -> None:
        row = self.rows.get(st.id)
        if row is None:
            row = JobRow(st, self.queue.cancel)
            self.rows[st.id] = row
            # newest first, and in sight: appended below an earlier failed export, the new one was out of view and
            # the dock showed the old failure as if it were the export just queued
            self._list_layout.insertWidget(0, row)
            self.list_scroll.verticalScrollBar().setValue(0)
        elif row.state in ("done", "failed", "cancelled") and st.state == "running":
            return  # a late progress snapshot must not resurrect a finished row
        else:
            row.update_from(st)
        self._refresh_header()
        self.jobChanged.emit(st)

    def row(self, job_id: int) -> JobRow:
        return self.rows[job_id]

    def clear_finished(self) -> None:
        for job_id, row in list(self.rows.items()):
            if row.state in ("done", "failed", "cancelled"):
                self._list_layout.removeWidget(row)
                row.deleteLater()
                del self.rows[job_id]
        self._refresh_header()

    def active_count(self) -> int:
        return sum(1 for r in self.rows.values() if r.state in ("queued", "running"))

    def _refresh_header(self) -> None:
        active = self.active_count()
        if not self.rows:
            self.empty.setText("No exports yet. Export → Export redacted copy… (Ctrl+Shift+E) queues one here.")
        elif active:
            self.empty.setText(f"{active} export{'s' if active > 1 else ''} in progress or waiting. "
                               "Keep reviewing; they run in the background.")
        else:
            self.empty.setText("All exports finished.")
        self.clear_button.setEnabled(len(self.rows) > active)

    def detach(self) -> None:
        self.queue.unsubscribe(self._from_worker)

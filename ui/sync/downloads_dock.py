"""The downloads dock: footage being fetched from the central store, with progress, rate, ETA and pause, resume
and cancel. It listens to the Qt-free download manager (reviewer/sync/download_manager.py), whose events arrive
on its worker threads: they are coalesced per recording (ui.coalesce) and shown on the UI thread.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from ui.coalesce import LatestValues

COLUMNS = ("Recording", "Progress", "State", "Rate", "Time left")
UPDATE_S = 0.1  # a download reports per chunk; ten updates a second is what a person can read
STATES = {"queued": "Waiting", "running": "Downloading", "paused": "Paused", "done": "Done", "failed": "Failed",
          "cancelled": "Cancelled"}


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def eta_text(eta_s: float | None) -> str:
    if eta_s is None:
        return "—"
    s = int(round(eta_s))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


class DownloadsPanel(QWidget):
    """`bind(manager)`: anything with subscribe/unsubscribe/jobs/pause/resume/cancel as DownloadManager."""

    changed = Signal(str, str)  # recording id, state (on the UI thread)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("downloadsPanel")
        self.manager = None
        self.views: dict[str, dict] = {}
        self._items: dict[str, QTreeWidgetItem] = {}
        self._bars: dict[str, QProgressBar] = {}
        self._waiters: dict[str, list[Callable[[dict], None]]] = {}
        self.tree = QTreeWidget()
        self.tree.setObjectName("downloadsTree")
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.itemSelectionChanged.connect(self._enable)
        # header and a few rows whatever the dock is given: squeezed to its header, a failed download said nothing
        self.tree.setMinimumHeight(self.tree.fontMetrics().height() * 6)
        self.note = QLabel("Not connected to a store: recordings here are local.")
        self.note.setWordWrap(True)
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.cancel_button = QPushButton("Cancel")
        for b, fn in ((self.pause_button, self.pause), (self.resume_button, self.resume),
                      (self.cancel_button, self.cancel)):
            b.clicked.connect(lambda _c=False, fn=fn: fn(self.selected_id()))
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        for b in (self.pause_button, self.resume_button, self.cancel_button):
            row.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(row)
        lay.addWidget(self.tree, 1)
        self._latest = LatestValues(lambda _rid, view: self._show(view), UPDATE_S, self)
        self._enable()

    # ---- the manager ----------------------------------------------------------------------------------------
    def bind(self, manager) -> None:
        if self.manager is not None:
            self.manager.unsubscribe(self._on_event)
        self.manager = manager
        self.note.setText("Footage is fetched from the store when you open a recording that is not here yet."
                          if manager is not None else "Not connected to a store: recordings here are local.")
        if manager is not None:
            manager.subscribe(self._on_event)
            for view in manager.jobs():
                self._show(view.to_json() if hasattr(view, "to_json") else dict(view))

    def detach(self) -> None:
        self.bind(None)

    def _on_event(self, name: str, payload: dict) -> None:  # a worker thread
        if name == "download":
            # a state change must not be folded into the next progress report of the same job
            final = payload.get("state") not in ("running",)
            self._latest.push(payload["id"], dict(payload), urgent=final)

    def start(self, recording_id: str, then: Callable[[dict], None] | None = None) -> None:
        """Queue a recording's footage; `then(view)` runs once it is done (not when it fails or is cancelled)."""
        if then is not None:
            self._waiters.setdefault(recording_id, []).append(then)
        view = self.manager.enqueue(recording_id)
        self._show(view.to_json() if hasattr(view, "to_json") else dict(view))

    def pause(self, recording_id: str | None) -> None:
        if recording_id and self.manager is not None:
            self.manager.pause(recording_id)

    def resume(self, recording_id: str | None) -> None:
        if recording_id and self.manager is not None:
            self.manager.resume(recording_id)

    def cancel(self, recording_id: str | None) -> None:
        if recording_id and self.manager is not None:
            self._waiters.pop(recording_id, None)
            self.manager.cancel(recording_id)

    # ---- showing --------------------------------------------------------------------------------------------
    def selected_id(self) -> str | None:
        items = self.tree.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def _show(self, v: dict) -> None:
        rid = v["id"]
        self.views[rid] = v
        item = self._items.get(rid)
        if item is None:
            item = QTreeWidgetItem([v.get("file_name", rid), "", "", "", ""])
            item.setData(0, Qt.ItemDataRole.UserRole, rid)
            self.tree.insertTopLevelItem(0, item)  # newest on top
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setMinimumWidth(120)
            self.tree.setItemWidget(item, 1, bar)
            self._items[rid], self._bars[rid] = item, bar
            if self.tree.currentItem() is None:
                self.tree.setCurrentItem(item)
        done, total = int(v.get("done") or 0), int(v.get("total") or 0)
        bar = self._bars[rid]
        bar.setValue(int(1000 * done / total) if total else 0)
        bar.setFormat(f"{human_bytes(done)} of {human_bytes(total)}" if total else human_bytes(done))
        bar.setTextVisible(True)
        state = v.get("state", "")
        item.setText(2, STATES.get(state, state) + (f": {v['error']}" if v.get("error") else ""))
        item.setToolTip(2, v.get("error") or "")
        item.setText(3, f"{human_bytes(v.get('rate') or 0)}/s" if state == "running" else "")
        item.setText(4, eta_text(v.get("eta_s")) if state == "running" else "")
        self._enable()
        self.changed.emit(rid, state)
        if state == "done":
            for then in self._waiters.pop(rid, []):
                then(v)
        elif state in ("failed", "cancelled"):
            self._waiters.pop(rid, None)

    def _enable(self) -> None:
        state = self.views.get(self.selected_id() or "", {}).get("state")
        self.pause_button.setEnabled(state in ("queued", "running"))
        self.resume_button.setEnabled(state in ("paused", "failed"))
        self.cancel_button.setEnabled(state in ("queued", "running", "paused", "failed"))

    def row_text(self, recording_id: str) -> tuple[str, ...]:
        item = self._items[recording_id]
        return tuple(item.text(c) for c in range(len(COLUMNS)))

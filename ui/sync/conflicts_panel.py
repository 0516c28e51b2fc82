"""The conflicts panel: every automatic resolution sync made that discarded someone's change, newest first: who
lost, what, why and whose change won. Showing the list is audited by the core (reviewer.sync.conflicts), so the
list is read only while the panel is on screen, through the window's writer thread (the audit event is a write).
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from reviewer.sync.conflicts import list_conflicts, mark_seen

COLUMNS = ("When (UTC)", "Lost", "What", "Recording", "Their value", "Won by", "Why")
REFRESH_MS = 250  # one sync page can record many conflicts: re-read once they have settled


def _value(v) -> str:
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"


class ConflictsPanel(QWidget):
    loaded = Signal(int)  # how many entries are listed
    unseenChanged = Signal(int)

    def __init__(self, gov, writer, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("conflictsPanel")
        self.gov, self.writer = gov, writer
        self.conflicts = []
        self.error = ""
        self.tree = QTreeWidget()
        self.tree.setObjectName("conflictsTree")
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QTreeWidget.SelectionMode.ExtendedSelection)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.summary = QLabel("Reading…")
        self.summary.setWordWrap(True)
        self.seen_button = QPushButton("Mark selected as seen")
        self.seen_button.setObjectName("conflictsMarkSeen")
        self.seen_button.clicked.connect(self.mark_selected_seen)
        self.all_button = QPushButton("Mark all as seen")
        self.all_button.clicked.connect(lambda: self.mark_seen([c.id for c in self.conflicts if not c.seen]))
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.seen_button)
        buttons.addWidget(self.all_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(buttons)
        lay.addWidget(self.tree, 1)
        self._timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._loading = False

    def changed(self) -> None:
        """Sync recorded a conflict (or one was marked seen elsewhere): re-read if the panel is on screen."""
        if self.isVisible():
            self._timer.start()

    def refresh(self) -> None:
        if self.writer.closed:  # the window is closing
            return
        if self._loading:
            self._timer.start()  # the read in flight may predate the change
            return
        self._loading = True
        self.writer.submit(list_conflicts, self.gov, on_done=self._show, on_error=self._failed,
                           label="list conflicts")

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self.error = str(exc)
        self.summary.setText(f"Cannot list conflicts: {exc}")

    def _show(self, conflicts) -> None:
        self._loading = False
        self.error = ""
        self.conflicts = list(conflicts)
        self.tree.clear()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for c in self.conflicts:
            item = QTreeWidgetItem([c.at.strftime("%Y-%m-%d %H:%M:%S"), c.lost_actor, c.what, c.recording,
                                    _value(c.lost_value), c.won_actor or "—", c.why])
            item.setData(0, Qt.ItemDataRole.UserRole, c.id)
            item.setToolTip(2, f"{c.entity_type} {c.entity_id}\nlost operation {c.lost_op_id}\n"
                               f"won by operation {c.won_op_id or '—'}")
            if not c.seen:
                for col in range(len(COLUMNS)):
                    item.setFont(col, bold)
            self.tree.addTopLevelItem(item)
        unseen = sum(not c.seen for c in self.conflicts)
        self.summary.setText("No conflicts." if not self.conflicts else
                             f"{len(self.conflicts)} automatic resolution(s) discarded a change; {unseen} not yet "
                             "seen (bold).")
        self.loaded.emit(len(self.conflicts))
        self.unseenChanged.emit(unseen)

    def selected_ids(self) -> list[int]:
        return [int(i.data(0, Qt.ItemDataRole.UserRole)) for i in self.tree.selectedItems()]

    def mark_selected_seen(self) -> None:
        self.mark_seen(self.selected_ids())

    def mark_seen(self, ids: list[int]) -> None:
        if ids and not self.writer.closed:
            self.writer.submit(mark_seen, self.gov, ids, on_done=lambda _n: self.refresh(), on_error=self._failed,
                               label="mark conflicts seen")

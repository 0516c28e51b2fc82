"""The Proposals dock: the detector's pending proposals by first appearance, each with a thumbnail of its first
frame and its frame range; Accept all, Accept (the selected), Reject; double-click goes to the first frame, and
the selected proposals are outlined solid on the picture. The pass's progress and Cancel sit above the list.
Buttons call the feature's actions, as the menu does."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QProgressBar,
                               QPushButton, QVBoxLayout, QWidget)

from ui.detect.review import THUMB_PX

ROLE_ID = Qt.ItemDataRole.UserRole


class ProposalsPanel(QWidget):
    def __init__(self, feature, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("proposalsPanel")
        self.feature = feature
        self.review = feature.review
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.detect_button = QPushButton("Detect faces…")
        self.detect_button.clicked.connect(feature.detect)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.review.cancel)
        self.cancel_button.hide()
        for w in (self.detect_button, self.progress, self.cancel_button):
            top.addWidget(w)
        lay.addLayout(top)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.list = QListWidget()
        self.list.setObjectName("proposalList")
        self.list.setIconSize(QSize(THUMB_PX, THUMB_PX))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.itemDoubleClicked.connect(self._go_to)
        self.list.itemSelectionChanged.connect(lambda: self.review.highlight(self.selected_ids()))
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.accept_all_button = QPushButton("Accept all")
        self.accept_button = QPushButton("Accept")
        self.reject_button = QPushButton("Reject")
        self.accept_all_button.clicked.connect(feature.accept_all)
        self.accept_button.clicked.connect(feature.accept_selected)
        self.reject_button.clicked.connect(feature.reject_selected)
        for b in (self.accept_all_button, self.accept_button, self.reject_button):
            row.addWidget(b)
        lay.addLayout(row)
        self.review.changed.connect(self._fill)
        self.review.progressed.connect(lambda f, label: (self.progress.setValue(int(f * 1000)),
                                                         self.progress.setFormat(label)))
        self.review.runningChanged.connect(self._running)
        self._fill()

    def _running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.detect_button.setEnabled(not running)

    def selected_ids(self) -> list[str]:
        return [i.data(ROLE_ID) for i in self.list.selectedItems()]

    def _fill(self) -> None:
        keep = set(self.selected_ids())
        self.list.clear()
        for v in self.review.views:
            first, last = self.review.frame_range(v)
            item = QListWidgetItem(f"{v.label}\nframes {first}–{last} · confidence {v.peak:.2f}")
            item.setData(ROLE_ID, v.track_id)
            item.setToolTip(f"{v.detector} {v.version}; ends: {v.end}. Double-click to go to frame {first}.")
            thumb = self.review.thumbs.get(v.track_id)
            if thumb is not None:
                h, w = thumb.shape[:2]
                img = QImage(thumb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
                item.setIcon(QPixmap.fromImage(img))
            self.list.addItem(item)
            item.setSelected(v.track_id in keep)
        counts = self.review.summary()
        has = bool(self.review.views)
        for b in (self.accept_all_button, self.accept_button, self.reject_button):
            b.setEnabled(has)
        self.summary.setText(
            f"{counts.get('proposed', 0)} pending, {counts.get('accepted', 0)} accepted, "
            f"{counts.get('rejected', 0)} rejected" if counts else "Open a recording to detect faces.")

    def _go_to(self, item: QListWidgetItem) -> None:
        view = next((v for v in self.review.views if v.track_id == item.data(ROLE_ID)), None)
        if view is not None:
            self.feature.window.controller.seek(self.review.frame_range(view)[0])

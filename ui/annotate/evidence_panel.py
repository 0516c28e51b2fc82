"""The open recording's evidential marks (active and cleared, with who, when and why), its legal hold and its
retention status. Clearing a mark and legal holds need a supervisor: the buttons say so for other roles, and
the core refuses (and audits) whatever the buttons show."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QGridLayout, QHeaderView, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from reviewer.errors import ReviewerError
from reviewer.govern.roles import Action
from ui import theme
from ui.annotate.badges import retention_text

COLUMNS = ("Marked", "Reference", "Category", "Reason", "By", "When (UTC)", "Status")
ID_ROLE = Qt.ItemDataRole.UserRole


def utc(t: dt.datetime | None) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M") if t else ""


class EvidencePanel(QWidget):
    def __init__(self, feature, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("evidencePanel")
        self.feature = feature
        self.session = feature.session
        self.status = QLabel()
        self.status.setObjectName("evidenceStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.tree = QTreeWidget()
        self.tree.setObjectName("evidentialList")
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.mark_button = QPushButton("Mark evidential…")
        self.mark_button.clicked.connect(lambda: feature.mark_evidential(None))
        self.clear_button = QPushButton("Clear mark…")
        self.clear_button.clicked.connect(self._clear)
        self.hold_button = QPushButton("Legal hold…")
        self.hold_button.clicked.connect(feature.toggle_hold)
        self.retention_button = QPushButton("Retention…")
        self.retention_button.setToolTip("Days left and what is due across the library; purge (supervisor)")
        self.retention_button.clicked.connect(feature.show_retention)
        grid = QGridLayout()
        for i, b in enumerate((self.mark_button, self.clear_button, self.hold_button, self.retention_button)):
            grid.addWidget(b, 0, i)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.status)
        lay.addWidget(self.tree, 1)
        lay.addLayout(grid)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        for signal in (self.session.evidentialChanged, self.session.recordingChanged, self.session.usersChanged,
                       self.session.retentionChanged):
            signal.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        selected = self.selected_id()
        self.tree.clear()
        for m in self.session.marks():
            state = "active" if m.active else f"cleared by {m.cleared_by} {utc(m.cleared_at)}: {m.clear_reason}"
            item = QTreeWidgetItem([f"clip “{m.clip_name}”" if m.clip_id else "whole recording", m.reference,
                                    m.category, m.reason, m.marked_by, utc(m.marked_at), state])
            item.setData(0, ID_ROLE, m.id)
            item.setToolTip(3, m.reason)
            item.setToolTip(6, state)
            if m.active:
                item.setForeground(6, QBrush(QColor(theme.ERROR)))
            else:
                for col in range(len(COLUMNS)):
                    item.setForeground(col, QBrush(QColor(theme.DIM_TEXT)))
            self.tree.addTopLevelItem(item)
            if m.id == selected:
                self.tree.setCurrentItem(item)
        self.status.setText(self._status_html())
        self._update_buttons()

    def _status_html(self) -> str:
        s = self.session
        if s.view is None:
            return "Open a recording to see or mark its evidential status."
        lines = []
        mark = s.recording_mark()
        active_clips = [m for m in s.marks() if m.active and m.clip_id]
        if mark is not None:
            lines.append(f"<b style='color:{theme.ERROR}'>⚑ EVIDENTIAL</b> — {mark.reference} ({mark.category})")
        elif active_clips:
            lines.append(f"<b style='color:{theme.ERROR}'>⚑ EVIDENTIAL</b> — {len(active_clips)} clip"
                         f"{'s' if len(active_clips) > 1 else ''} marked")
        else:
            lines.append("Not evidential.")
        hold = s.hold()
        if hold is not None:
            lines.append(f"<b style='color:#b48ce0'>LEGAL HOLD</b> since {utc(hold.set_at)} by {hold.set_by}: "
                         f"{_html(hold.reason)}")
        try:
            lines.append("Retention: " + retention_text(s.retention.status_of(s.view.id)))
        except ReviewerError:
            pass
        return "<br>".join(lines)

    def _update_buttons(self) -> None:
        s = self.session
        has_rec = s.view is not None
        gov = s.gov
        may_mark, may_clear, may_hold = (has_rec and gov.can(a) for a in
                                         (Action.MARK_EVIDENTIAL, Action.CLEAR_EVIDENTIAL, Action.LEGAL_HOLD))
        selected = self._selected_mark()
        self.mark_button.setEnabled(may_mark)
        self.mark_button.setToolTip("" if may_mark or not has_rec else "Your role may not mark footage evidential")
        self.clear_button.setEnabled(may_clear and selected is not None and selected.active)
        self.clear_button.setToolTip("Clear the selected mark (needs a reason)" if may_clear or not has_rec
                                     else "Only a supervisor can clear an evidential mark")
        held = has_rec and s.hold() is not None
        self.hold_button.setText("Release legal hold…" if held else "Legal hold…")
        self.hold_button.setEnabled(may_hold)
        self.hold_button.setToolTip("" if may_hold or not has_rec else "Only a supervisor can set or release holds")

    def selected_id(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, ID_ROLE) if item is not None and item.isSelected() else None

    def _selected_mark(self):
        mid = self.selected_id()
        return next((m for m in self.session.marks() if m.id == mid), None)

    def select(self, mark_id: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            if self.tree.topLevelItem(i).data(0, ID_ROLE) == mark_id:
                self.tree.setCurrentItem(self.tree.topLevelItem(i))

    def _clear(self) -> None:
        mark = self._selected_mark()
        if mark is not None:
            self.feature.clear_evidential(mark.id)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

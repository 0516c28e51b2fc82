"""The audit panel's rows: a list model, newest event first, that grows at the top as events arrive.

A sync page appends hundreds of events at once. The rows' texts and tooltips are made off the UI thread
(`rows_of`, plain Python), and the model only splices them in (one insert, one trim), so the view builds widgets
for the rows on screen, never for all of them (issue 11: no UI stall over 100 ms during a sync).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ui import theme

# what an auditor scans first comes first: when, who, what, whether it was allowed
COLUMNS = ("#", "Time (UTC)", "User", "Action", "Outcome", "Object", "Role", "Justification", "Details")
COL = {name: i for i, name in enumerate(COLUMNS)}
_NO_PARENT = QModelIndex()


@dataclass(frozen=True)
class Row:
    seq: int
    texts: tuple[str, ...]
    tips: dict[int, str]
    failed: bool  # refused, failed or broken: what an auditor looks for first


def rows_of(events) -> list[Row]:
    """Rows for audit events, in the order given (any thread)."""
    out = []
    for e in events:
        tips = {COL["Object"]: f"{e.object_type} {e.object_id}", COL["Justification"]: e.justification or "",
                COL["Details"]: json.dumps(e.details, indent=1, ensure_ascii=False)}
        if e.os_account:  # who was really at the keyboard (differs from User only in a test library)
            tips[COL["User"]] = f"OS account: {e.os_account}"
        out.append(Row(e.seq, (str(e.seq), e.at.strftime("%Y-%m-%d %H:%M:%S"), e.user, e.action, e.outcome,
                               f"{e.object_type} {e.object_id[:8]}".strip(), e.role, e.justification or "",
                               _details(e.details)), tips, e.outcome != "ok"))
    return out


class AuditModel(QAbstractTableModel):
    def __init__(self, limit: int, parent=None):
        super().__init__(parent)
        self.limit = limit
        self.rows: list[Row] = []  # newest first
        self.head = 0  # the trail's last seq when these rows were read: the next read starts after it
        self._error = QBrush(QColor(theme.ERROR))

    def replace(self, head: int, rows: list[Row]) -> None:
        self.beginResetModel()
        self.rows, self.head = rows[: self.limit], head
        self.endResetModel()

    def prepend(self, head: int, rows: list[Row]) -> None:
        """Rows of events newer than every row shown, newest first; the oldest rows beyond the limit go."""
        rows = [r for r in rows if r.seq > self.head]
        self.head = max(self.head, head)
        if rows:
            self.beginInsertRows(_NO_PARENT, 0, len(rows) - 1)
            self.rows[0:0] = rows
            self.endInsertRows()
        if len(self.rows) > self.limit:
            self.beginRemoveRows(_NO_PARENT, self.limit, len(self.rows) - 1)
            del self.rows[self.limit:]
            self.endRemoveRows()

    # ---- QAbstractItemModel -----------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.texts[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tips.get(index.column())
        if role == Qt.ItemDataRole.ForegroundRole and row.failed:
            return self._error
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None


def _details(details: dict) -> str:
    """One line: the fields a reader scans for, without the noise of ids already shown in other columns."""
    parts = []
    for k, v in details.items():
        if k in ("recording_id", "mark_id", "session") or v in (None, "", [], {}):
            continue
        parts.append(f"{k}={v}")
    return ", ".join(parts)

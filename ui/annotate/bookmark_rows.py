"""The bookmarks list's rows as a Qt model: the rows live in Python, and the view asks only for the cells it
draws. A sync can bring thousands of bookmarks a page: a list of widget items cost several Qt calls per bookmark
per page, and while the sync thread applies operations every one of those calls has to win the GIL back (issue
11: no UI stall over 100 ms). A new list is one layout change, whatever its length; the selection and the
current row follow their bookmarks through it (persistent indexes)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

ID_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    texts: tuple[str, ...]
    tip: str


class BookmarkRows(QAbstractTableModel):
    def __init__(self, columns: tuple[str, ...], parent=None):
        super().__init__(parent)
        self.columns = columns
        self.rows: list[Row] = []
        self._row_of: dict[str, int] = {}

    # ---- the model ------------------------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.texts[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 2:
            return row.tip
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # ---- changes --------------------------------------------------------------------------------------------
    def replace(self, rows: list[Row]) -> None:
        """Show `rows` instead. An unchanged list changes nothing; otherwise one layout change, in which every
        persistent index (the selection, the current row) moves to its bookmark's new row, or goes if the
        bookmark is no longer listed."""
        if rows == self.rows:
            return
        row_of = {r.id: n for n, r in enumerate(rows)}
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        moved = [(row_of.get(self.rows[i.row()].id) if 0 <= i.row() < len(self.rows) else None, i.column())
                 for i in old]
        self.rows, self._row_of = rows, row_of
        self.changePersistentIndexList(old, [self.index(n, c) if n is not None else QModelIndex() for n, c in moved])
        self.layoutChanged.emit()

    def row_of(self, bookmark_id: str) -> int | None:
        return self._row_of.get(bookmark_id)

    def index_of(self, bookmark_id: str, column: int = 0) -> QModelIndex:
        n = self._row_of.get(bookmark_id)
        return self.index(n, column) if n is not None else QModelIndex()

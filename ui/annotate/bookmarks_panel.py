"""The open recording's bookmarks: filter by category, author or words; click (or Enter) jumps to the exact
frame; edit, delete, and export what is listed as CSV or JSON. Buttons call the feature's actions, the same ones
the shortcuts run. The list is a view on a model (bookmark_rows.py): a sync that brings thousands of bookmarks
costs one layout change per page, not Qt calls per bookmark."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLineEdit, QPushButton, QStyle,
                               QTreeView, QVBoxLayout, QWidget)

from reviewer.annotate.bookmarks import export_rows, export_text
from reviewer.errors import ReviewerError
from reviewer.media.timecode import format_media_time
from reviewer.outputs import write_text_output
from ui.annotate.bookmark_rows import ID_ROLE, BookmarkRows, Row

COLUMNS = ("Frame", "Time", "Title", "Category", "Author")
ALL = None
# rows Qt measures for a column's width (besides the visible ones); the widest texts are measured as well
MEASURED_ROWS = 200
FITTED = (0, 1, 3, 4)  # columns sized to their texts when those change; the title takes the rest


class BookmarksPanel(QWidget):
    def __init__(self, feature, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("bookmarksPanel")
        self.feature = feature
        self.session = feature.session
        self.category = QComboBox()
        self.category.setObjectName("bookmarkCategoryFilter")
        self.category.setToolTip("Show one category only")
        self.author = QComboBox()
        self.author.setObjectName("bookmarkAuthorFilter")
        self.author.setToolTip("Show one author's bookmarks only")
        self.text = QLineEdit()
        self.text.setPlaceholderText("Filter title and note…")
        self.text.setClearButtonEnabled(True)
        self.model = BookmarkRows(COLUMNS, self)
        self.tree = QTreeView()
        self.tree.setObjectName("bookmarkList")
        self.tree.setModel(self.model)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        # Fitted when the widest texts change, never in ResizeToContents mode: in that mode every changed row
        # measures its columns again (~7 ms a row with thousands listed; a sync edits thousands)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        header.setResizeContentsPrecision(MEASURED_ROWS)
        self._made: dict[str, tuple] = {}  # bookmark id -> (the bookmark as last listed, its row)
        self._fitted: dict[int, list[str]] = {}  # the widest texts each fitted column was sized for
        self._select_next: str | None = None

        self.add_button = QPushButton("Add (M)")
        self.add_button.setToolTip("Bookmark the frame on screen; Ctrl+M adds one with a title and note")
        self.edit_button = QPushButton("Edit…")
        self.delete_button = QPushButton("Delete")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the listed bookmarks (filters applied) as CSV or JSON")
        self.add_button.clicked.connect(feature.add_bookmark)
        self.edit_button.clicked.connect(lambda: self._with_selected(feature.edit_bookmark))
        self.delete_button.clicked.connect(lambda: self._with_selected(feature.delete_bookmark))
        self.export_button.clicked.connect(self.export_dialog)

        filters = QHBoxLayout()
        filters.addWidget(self.category, 1)
        filters.addWidget(self.author, 1)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.delete_button, self.export_button):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(filters)
        lay.addWidget(self.text)
        lay.addWidget(self.tree, 1)
        lay.addLayout(buttons)

        self.tree.clicked.connect(self._jump)
        self.tree.activated.connect(self._jump)
        self.tree.doubleClicked.connect(lambda index: feature.edit_bookmark(index.data(ID_ROLE)))
        self.tree.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.tree.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.tree)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(lambda: self._with_selected(feature.delete_bookmark))
        self.category.currentIndexChanged.connect(self.refresh)
        self.author.currentIndexChanged.connect(self.refresh)
        self.text.textChanged.connect(self.refresh)
        self.session.bookmarksChanged.connect(self.refresh)
        self.refresh()

    # ---- listing --------------------------------------------------------------------------------------------
    def listed(self) -> list:
        """The bookmarks that pass the filters, in frame order."""
        cat, author = self.category.currentData(), self.author.currentData()
        words = self.text.text().lower().split()
        every = self.session.bookmarks()
        if cat is ALL and author is ALL and not words:
            return list(every)
        out = []
        for b in every:
            if cat is not ALL and b.category != cat or author is not ALL and b.author != author:
                continue
            if words and any(w not in f"{b.title}\n{b.note}".lower() for w in words):
                continue
            out.append(b)
        return out

    def select_when_listed(self, bookmark_id: str) -> None:
        """Select a bookmark that the core has just made; the list catches up with the next refresh."""
        self._select_next = bookmark_id
        if self.model.row_of(bookmark_id) is not None:
            self.select(bookmark_id)

    def refresh(self) -> None:
        """List again from the session: the rows are worked out in Python (a row is reused while its bookmark
        shows the same), then handed to the model in one change."""
        every = self.session.bookmarks()
        authors = {b.author for b in every}
        categories = sorted(set(self.session.bookmark_categories()) | {b.category for b in every})
        _fill(self.category, "All categories", categories)
        _fill(self.author, "All authors", sorted(authors))
        self.add_button.setEnabled(self.session.view is not None)
        table = self.session.table
        frames: dict[int, tuple[str, str]] = {}
        made: dict[str, tuple] = {}
        rows = []
        for b in self.listed():
            known = self._made.get(b.id)
            # the session re-reads only changed bookmarks: an unchanged one is the very object listed last time
            if known is not None and known[0] is b:
                row = known[1]
            else:
                if b.pts not in frames:
                    index = self.session.index_of(b.pts)
                    frames[b.pts] = (str(index), format_media_time(table.media_time(index)))
                row = Row(b.id, (*frames[b.pts], b.title, b.category, b.author),
                          f"{b.title}\n\n{b.note}" if b.note else b.title)
            made[b.id] = (b, row)
            rows.append(row)
        self._made = made
        self.model.replace(rows)
        if self._select_next is not None and self.model.row_of(self._select_next) is not None:
            self.select(self._select_next)
            self._select_next = None
        # the candidates for each fitted column's widest text: rows are in frame order, so the last has the
        # longest frame number and time; categories and authors are few
        last = rows[-1].texts if rows else ("", "")
        self._fit({0: [last[0]], 1: [last[1]], 3: categories, 4: sorted(authors)})
        # one author (the usual case on a workstation): the column only takes room from the titles
        self.tree.setColumnHidden(COLUMNS.index("Author"), len(authors) <= 1)
        self.export_button.setEnabled(bool(rows))
        self._update_buttons()

    def _fit(self, widest: dict[int, list[str]]) -> None:
        """Size the fitted columns to their texts when their widest candidates change: Qt measures the header
        and MEASURED_ROWS rows, and the candidates are measured here, so a long frame number deep in a long list
        still fits."""
        metrics = self.tree.fontMetrics()
        margin = 2 * (self.tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.tree) + 1)
        for col in FITTED:
            if self._fitted.get(col) == widest[col]:
                continue
            self._fitted[col] = widest[col]
            self.tree.resizeColumnToContents(col)
            need = max((metrics.horizontalAdvance(t) for t in widest[col]), default=0) + margin
            if self.tree.columnWidth(col) < need:
                self.tree.setColumnWidth(col, need)

    def _update_buttons(self) -> None:
        has = self.selected_id() is not None
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    def selected_id(self) -> str | None:
        index = self.tree.currentIndex()
        if not index.isValid() or not self.tree.selectionModel().isSelected(index):
            return None
        return index.data(ID_ROLE)

    def select(self, bookmark_id: str) -> bool:
        """Make a listed bookmark the current, selected row (False if it is not listed)."""
        index = self.model.index_of(bookmark_id)
        if not index.isValid():
            return False
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.tree.selectionModel().setCurrentIndex(index, flags)
        self.tree.scrollTo(index)
        return True

    def shown(self) -> list[tuple[str, ...]]:
        """The listed rows' texts, in order (what the user reads)."""
        return [r.texts for r in self.model.rows]

    def _with_selected(self, action) -> None:
        bid = self.selected_id()
        if bid is not None:
            action(bid)

    def _jump(self, index: QModelIndex) -> None:
        bid = index.data(ID_ROLE)
        b = next((b for b in self.session.bookmarks() if b.id == bid), None)
        if b is not None:
            self.feature.controller.seek(self.session.index_of(b.pts), exact=True)

    # ---- export ---------------------------------------------------------------------------------------------
    def export_dialog(self) -> None:
        view = self.session.view
        if view is None:
            return
        default = self.session.library.paths.exports / f"{Path(view.file_name).stem}_bookmarks.csv"
        name, chosen = QFileDialog.getSaveFileName(self, "Export bookmarks", str(default),
                                                   "CSV (*.csv);;JSON (*.json)")
        if name:
            fmt = "json" if name.lower().endswith(".json") or "json" in chosen.lower() else "csv"
            self.export(Path(name), fmt)

    def export(self, path: Path, fmt: str) -> int:
        """Write the listed bookmarks with their frame numbers and media/camera times; returns how many."""
        listed = self.listed()
        rows = export_rows(listed, self.session.table, getattr(self.session.view, "camera_start", None))
        try:
            # the save dialog has asked before replacing a file; a folder typed into it is created and said
            done = write_text_output(self.session.library.paths.home, path, export_text(rows, fmt),
                                     overwrite=True, make_dirs=True, what="bookmark export")
        except ReviewerError as exc:
            self.feature.alert("Bookmark export failed", str(exc))
            return 0
        except OSError as exc:
            self.feature.alert("Bookmark export failed", f"{path}: {exc.strerror or exc}")
            return 0
        made = f" ({done.notice()})" if done.created else ""
        self.feature.say(f"Exported {len(rows)} bookmark{'s' if len(rows) != 1 else ''} to {path}{made}")
        return len(rows)


def _fill(combo: QComboBox, all_label: str, values: list[str]) -> None:
    """Replace a filter's choices, keeping the current one (without firing a refresh per change)."""
    wanted = [ALL, *values]
    if [combo.itemData(i) for i in range(combo.count())] == wanted:
        return
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(all_label, ALL)
    for v in values:
        combo.addItem(v, v)
    combo.setCurrentIndex(max(0, combo.findData(current)) if current is not ALL else 0)
    combo.blockSignals(False)

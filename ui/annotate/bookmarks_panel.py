"""The open recording's bookmarks: filter by category, author or words; click (or Enter) jumps to the exact
frame; edit, delete, and export what is listed as CSV or JSON. Buttons call the feature's actions, the same ones
the shortcuts run."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLineEdit, QPushButton,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from reviewer.annotate.bookmarks import export_rows, export_text
from reviewer.errors import ReviewerError
from reviewer.media.timecode import format_media_time
from reviewer.outputs import write_text_output

COLUMNS = ("Frame", "Time", "Title", "Category", "Author")
ID_ROLE = Qt.ItemDataRole.UserRole
ALL = None


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
        self.tree = QTreeWidget()
        self.tree.setObjectName("bookmarkList")
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)

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

        self.tree.itemClicked.connect(lambda item, _c: self._jump(item))
        self.tree.itemActivated.connect(lambda item, _c: self._jump(item))
        self.tree.itemDoubleClicked.connect(lambda item, _c: feature.edit_bookmark(item.data(0, ID_ROLE)))
        self.tree.itemSelectionChanged.connect(self._update_buttons)
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
        out = []
        for b in self.session.bookmarks():
            if cat is not ALL and b.category != cat or author is not ALL and b.author != author:
                continue
            if any(w not in f"{b.title}\n{b.note}".lower() for w in words):
                continue
            out.append(b)
        return out

    def select_when_listed(self, bookmark_id: str) -> None:
        """Select a bookmark that the core has just made; the list catches up with the next refresh."""
        self._select_next = bookmark_id
        item = self.item_for(bookmark_id)
        if item is not None:
            self.tree.setCurrentItem(item)

    def refresh(self) -> None:
        every = self.session.bookmarks()
        _fill(self.category, "All categories", sorted(set(self.session.annotations.bookmarks.categories())
                                                      | {b.category for b in every}))
        _fill(self.author, "All authors", sorted({b.author for b in every}))
        selected = getattr(self, "_select_next", None) or self.selected_id()
        table = self.session.table
        # a sync can bring thousands: build the rows first and hand them over in one call, without repainting
        rows, current, frames = [], None, {}
        for b in self.listed():
            if b.pts not in frames:
                index = self.session.index_of(b.pts)
                frames[b.pts] = (str(index), format_media_time(table.media_time(index)))
            item = QTreeWidgetItem([*frames[b.pts], b.title, b.category, b.author])
            item.setData(0, ID_ROLE, b.id)
            item.setToolTip(2, f"{b.title}\n\n{b.note}" if b.note else b.title)
            item.setTextAlignment(0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            rows.append(item)
            if b.id == selected:
                current = item
        self.tree.setUpdatesEnabled(False)
        try:
            self.tree.clear()
            self.tree.addTopLevelItems(rows)
            if current is not None:
                self.tree.setCurrentItem(current)
                self._select_next = None
        finally:
            self.tree.setUpdatesEnabled(True)
        # one author (the usual case on a workstation): the column only takes room from the titles
        self.tree.setColumnHidden(COLUMNS.index("Author"), len({b.author for b in every}) <= 1)
        self.add_button.setEnabled(self.session.view is not None)
        self.export_button.setEnabled(self.tree.topLevelItemCount() > 0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.selected_id() is not None
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    def selected_id(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, ID_ROLE) if item is not None and item.isSelected() else None

    def item_for(self, bookmark_id: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            if self.tree.topLevelItem(i).data(0, ID_ROLE) == bookmark_id:
                return self.tree.topLevelItem(i)
        return None

    def _with_selected(self, action) -> None:
        bid = self.selected_id()
        if bid is not None:
            action(bid)

    def _jump(self, item: QTreeWidgetItem) -> None:
        bid = item.data(0, ID_ROLE)
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

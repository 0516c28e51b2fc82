"""The open recording's bookmarks: filter by category, author or words; click (or Enter) jumps to the exact
frame; edit, delete, and export what is listed as CSV or JSON. Buttons call the feature's actions, the same ones
the shortcuts run."""

from __future__ import annotations

import time
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QTimer
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
# a re-list yields to the event loop after SLICE_S of work, checked every SLICE_ROWS rows
SLICE_S = 0.010
SLICE_ROWS = 25
# rows measured for the columns' widths: a tree of thousands measured row by row stalls the UI
MEASURED_ROWS = 200
FITTED = (0, 1, 3, 4)  # columns sized to their texts once per re-list; the title takes the rest


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
        # Fitted once per re-list, never in ResizeToContents mode: in that mode every text changed in a listed
        # row measures the column again (~7 ms a row with thousands listed; a sync edits thousands)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        header.setResizeContentsPrecision(MEASURED_ROWS)
        self._rows: dict[str, tuple] = {}  # bookmark id -> (its texts and tooltip, its row), as listed
        self._dropped: list[QTreeWidgetItem] = []  # rows taken out of the list, freed a slice at a time
        self._job = None  # the re-list under way (a generator), replaced by the next refresh
        self._slice = QTimer(self, singleShot=True, interval=0)
        self._slice.timeout.connect(self._step)

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
        """Re-list from the session. A sync can bring thousands of bookmarks: the rows are made in slices, a few
        ms per event-loop turn, reusing the row of every bookmark already shown, and handed to the tree in one
        call at the end, so the UI never waits for the whole list (issue 11: no stall over 100 ms)."""
        every = self.session.bookmarks()
        _fill(self.category, "All categories", sorted(set(self.session.annotations.bookmarks.categories())
                                                      | {b.category for b in every}))
        _fill(self.author, "All authors", sorted({b.author for b in every}))
        self.add_button.setEnabled(self.session.view is not None)
        self._job = self._relist(self.listed(), len({b.author for b in every}) > 1)
        self._step()

    def _step(self) -> None:
        """Run the current re-list for one slice (small lists finish here, synchronously), then free the rows
        of bookmarks no longer listed, a slice at a time."""
        job = self._job
        if job is not None:
            if next(job, None) is None:
                if self._job is job:
                    self._job = None
            elif self._job is job:
                self._slice.start()
                return
        # a row freed on the UI thread waits for the GIL held by the sync thread: a few hundred at once stall
        deadline = time.perf_counter() + SLICE_S
        while self._dropped and time.perf_counter() < deadline:
            shiboken6.delete(self._dropped.pop())
        if self._dropped and self._job is None:
            self._slice.start()

    def _relist(self, listed: list, several_authors: bool):
        table = self.session.table
        rows, frames, deadline = [], {}, time.perf_counter() + SLICE_S
        for n, b in enumerate(listed, 1):
            if b.pts not in frames:
                index = self.session.index_of(b.pts)
                frames[b.pts] = (str(index), format_media_time(table.media_time(index)))
            key = ((*frames[b.pts], b.title, b.category, b.author), f"{b.title}\n\n{b.note}" if b.note else b.title)
            known = self._rows.get(b.id)
            if known is None:
                item = QTreeWidgetItem()
                item.setData(0, ID_ROLE, b.id)
                item.setTextAlignment(0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                _show(item, key, None)
            else:
                # an edited bookmark keeps its row: changing it in place frees nothing (see _step)
                item = known[1]
                if known[0] != key:
                    _show(item, key, known[0])
                    self._rows[b.id] = (key, item)
            rows.append((b.id, key, item))
            # the clock is read once a slice, so a short list (every edit by hand) is always listed at once
            if n % SLICE_ROWS == 0 and time.perf_counter() > deadline:
                yield True
                deadline = time.perf_counter() + SLICE_S
        selected = getattr(self, "_select_next", None) or self.selected_id()
        shown = {bid: (key, item) for bid, key, item in rows}
        self.tree.setUpdatesEnabled(False)
        try:
            # taken, not cleared: the rows still listed go straight back in, in the new order
            self.tree.invisibleRootItem().takeChildren()
            self.tree.addTopLevelItems([item for _bid, _key, item in rows])
            current = shown.get(selected)
            if current is not None:
                self.tree.setCurrentItem(current[1])
                self._select_next = None
            for col in FITTED:
                self.tree.resizeColumnToContents(col)
        finally:
            self.tree.setUpdatesEnabled(True)
        self._dropped.extend(item for bid, (_key, item) in self._rows.items() if bid not in shown)
        self._rows = shown
        # one author (the usual case on a workstation): the column only takes room from the titles
        self.tree.setColumnHidden(COLUMNS.index("Author"), not several_authors)
        self.export_button.setEnabled(bool(rows))
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


def _show(item: QTreeWidgetItem, key: tuple, before: tuple | None) -> None:
    """Set a row's texts and tooltip, only those that differ from what it shows."""
    texts, tip = key
    old_texts, old_tip = before if before is not None else ((None,) * len(texts), None)
    for col, (new, old) in enumerate(zip(texts, old_texts)):
        if new != old:
            item.setText(col, new)
    if tip != old_tip:
        item.setToolTip(2, tip)


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

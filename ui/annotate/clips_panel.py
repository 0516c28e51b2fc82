"""The open recording's clips: the pending in/out points, the list (name, purpose, range, evidential), loop
playback, edit, delete and marking a clip evidential. Buttons call the feature's actions (the shortcuts' too)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (QGridLayout, QHeaderView, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from reviewer.govern.roles import Action
from reviewer.media.timecode import format_media_time
from ui import theme

COLUMNS = ("Clip", "Purpose", "In", "Out", "Length", "Evidential")
ID_ROLE = Qt.ItemDataRole.UserRole


class ClipsPanel(QWidget):
    def __init__(self, feature, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("clipsPanel")
        self.feature = feature
        self.session = feature.session
        self.in_out = QLabel()
        self.in_out.setObjectName("hintText")
        self.in_out.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("clipList")
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)

        def button(text: str, tip: str, slot) -> QPushButton:
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            return b

        self.in_button = button("Set in (I)", "The clip starts at the frame on screen", feature.set_in)
        self.out_button = button("Set out (O)", "The clip ends at the frame on screen (inclusive)", feature.set_out)
        self.new_button = button("New clip…", "Name the range between the in and out points", feature.new_clip)
        self.loop_button = button("Loop (Ctrl+L)", "Play the selected clip over and over", feature.toggle_loop)
        self.loop_button.setCheckable(True)
        self.edit_button = button("Edit…", "Rename, change purpose or move its ends",
                                  lambda: self._with_selected(feature.edit_clip))
        self.delete_button = button("Delete", "Delete the selected clip (Ctrl+Z undoes)",
                                    lambda: self._with_selected(feature.delete_clip))
        self.mark_button = button("Mark evidential…", "Mark the selected clip evidential",
                                  lambda: feature.mark_evidential(self.selected_id()))
        grid = QGridLayout()
        for i, b in enumerate((self.in_button, self.out_button, self.new_button, self.loop_button,
                               self.edit_button, self.delete_button, self.mark_button)):
            grid.addWidget(b, i // 4, i % 4)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.in_out)
        lay.addWidget(self.tree, 1)
        lay.addLayout(grid)

        self.tree.itemClicked.connect(lambda item, _c: self._jump(item))
        self.tree.itemActivated.connect(lambda item, _c: self._jump(item))
        self.tree.itemDoubleClicked.connect(lambda item, _c: feature.edit_clip(item.data(0, ID_ROLE)))
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.tree)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(lambda: self._with_selected(feature.delete_clip))
        self.session.clipsChanged.connect(self.refresh)
        self.session.inOutChanged.connect(self._show_in_out)
        self.session.usersChanged.connect(self._update_buttons)
        feature.loop.changed.connect(lambda _id: self._update_buttons())
        self.refresh()

    def select_when_listed(self, clip_id: str) -> None:
        """Select a clip that the core has just made; the list catches up with the next refresh."""
        self._select_next = clip_id
        self.select(clip_id)

    def refresh(self) -> None:
        selected = getattr(self, "_select_next", None) or self.selected_id()
        self.tree.clear()
        table = self.session.table
        for c in self.session.clips():
            a, b = self.session.clip_span(c)
            end = table.media_time(b + 1) if b + 1 < table.frame_count else table.duration
            length = end - table.media_time(a)  # the out frame is included, for its own duration
            item = QTreeWidgetItem([c.name, c.purpose, str(a), str(b), format_media_time(length),
                                    "⚑ yes" if c.evidential else ""])
            item.setData(0, ID_ROLE, c.id)
            item.setToolTip(0, f"{c.name}\nframes {a}–{b}: {format_media_time(table.media_time(a))} → "
                               f"{format_media_time(table.media_time(b))}\nby {c.author}")
            if c.evidential:
                item.setForeground(5, QBrush(QColor(theme.ERROR)))
            self.tree.addTopLevelItem(item)
            if c.id == selected:
                self.tree.setCurrentItem(item)
                self._select_next = None
        self._show_in_out()
        self._update_buttons()

    def _show_in_out(self) -> None:
        s = self.session
        if s.view is None:
            self.in_out.setText("Open a recording to make clips.")
        elif s.in_index is None and s.out_index is None:
            self.in_out.setText("Press I at the first frame and O at the last frame of a clip.")
        else:
            def fmt(i):
                return "not set" if i is None else f"frame {i} ({format_media_time(s.table.media_time(i))})"
            self.in_out.setText(f"In: {fmt(s.in_index)}    Out: {fmt(s.out_index)}")
        self._update_buttons()

    def _update_buttons(self) -> None:
        s = self.session
        has_rec, has = s.view is not None, self.selected_id() is not None
        for b in (self.in_button, self.out_button):
            b.setEnabled(has_rec)
        self.new_button.setEnabled(has_rec)
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(has)
        self.loop_button.setEnabled(has or self.feature.loop.clip_id is not None)
        self.loop_button.setChecked(self.feature.loop.clip_id is not None)
        may_mark = s.view is not None and s.gov.can(Action.MARK_EVIDENTIAL)
        self.mark_button.setEnabled(has and may_mark)
        self.mark_button.setToolTip("Mark the selected clip evidential" if may_mark or s.view is None else
                                    "Your role may not mark footage evidential")

    def selected_id(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, ID_ROLE) if item is not None and item.isSelected() else None

    def select(self, clip_id: str) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, ID_ROLE) == clip_id:
                self.tree.setCurrentItem(item)
                return

    def item_for(self, clip_id: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            if self.tree.topLevelItem(i).data(0, ID_ROLE) == clip_id:
                return self.tree.topLevelItem(i)
        return None

    def _with_selected(self, action) -> None:
        cid = self.selected_id()
        if cid is not None:
            action(cid)

    def _jump(self, item: QTreeWidgetItem) -> None:
        clip = next((c for c in self.session.clips() if c.id == item.data(0, ID_ROLE)), None)
        if clip is not None:
            self.feature.controller.seek(self.session.clip_span(clip)[0], exact=True)

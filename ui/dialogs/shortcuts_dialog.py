"""Help: every keyboard shortcut, straight from ui.shortcuts.all_shortcuts(), grouped by menu."""

from __future__ import annotations

from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ui.shortcuts import MENUS, Shortcut, all_shortcuts


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, shortcuts: tuple[Shortcut, ...] | None = None):
        super().__init__(parent)
        shortcuts = all_shortcuts() if shortcuts is None else shortcuts
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(600, 720)
        ordered = sorted(shortcuts, key=lambda s: MENUS.index(s.menu) if s.menu in MENUS else len(MENUS))
        self.table = QTableWidget(len(ordered), 3)
        self.table.setHorizontalHeaderLabels(["Keys", "Action", "Menu"])
        for row, s in enumerate(ordered):
            for col, text in enumerate((s.key_text(), s.description, s.menu)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str]]:
        """(keys, description) as displayed; used by tests and by anyone printing the list."""
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text()) for r in range(self.table.rowCount())]

"""Add or edit a bookmark: title, category (the library's configurable list) and note, at a frame shown with
its media and camera times so the user knows exactly which moment they are describing."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QVBoxLayout, QWidget)


class BookmarkDialog(QDialog):
    def __init__(self, where: str, categories: list[str], title: str = "", category: str = "other",
                 note: str = "", editing: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("bookmarkDialog")
        self.setWindowTitle("Edit bookmark" if editing else "Add bookmark")
        self.title = QLineEdit(title)
        self.title.setObjectName("bookmarkTitle")
        self.title.setMaxLength(300)
        self.category = QComboBox()
        self.category.setObjectName("bookmarkCategory")
        for c in categories if category in categories else [*categories, category]:
            self.category.addItem(c)
        self.category.setCurrentText(category)
        self.note = QPlainTextEdit(note)
        self.note.setObjectName("bookmarkNote")
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("What happens here, who is involved, why it matters…")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        at = QLabel(where)
        at.setObjectName("hintText")
        form = QFormLayout()
        form.addRow("At", at)
        form.addRow("Title", self.title)
        form.addRow("Category", self.category)
        form.addRow("Note", self.note)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        self.title.textChanged.connect(self._validate)
        self.resize(440, 300)
        self._validate()
        self.title.selectAll()

    def values(self) -> dict:
        return {"title": self.title.text().strip(), "category": self.category.currentText(),
                "note": self.note.toPlainText().strip()}

    def _validate(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.title.text().strip()))

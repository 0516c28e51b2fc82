"""Why is this footage being opened? (DPA 2018 s62.) A picklist of purposes plus free text, asked once per
recording per session; the answer goes to Library.open_recording(reason=...) and so into the audit trail.

The dialog is window-modal but opened with open(), never exec(): playback and background work keep running,
and the answer arrives through a callback.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QPlainTextEdit,
                               QVBoxLayout, QWidget)

from reviewer.errors import ReviewerError
from reviewer.govern.justification import PURPOSES, compose

Proceed = Callable[[str], None]


class JustificationDialog(QDialog):
    def __init__(self, file_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("justificationDialog")
        self.setWindowTitle("Why are you opening this recording?")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        intro = QLabel(f"<b>{_html(file_name)}</b><br>The law requires a reason for every consultation of "
                       "footage (Data Protection Act 2018 s62). It is recorded in the audit trail with your "
                       "name and asked once per recording in this session.")
        intro.setWordWrap(True)
        self.purpose = QComboBox()
        self.purpose.setObjectName("justificationPurpose")
        self.purpose.addItem("Choose a purpose…", None)
        for p in PURPOSES:
            self.purpose.addItem(p[0].upper() + p[1:], p)
        self.details = QPlainTextEdit()
        self.details.setObjectName("justificationText")
        self.details.setPlaceholderText("Case or complaint reference, request number, what you are looking for…")
        self.details.setTabChangesFocus(True)
        self.details.setFixedHeight(80)
        self.problem = QLabel()
        self.problem.setObjectName("hintText")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Open recording")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Purpose", self.purpose)
        form.addRow("Details", self.details)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.problem)
        lay.addWidget(self.buttons)
        self.purpose.currentIndexChanged.connect(self._validate)
        self.details.textChanged.connect(self._validate)
        self.resize(480, self.sizeHint().height())
        self._validate()

    def choose(self, purpose: str, text: str = "") -> None:
        """Fill the form (keyboard users and tests)."""
        self.purpose.setCurrentIndex(self.purpose.findData(purpose))
        self.details.setPlainText(text)

    def reason(self) -> str | None:
        purpose = self.purpose.currentData()
        if purpose is None:
            return None
        try:
            return compose(purpose, self.details.toPlainText())
        except ReviewerError:
            return None

    def _validate(self) -> None:
        purpose = self.purpose.currentData()
        ok = self.reason() is not None
        if purpose is None:
            self.problem.setText("Choose the purpose that best fits.")
        elif not ok and purpose == "other":
            self.problem.setText("“Other” needs a few words saying why the footage is opened.")
        else:
            self.problem.setText("")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def accept(self) -> None:
        if self.reason() is not None:
            super().accept()


def ask(parent: QWidget, file_name: str, proceed: Proceed) -> JustificationDialog:
    """Show the dialog; call proceed(reason) if the user answers. Cancelling opens nothing."""
    dialog = JustificationDialog(file_name, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: proceed(dialog.reason()))
    dialog.open()
    return dialog


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

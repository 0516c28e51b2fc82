"""Mark a recording or one of its clips evidential (incident or crime reference, category, reason), and the
reason prompt used for clearing a mark and for legal holds. Who marked it and when are recorded by the core."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QVBoxLayout, QWidget)

RECORDING = None  # target value for "the whole recording"


class EvidentialDialog(QDialog):
    def __init__(self, file_name: str, clips: list, categories: list[str], clip_id: str | None = None,
                 reference: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("evidentialDialog")
        self.setWindowTitle("Mark evidential")
        self.target = QComboBox()
        self.target.setObjectName("evidentialTarget")
        self.target.addItem(f"The whole recording ({file_name})", RECORDING)
        for c in clips:
            self.target.addItem(f"Clip “{c.name}” ({c.purpose})", c.id)
        self.target.setCurrentIndex(max(0, self.target.findData(clip_id)))
        self.reference = QLineEdit(reference)
        self.reference.setObjectName("evidentialReference")
        self.reference.setMaxLength(100)
        self.reference.setPlaceholderText("Incident or crime reference, e.g. CR/12345/24")
        self.category = QComboBox()
        self.category.setObjectName("evidentialCategory")
        self.category.addItems(categories)
        self.category.setCurrentText("criminal investigation" if "criminal investigation" in categories
                                     else categories[0])
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("evidentialReason")
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText("Why this footage is evidence")
        self.reason.setFixedHeight(80)
        note = QLabel("Evidential footage is kept until its review date instead of being deleted after 31 days. "
                      "Only a supervisor can clear the mark, with a reason.")
        note.setObjectName("hintText")
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Mark evidential")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Mark", self.target)
        form.addRow("Reference", self.reference)
        form.addRow("Category", self.category)
        form.addRow("Reason", self.reason)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.buttons)
        self.reference.textChanged.connect(self._validate)
        self.reason.textChanged.connect(self._validate)
        self.resize(500, self.sizeHint().height())
        self._validate()

    def values(self) -> dict:
        return {"clip_id": self.target.currentData(), "reference": self.reference.text().strip(),
                "category": self.category.currentText(), "reason": " ".join(self.reason.toPlainText().split())}

    def _validate(self) -> None:
        v = self.values()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(v["reference"] and v["reason"]))


class ReasonDialog(QDialog):
    """One required reason, for actions the law wants explained (clearing a mark, setting or releasing a hold)."""

    def __init__(self, title: str, explanation: str, action_text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reasonDialog")
        self.setWindowTitle(title)
        text = QLabel(explanation)
        text.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("reasonText")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(80)
        self.reason.setPlaceholderText("Reason (recorded in the audit trail)")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(action_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(self.reason)
        lay.addWidget(self.buttons)
        self.reason.textChanged.connect(self._validate)
        self.resize(440, self.sizeHint().height())
        self._validate()

    def value(self) -> str:
        return " ".join(self.reason.toPlainText().split())

    def _validate(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.value()))

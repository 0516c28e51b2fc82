"""Non-blocking message boxes: the event loop keeps running (playback, workers) while the user reads."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

ICONS = {"info": QMessageBox.Icon.Information, "warning": QMessageBox.Icon.Warning,
         "error": QMessageBox.Icon.Critical}


def show_message(parent: QWidget | None, title: str, text: str, level: str = "error") -> QMessageBox:
    box = QMessageBox(ICONS[level], title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # paths and hashes get copied
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box

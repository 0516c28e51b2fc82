"""Habits of a dock full of value fields, as editors expect them:
- scrolling over the dock scrolls it: a spin box or combo takes the wheel only once it has focus (clicked or
  tabbed into), so passing the pointer over one can never change a strength or an effect;
- Ctrl+Z / Ctrl+Shift+Z in a field undo and redo the window's one history (the governance UndoStack), after
  storing what is typed there, instead of the field's private text undo that the audit trail never sees.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QWidget

from ui.shortcuts import SHORTCUTS

VALUE_FIELDS = (QAbstractSpinBox, QComboBox)
_HISTORY_KEYS = {QKeySequence(k).toString() for s in SHORTCUTS if s.action_id in ("undo", "redo") for k in s.keys}


class EditGuard(QObject):
    def __init__(self, root: QWidget, commit_pending: Callable[[], None] = lambda: None):
        super().__init__(root)
        self.commit_pending = commit_pending
        self.guard(root)

    def guard(self, root: QWidget) -> None:
        """Guard every value field and line edit under `root` (call again for fields added later)."""
        for w in root.findChildren(QWidget):
            if isinstance(w, VALUE_FIELDS):
                w.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # not WheelFocus: the wheel must not grab them
                w.installEventFilter(self)
            elif isinstance(w, QLineEdit):
                w.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        t = event.type()
        if t == QEvent.Type.Wheel and isinstance(obj, VALUE_FIELDS) and not obj.hasFocus():
            event.ignore()  # on to the parent: the scroll area scrolls
            return True
        if t == QEvent.Type.ShortcutOverride and _is_history_key(event):
            self.commit_pending()
            event.ignore()  # not overridden: the window's Undo/Redo action takes the key
            return True
        return False


def _is_history_key(event) -> bool:
    return QKeySequence(event.keyCombination()).toString() in _HISTORY_KEYS

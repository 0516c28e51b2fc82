"""Progress and Cancel for one background operation (ui.operations). It never drives the event loop itself."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QVBoxLayout, QWidget

from ui.operations import Operation


class ProgressDialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(460)
        self._op: Operation | None = None
        self.label = QLabel("Starting…")
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.cancel)
        # The dialog opens straight after a question answered with Enter (first launch) or a file chosen with
        # Enter: a second Enter, or a held key's repeat, must not cancel the work, nor Space (play) while it runs.
        # Esc and a click cancel.
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        cancel.setDefault(False)
        cancel.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.buttons)

    def attach(self, op: Operation) -> None:
        self._op = op

    def update_progress(self, fraction: float, label: str = "") -> None:
        self.bar.setValue(int(round(fraction * 1000)))
        if label:
            self.label.setText(label)

    def cancel(self) -> None:
        """Cancel asks the worker to stop; the dialog closes when the operation reports back."""
        if self._op is not None and not self._op.finished:
            self._op.cancel()
            self.label.setText("Cancelling…")
            self.buttons.setEnabled(False)
        else:
            self.finish()

    def reject(self) -> None:  # Esc and the window's close button mean Cancel, not "hide and keep going"
        self.cancel()

    def finish(self) -> None:
        self._op = None
        was_active = self.isActiveWindow()
        super().reject()
        # Hand the keyboard back to the window, or its window-wide shortcuts stay dead until the user clicks it.
        if was_active and self.parentWidget() is not None:
            self.parentWidget().activateWindow()


def run_with_progress(runner, parent: QWidget | None, title: str, fn, *args, on_done=None, on_error=None,
                      on_cancelled=None, on_progress=None, **kwargs) -> tuple[Operation, ProgressDialog]:
    """Run fn on `runner` behind a ProgressDialog that closes itself however the operation ends. `on_progress`
    also hears every report (e.g. to echo it in the status bar)."""
    dialog = ProgressDialog(title, parent)

    def progress(fraction: float, label: str = "") -> None:
        dialog.update_progress(fraction, label)
        if on_progress is not None:
            on_progress(fraction, label)

    def ended(callback):
        def handler(*a):
            dialog.finish()
            if callback is not None:
                callback(*a)
        return handler

    op = runner.run(fn, *args, on_done=ended(on_done), on_error=ended(on_error),
                    on_cancelled=ended(on_cancelled), on_progress=progress, **kwargs)
    dialog.attach(op)
    dialog.show()
    return op, dialog

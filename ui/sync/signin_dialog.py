"""Sign in to the central store: its URL and the one-time enrolment code an administrator gave the user
(`reviewer store user add NAME --role ROLE`). The sign-in itself is the core's (reviewer/sync/link.py: the
refresh token goes to the OS keyring only, the store's keys are pinned, the signed grant is stored); it runs off the
UI thread, and a failure is shown in the dialog as one line, which stays open to correct the URL or the code.
"""

from __future__ import annotations

from typing import Callable
from urllib.parse import urlsplit

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ui import theme


def default_login() -> Callable:
    try:
        from reviewer.sync.link import login
    except ImportError:  # an older core without the sync client
        def login(_library, _url, _code):
            raise RuntimeError("this build cannot sign in to a store (no sync client)")
    return login


def check_url(url: str) -> str | None:
    """A one-line problem with what was typed, or None."""
    if not url:
        return "Enter the store's address, e.g. https://store.example.police.uk"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{url}: not a web address (it must start with https:// or http://)"
    return None


class SignInDialog(QDialog):
    signedIn = Signal(dict)  # the core's status after signing in

    def __init__(self, library, runner, url: str = "", login: Callable | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in to the central store")
        self.library, self.runner = library, runner
        self._login = login or default_login()
        self.result_status: dict | None = None
        self.url = QLineEdit(url)
        self.url.setObjectName("signInUrl")
        self.url.setPlaceholderText("https://store.example.police.uk")
        self.code = QLineEdit()
        self.code.setObjectName("signInCode")
        self.code.setPlaceholderText("one-time enrolment code from your administrator")
        self.error = QLabel()
        self.error.setObjectName("signInError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.ERROR};")
        self.error.hide()
        intro = QLabel("Your administrator enrols you on the store and gives you a one-time code. Your sign-in is "
                       "kept in this computer's secure keyring, never in a file.")
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Store address", self.url)
        form.addRow("Enrolment code", self.code)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        self.buttons.accepted.connect(self.sign_in)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())

    def show_error(self, text: str) -> None:
        self.error.setText(text.splitlines()[0] if text else "Sign-in failed")
        self.error.show()
        self._busy(False)

    def _busy(self, busy: bool) -> None:
        for w in (self.url, self.code, self.buttons.button(QDialogButtonBox.StandardButton.Ok)):
            w.setEnabled(not busy)

    def sign_in(self) -> None:
        url, code = self.url.text().strip(), self.code.text().strip()
        problem = check_url(url)
        if problem is None and not code:
            problem = "Enter the one-time enrolment code your administrator gave you"
        if problem is not None:
            self.show_error(problem)
            return
        self.error.hide()
        self._busy(True)
        login = self._login
        self.runner.run(lambda task=None: login(self.library, url, code), key="sign-in", on_done=self._done,
                        on_error=lambda exc: self.show_error(str(exc) or type(exc).__name__))

    def _done(self, status: dict) -> None:
        self._busy(False)
        self.result_status = dict(status or {})
        self.signedIn.emit(self.result_status)
        self.accept()

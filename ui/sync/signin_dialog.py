"""Sign in to the central store: its URL and either the one-time enrolment code an administrator gave the user
(`reviewer store user add NAME --role ROLE`), or "Sign in with your organisation": the organisation's OIDC issuer
in the system browser (authorization code + PKCE, the redirect comes back to 127.0.0.1; ADR 0023). The sign-in
itself is the core's (reviewer/sync/link.py: the refresh token goes to the OS keyring only, the store's keys are
pinned, the signed grant is stored); it runs off the UI thread, and a failure is shown in the dialog as one line,
which stays open to correct what was typed. While the browser sign-in waits, Cancel stops it (so does closing the
dialog); the core gives up by itself after oidc_browser.WAIT_S.
"""

from __future__ import annotations

import threading
from typing import Callable
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

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


def default_browser_login() -> Callable:
    from reviewer.sync.link import login_oidc_browser

    return login_oidc_browser


class SignInDialog(QDialog):
    signedIn = Signal(dict)  # the core's status after signing in
    browser_wait_s = 300.0  # how long the browser sign-in waits for the redirect (oidc_browser.WAIT_S)
    _openBrowser = Signal(str)  # from the sign-in's thread: the system browser is opened on the UI thread

    def __init__(self, library, runner, url: str = "", login: Callable | None = None,
                 parent: QWidget | None = None, issuer: str = "", client_id: str = "", scope: str = "",
                 browser_login: Callable | None = None):
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in to the central store")
        self.library, self.runner = library, runner
        self._login = login or default_login()
        self._browser_login = browser_login or default_browser_login()
        self._cancel: threading.Event | None = None  # set to stop the browser sign-in in flight
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
        self.issuer = QLineEdit(issuer)
        self.issuer.setObjectName("signInIssuer")
        self.issuer.setPlaceholderText("https://login.microsoftonline.com/TENANT/v2.0")
        self.client_id = QLineEdit(client_id)
        self.client_id.setObjectName("signInClientId")
        self.client_id.setPlaceholderText("this app's client id at your organisation")
        self.scope = QLineEdit(scope)
        self.scope.setObjectName("signInScope")
        self.scope.setPlaceholderText("openid offline_access (Entra: add the store's, e.g. api://bwv-store/.default)")
        self.org = QPushButton("Sign in with your organisation")
        self.org.setObjectName("signInOrganisation")
        self.org.clicked.connect(self.sign_in_browser)
        self.waiting = QLabel()
        self.waiting.setObjectName("signInWaiting")
        self.waiting.setWordWrap(True)
        self.waiting.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.waiting.hide()
        self.stop = QPushButton("Cancel sign-in")
        self.stop.setObjectName("signInStop")
        self.stop.clicked.connect(self.cancel_browser)
        self.stop.hide()
        self._openBrowser.connect(self._open_browser)
        intro = QLabel("Your administrator enrols you on the store and gives you a one-time code, or you sign in "
                       "with your organisation's account in your browser. Your sign-in is kept in this computer's "
                       "secure keyring, never in a file.")
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Store address", self.url)
        form.addRow("Enrolment code", self.code)
        self.org_box = QGroupBox("Or sign in with your organisation's account, in your browser")
        org_form = QFormLayout(self.org_box)
        org_form.addRow("Issuer", self.issuer)
        org_form.addRow("App client id", self.client_id)
        org_form.addRow("Scopes", self.scope)
        org_form.addRow("", self.org)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in with the code")
        self.buttons.accepted.connect(self.sign_in)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.org_box)
        lay.addWidget(self.error)
        lay.addWidget(self.waiting)
        lay.addWidget(self.stop)
        lay.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())

    def show_error(self, text: str) -> None:
        self.error.setText(text.splitlines()[0] if text else "Sign-in failed")
        self.error.show()
        self._busy(False)

    def _busy(self, busy: bool) -> None:
        for w in (self.url, self.code, self.issuer, self.client_id, self.scope, self.org,
                  self.buttons.button(QDialogButtonBox.StandardButton.Ok)):
            w.setEnabled(not busy)
        if not busy:
            self._cancel = None
            self.waiting.hide()
            self.stop.hide()

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

    def sign_in_browser(self) -> None:
        url, issuer, client_id = self.url.text().strip(), self.issuer.text().strip(), self.client_id.text().strip()
        problem = check_url(url)
        if problem is None and not issuer:
            problem = "Enter your organisation's sign-in address (its OIDC issuer), e.g. " \
                      "https://login.microsoftonline.com/TENANT/v2.0"
        if problem is None and not client_id:
            problem = "Enter this app's client id at your organisation (your administrator has it)"
        if problem is not None:
            self.show_error(problem)
            return
        self.error.hide()
        self._busy(True)
        self.waiting.setText("Opening your browser… finish signing in there; this window carries on when you have.")
        self.waiting.show()
        self.stop.show()
        login, emit, scope = self._browser_login, self._openBrowser.emit, self.scope.text().strip() or None
        wait_s, cancel = self.browser_wait_s, threading.Event()
        self._cancel = cancel

        def work(task=None):
            # the Runner's token too: the window closing (Runner.shutdown) must not wait for the browser
            return login(self.library, url, issuer, client_id, scope, open_browser=emit, timeout_s=wait_s,
                         cancelled=lambda: cancel.is_set() or (task is not None and task.cancel.cancelled))

        # Cancel is not the Runner's own cancel, which drops the result: a redirect that arrived just before Cancel
        # still signs in (the core no longer looks at cancel once it has the code), and the window must know.
        self.runner.run(work, key="sign-in", on_done=self._done,
                        on_error=lambda exc: self.show_error(str(exc) or type(exc).__name__))

    def _open_browser(self, uri: str) -> None:
        if self._cancel is None or self._cancel.is_set():  # cancelled before the browser was asked for
            return
        if QDesktopServices.openUrl(QUrl(uri)):
            self.waiting.setText("Finish signing in in your browser; this window carries on when you have.")
        else:
            self.waiting.setText(f"Your browser did not open. Open this address in a browser to sign in: {uri}")

    def cancel_browser(self) -> None:
        if self._cancel is not None:
            self._cancel.set()  # the core's listener sees it within oidc_browser.POLL_S and closes its port

    def reject(self) -> None:
        self.cancel_browser()
        super().reject()

    def _done(self, status: dict) -> None:
        self._busy(False)
        self.result_status = dict(status or {})
        self.signedIn.emit(self.result_status)
        self.accept()

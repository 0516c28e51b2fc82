"""Sign in to the central store with only its address: the dialog asks the store how to sign in (GET /api/v1/signin,
reviewer/sync/signin_methods.py) off the UI thread and offers exactly what it lists: the one-time enrolment code an
administrator gave the user (`reviewer store user add NAME --role ROLE`), and for each organisation's issuer "Sign in
with your organisation" (the system browser: authorization code + PKCE back to 127.0.0.1, or MSAL for Entra) and/or
"Use a code on another device" (device code). The sign-in itself is the core's (reviewer/sync/link.py: the refresh
token goes to the OS keyring only, the store's keys are pinned, the signed grant is stored); it runs off the UI
thread, and a failure is shown as one line in the dialog, which stays open. While an organisation's sign-in waits,
Cancel stops it (so does closing the dialog); the core gives up by itself after its timeout (ADR 0023).
"""

from __future__ import annotations

import threading
from typing import Callable
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)

from ui import theme

LOOKUP_DELAY_MS = 400  # after the last keystroke in the address, ask the store how to sign in


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


def _core():
    from reviewer.sync import signin_methods

    return signin_methods


class SignInDialog(QDialog):
    signedIn = Signal(dict)  # the core's status after signing in
    methodsShown = Signal(list)  # the store's methods, once offered (tests wait on it)
    browser_wait_s = 300.0  # how long a browser sign-in waits for the redirect (oidc_browser.WAIT_S)
    _openBrowser = Signal(str)  # from the sign-in's thread: the system browser is opened on the UI thread
    _instruction = Signal(str)  # from the sign-in's thread: what a device-code sign-in asks of the user

    def __init__(self, library, runner, url: str = "", login: Callable | None = None,
                 parent: QWidget | None = None, fetch: Callable | None = None, org_login: Callable | None = None):
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in to the central store")
        self.library, self.runner = library, runner
        self._login = login or default_login()
        self._fetch = fetch or (lambda u: _core().fetch(u))
        self._org_login = org_login or (lambda *a, **kw: _core().sign_in(*a, **kw))
        self._cancel: threading.Event | None = None  # set to stop the organisation's sign-in in flight
        self._asked: str | None = None  # the address whose methods are being read or shown
        self.methods: list = []  # what the store listed for self._asked
        self.result_status: dict | None = None
        self.org_buttons: list[tuple[object, str, QPushButton]] = []  # (method, flow, button)
        self.url = QLineEdit(url)
        self.url.setObjectName("signInUrl")
        self.url.setPlaceholderText("https://store.example.police.uk")
        self.url.textEdited.connect(lambda _t: self._lookup_timer.start())
        self.url.editingFinished.connect(self.look_up)
        self._lookup_timer = QTimer(self, singleShot=True, interval=LOOKUP_DELAY_MS)
        self._lookup_timer.timeout.connect(self.look_up)
        self.looking = QLabel()
        self.looking.setObjectName("signInLooking")
        self.looking.hide()
        self.code = QLineEdit()
        self.code.setObjectName("signInCode")
        self.code.setPlaceholderText("one-time enrolment code from your administrator")
        self.code_ok = QPushButton("Sign in with the code")
        self.code_ok.setObjectName("signInWithCode")
        self.code_ok.clicked.connect(self.sign_in)
        self.code.returnPressed.connect(self.sign_in)
        self.code_box = QGroupBox("With the one-time code from your administrator")
        code_form = QFormLayout(self.code_box)
        code_form.addRow("Enrolment code", self.code)
        code_form.addRow("", self.code_ok)
        self.code_box.hide()
        self.org_area = QWidget()
        self.org_layout = QVBoxLayout(self.org_area)
        self.org_layout.setContentsMargins(0, 0, 0, 0)
        self.error = QLabel()
        self.error.setObjectName("signInError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.ERROR};")
        self.error.hide()
        self.waiting = QLabel()
        self.waiting.setObjectName("signInWaiting")
        self.waiting.setWordWrap(True)
        self.waiting.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.waiting.hide()
        self.stop = QPushButton("Cancel sign-in")
        self.stop.setObjectName("signInStop")
        self.stop.clicked.connect(self.cancel_org)
        self.stop.hide()
        self._openBrowser.connect(self._open_browser)
        self._instruction.connect(self._show_instruction)
        intro = QLabel("Enter the store's address; it tells this app how you may sign in. Your sign-in is kept in "
                       "this computer's secure keyring, never in a file.")
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Store address", self.url)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.looking)
        lay.addWidget(self.code_box)
        lay.addWidget(self.org_area)
        lay.addWidget(self.error)
        lay.addWidget(self.waiting)
        lay.addWidget(self.stop)
        lay.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())
        if url:
            QTimer.singleShot(0, self.look_up)

    # ---- what the store offers ------------------------------------------------------------------------------
    def look_up(self) -> None:
        """Ask the store at the typed address how to sign in (off the UI thread); a newer address wins."""
        self._lookup_timer.stop()
        url = self.url.text().strip()
        if url == self._asked or self._cancel is not None:
            return
        self._asked, self.methods = url, []
        self._offer([])
        problem = check_url(url)
        if problem is not None:  # an older lookup's answer is dropped by _listed: it is not for this address
            if url:
                self.show_error(problem)
            else:
                self.error.hide()
            return
        self.error.hide()
        self.looking.setText(f"Asking {url} how to sign in…")
        self.looking.show()
        fetch = self._fetch
        self.runner.run(lambda task=None: fetch(url), key="sign-in-methods",
                        on_done=lambda methods: self._listed(url, methods),
                        on_error=lambda exc: self._listed(url, exc))

    def _listed(self, url: str, answer) -> None:
        if url != self._asked:  # the user typed on
            return
        self.looking.hide()
        if isinstance(answer, BaseException):
            self._asked = None  # the same address asks again (Enter, or leaving the field): the store may be back
            self.show_error(str(answer) or type(answer).__name__)
            return
        self.methods = list(answer)
        self._offer(self.methods)
        if not self.methods:
            self.show_error(f"{url}: the store lists no way to sign in that this app knows")
        self.methodsShown.emit(self.methods)

    def _offer(self, methods: list) -> None:
        self.code_box.setVisible(any(m.kind == "code" for m in methods))
        while self.org_layout.count():
            w = self.org_layout.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.org_buttons = []
        orgs = [m for m in methods if m.kind != "code"]
        for m in orgs:
            where = m.name or ("Entra ID" if m.kind == "entra" else m.issuer)
            box = QGroupBox("Or with your organisation's account" if len(orgs) == 1 else
                            f"Or with your organisation's account ({where})")
            row = QHBoxLayout(box)
            for flow, text in (("browser", "Sign in with your organisation"), ("device", "Use a code on another "
                                                                                         "device")):
                if flow in m.flows:
                    b = QPushButton(text)
                    b.setObjectName("signInOrganisation" if flow == "browser" else "signInDevice")
                    b.clicked.connect(lambda _c=False, m=m, flow=flow: self.sign_in_org(m, flow))
                    row.addWidget(b)
                    self.org_buttons.append((m, flow, b))
            self.org_layout.addWidget(box)
            box.show()  # now, not at the layout's queued show: what is offered is offered when the answer is in

    def offered(self) -> list[str]:
        """What the user can do now, in words (each visible way to sign in)."""
        out = ["code"] if self.code_box.isVisible() else []
        return out + [f"{m.kind} {flow}" for m, flow, b in self.org_buttons if b.isVisibleTo(self)]

    # ---- signing in -----------------------------------------------------------------------------------------
    def show_error(self, text: str) -> None:
        self.error.setText(text.splitlines()[0] if text else "Sign-in failed")
        self.error.show()
        self._busy(False)

    def _busy(self, busy: bool) -> None:
        for w in (self.url, self.code, self.code_ok, *(b for _m, _f, b in self.org_buttons)):
            w.setEnabled(not busy)
        if not busy:
            self._cancel = None
            self.waiting.hide()
            self.stop.hide()

    def _url(self, listed: bool) -> str | None:
        """The typed address, or None with its problem shown. `listed`: an organisation's button belongs to the
        store whose list it came from (an enrolment code goes to whatever store is typed; the store judges it)."""
        url = self.url.text().strip()
        problem = check_url(url)
        if problem is None and listed and url != self._asked:
            problem = f"{url}: wait until the store has said how to sign in"
        if problem is not None:
            self.show_error(problem)
            return None
        return url

    def sign_in(self) -> None:
        url, code = self._url(listed=False), self.code.text().strip()
        if url is None:
            return
        if not code:
            self.show_error("Enter the one-time enrolment code your administrator gave you")
            return
        self.error.hide()
        self._busy(True)
        login = self._login
        self.runner.run(lambda task=None: login(self.library, url, code), key="sign-in", on_done=self._done,
                        on_error=lambda exc: self.show_error(str(exc) or type(exc).__name__))

    def sign_in_org(self, method, flow: str) -> None:
        url = self._url(listed=True)
        if url is None:
            return
        self.error.hide()
        self._busy(True)
        self.waiting.setText("Opening your browser… finish signing in there; this window carries on when you have."
                             if flow == "browser" else "Asking your organisation for a code…")
        self.waiting.show()
        self.stop.show()
        login, wait_s, cancel = self._org_login, self.browser_wait_s, threading.Event()
        self._cancel = cancel
        open_browser, show = self._openBrowser.emit, self._instruction.emit

        def work(task=None):
            # the Runner's token too: the window closing (Runner.shutdown) must not wait for the user
            return login(self.library, url, method, flow, show=show, open_browser=open_browser, timeout_s=wait_s,
                         cancelled=lambda: cancel.is_set() or (task is not None and task.cancel.cancelled))

        # Cancel is not the Runner's own cancel, which drops the result: an approval that arrived just before Cancel
        # still signs in (the core no longer looks at cancel once it has the tokens), and the window must know.
        self.runner.run(work, key="sign-in", on_done=self._done,
                        on_error=lambda exc: self.show_error(str(exc) or type(exc).__name__))

    def _open_browser(self, uri: str) -> None:
        if self._cancel is None or self._cancel.is_set():  # cancelled before the browser was asked for
            return
        if QDesktopServices.openUrl(QUrl(uri)):
            self.waiting.setText("Finish signing in in your browser; this window carries on when you have.")
        else:
            self.waiting.setText(f"Your browser did not open. Open this address in a browser to sign in: {uri}")

    def _show_instruction(self, line: str) -> None:
        if self._cancel is not None and not self._cancel.is_set():
            self.waiting.setText(f"{line}\nUse any device; this window carries on once you have.")

    def cancel_org(self) -> None:
        if self._cancel is not None:
            self._cancel.set()  # the core sees it within a poll (listener or device-code poll) and gives up

    def reject(self) -> None:
        self.cancel_org()
        super().reject()

    def _done(self, status: dict) -> None:
        self._busy(False)
        self.result_status = dict(status or {})
        self.signedIn.emit(self.result_status)
        self.accept()

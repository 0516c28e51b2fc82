""""Sign in with your organisation" in the sign-in dialog, against the loopback OIDC issuer and a real store
process: the system browser is opened through QDesktopServices (a URL handler stands in for it and drives the test
"browser" on a thread of its own, as a real browser runs beside the app), the dialog finishes when the redirect
arrives, and Cancel stops the wait and closes the loopback port (ADR 0023)."""

from __future__ import annotations

import threading

import httpx
import keyring
import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from reviewer.sync import credentials
from tests.core.test_sync_signin_browser import query, replace_param
from tests.core.test_sync_signin_methods import store  # noqa: F401 - fixture: a store that offers its issuer
from tests.core.test_sync_signin_oidc import idp, oidc_user  # noqa: F401 - fixtures
from tests.store.oidc_device_idp import browse
from tests.ui.annotate_helpers import WAIT
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui


class SystemBrowser(QObject):
    """What QDesktopServices.openUrl reaches for http URLs while installed."""

    def __init__(self, oid: str | None, tamper=None):
        super().__init__()
        self.oid, self.tamper, self.seen = oid, tamper, []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        text = url.toString(QUrl.ComponentFormattingOption.FullyEncoded)
        self.seen.append(text)
        if self.oid is not None:
            threading.Thread(target=browse, args=(text, self.oid, self.tamper), daemon=True).start()


@pytest.fixture
def system_browser():
    installed = []

    def install(oid: str | None, tamper=None) -> SystemBrowser:
        b = SystemBrowser(oid, tamper)
        QDesktopServices.setUrlHandler("http", b, "open")
        installed.append(b)
        return b

    yield install
    QDesktopServices.unsetUrlHandler("http")


def fill(qtbot, d, store) -> None:
    """Type the store's address only; its methods arrive off the UI thread. d.org: the browser sign-in button."""
    d.url.setText(store.url)
    d.look_up()
    qtbot.waitUntil(lambda: bool(d.org_buttons), timeout=WAIT)
    d.org = next(b for _m, flow, b in d.org_buttons if flow == "browser")


def test_sign_in_with_your_organisation_opens_the_browser_and_finishes_on_the_redirect(qtbot, window, store, idp,
                                                                                       system_browser):
    oid = oidc_user(store, idp, "investigator")
    browser = system_browser(oid)
    d = window.f.sync.sign_in()
    fill(qtbot, d, store)
    with qtbot.waitSignal(d.signedIn, timeout=WAIT):
        d.org.click()
        assert not d.org.isEnabled() and d.stop.isVisible()  # the UI thread went on: the sign-in waits elsewhere
    assert browser.seen[0].startswith(idp.issuer + "/authorize?")
    assert query(browser.seen[0])["scope"] == "openid offline_access"  # the default when Scopes is left empty
    bar = window.f.sync.status
    qtbot.waitUntil(lambda: bar.user.text() == f"{oid} (investigator)", timeout=WAIT)
    assert window.library.gov.username == oid
    ws = window.library.gov.workstation
    # the sync loop, started on sign-in, rotates the token: between the issuer's rotation and the keyring's save the
    # keyring briefly holds the spent one, so wait for a live one rather than read once
    qtbot.waitUntil(lambda: keyring.get_password(credentials.SERVICE, f"{ws} {store.url}") in idp.refresh_tokens,
                    timeout=WAIT)
    qtbot.waitUntil(lambda: window.f.sync.dialog is None, timeout=WAIT)
    again = window.f.sync.sign_in()  # after a sign-out, say: the linked store's address, and what it offers
    assert again.url.text() == store.url
    qtbot.waitUntil(lambda: again.offered() == ["code", "oidc browser", "oidc device"], timeout=WAIT)


def test_cancel_and_timeout_stop_the_wait_and_a_forged_redirect_is_refused_in_one_line(qtbot, window, store, idp,
                                                                            system_browser):
    browser = system_browser(None)  # a browser the user never finishes in
    d = window.f.sync.sign_in()
    fill(qtbot, d, store)
    d.org.click()
    qtbot.waitUntil(lambda: d.waiting.text().startswith("Finish signing in in your browser"), timeout=WAIT)
    probe = query(browser.seen[0])["redirect_uri"].replace("/callback", "/favicon.ico")
    assert httpx.get(probe, timeout=5).status_code == 404  # listening; what is not the redirect does not end it
    d.stop.click()
    qtbot.waitUntil(lambda: d.error.isVisible() and d.org.isEnabled(), timeout=WAIT)
    assert d.error.text() == f"{idp.issuer}: browser sign-in cancelled" and not d.stop.isVisible() and d.isVisible()
    with pytest.raises(httpx.ConnectError):  # the core's listener stopped, not only the dialog
        httpx.get(probe, timeout=5)

    d.browser_wait_s = 1  # the user walked away from the browser
    d.org.click()
    qtbot.waitUntil(lambda: d.error.isVisible() and d.org.isEnabled(), timeout=WAIT)
    assert d.error.text() == f"{idp.issuer}: the browser did not come back within 1 s; sign in again"

    oid = oidc_user(store, idp, "investigator")
    system_browser(oid, tamper=lambda loc: replace_param(loc, "state", "forged"))
    d.org.click()
    qtbot.waitUntil(lambda: d.error.isVisible() and d.org.isEnabled(), timeout=WAIT)
    assert d.error.text() == (f"{idp.issuer}: sign-in refused: the browser's answer does not carry this sign-in's "
                              "state (a stale or forged redirect); sign in again")
    assert window.library.gov.store_authority() is None

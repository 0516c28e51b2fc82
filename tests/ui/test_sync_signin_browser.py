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
from tests.core.test_sync_signin_oidc import idp, oidc_user, store  # noqa: F401 - fixtures
from tests.store.oidc_device_idp import CLIENT_ID, browse
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


def fill(d, store, idp) -> None:
    d.url.setText(store.url)
    d.issuer.setText(idp.issuer)
    d.client_id.setText(CLIENT_ID)


def test_sign_in_with_your_organisation_opens_the_browser_and_finishes_on_the_redirect(qtbot, window, store, idp,
                                                                                       system_browser):
    oid = oidc_user(store, idp, "investigator")
    browser = system_browser(oid)
    d = window.f.sync.sign_in()
    fill(d, store, idp)
    with qtbot.waitSignal(d.signedIn, timeout=WAIT):
        d.org.click()
        assert not d.org.isEnabled() and d.stop.isVisible()  # the UI thread went on: the sign-in waits elsewhere
    assert browser.seen[0].startswith(idp.issuer + "/authorize?")
    assert query(browser.seen[0])["scope"] == "openid offline_access"  # the default when Scopes is left empty
    bar = window.f.sync.status
    qtbot.waitUntil(lambda: bar.user.text() == f"{oid} (investigator)", timeout=WAIT)
    assert window.library.gov.username == oid
    ws = window.library.gov.workstation
    assert keyring.get_password(credentials.SERVICE, f"{ws} {store.url}") in idp.refresh_tokens
    qtbot.waitUntil(lambda: window.f.sync.dialog is None, timeout=WAIT)
    again = window.f.sync.sign_in()  # after a sign-out, say: the organisation's sign-in is offered again
    assert (again.url.text(), again.issuer.text(), again.client_id.text(), again.scope.text()) == (
        store.url, idp.issuer, CLIENT_ID, "openid offline_access")


def test_cancel_and_timeout_stop_the_wait_and_a_forged_redirect_is_refused_in_one_line(qtbot, window, store, idp,
                                                                            system_browser):
    browser = system_browser(None)  # a browser the user never finishes in
    d = window.f.sync.sign_in()
    fill(d, store, idp)
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


def test_the_organisation_sign_in_says_what_is_missing_before_opening_any_browser(qtbot, window, system_browser):
    browser = system_browser(None)
    d = window.f.sync.sign_in()
    d.url.setText("https://store.example")
    d.org.click()
    assert d.error.text() == ("Enter your organisation's sign-in address (its OIDC issuer), e.g. "
                              "https://login.microsoftonline.com/TENANT/v2.0")
    d.issuer.setText("https://login.example/tenant/v2.0")
    d.org.click()
    assert d.error.text() == "Enter this app's client id at your organisation (your administrator has it)"
    assert d.org.isEnabled() and not d.stop.isVisible() and browser.seen == []

"""The sign-in dialog needs only the store's address (ADR 0023, addendum): it asks a real store process how to sign
in, off the UI thread, and offers exactly what the store lists; a device-code sign-in at the loopback OIDC issuer
completes in the dialog (the user approves "on another device"), Cancel stops one, and a store that is down is one
line naming its address."""

from __future__ import annotations

import pytest

from tests.core.test_sync_signin_methods import rich_store, store  # noqa: F401 - fixtures
from tests.core.test_sync_signin_oidc import idp, oidc_user  # noqa: F401 - fixtures
from tests.store import services
from tests.ui.annotate_helpers import WAIT
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui


def ask(qtbot, d, url: str) -> None:
    d.url.setText(url)
    d.look_up()
    assert d.looking.isVisible() and d.looking.text() == f"Asking {url} how to sign in…"  # the answer comes later
    qtbot.waitUntil(lambda: not d.looking.isVisible(), timeout=WAIT)


def device_button(d):
    return next(b for _m, flow, b in d.org_buttons if flow == "device")


def test_the_dialog_offers_exactly_the_stores_methods(qtbot, window, store, rich_store):
    d = window.f.sync.sign_in()
    assert d.offered() == []  # nothing before the store has said
    with qtbot.waitSignal(d.methodsShown, timeout=WAIT):
        ask(qtbot, d, store.url)
    assert d.offered() == ["code", "oidc browser", "oidc device"] and not d.error.isVisible()
    assert [b.text() for _m, _f, b in d.org_buttons] == ["Sign in with your organisation",
                                                         "Use a code on another device"]
    ask(qtbot, d, rich_store.url)  # another store: its own methods replace the first one's
    assert d.offered() == ["code", "oidc browser", "entra device"]


def test_a_device_code_sign_in_completes_in_the_dialog(qtbot, window, store, idp):
    oid = oidc_user(store, idp, "investigator")
    d = window.f.sync.sign_in()
    ask(qtbot, d, store.url)
    device_button(d).click()
    assert not d.url.isEnabled() and d.stop.isVisible()  # the UI thread went on: the sign-in waits elsewhere
    prefix = f"To sign in, open {idp.issuer}/device and enter the code "
    qtbot.waitUntil(lambda: d.waiting.text().startswith(prefix), timeout=WAIT)
    user_code = d.waiting.text()[len(prefix):].splitlines()[0]
    with qtbot.waitSignal(d.signedIn, timeout=WAIT):
        idp.approve(user_code, oid)  # on the user's phone, say
    qtbot.waitUntil(lambda: window.f.sync.status.user.text() == f"{oid} (investigator)", timeout=WAIT)
    assert window.library.gov.username == oid


def test_cancel_stops_a_device_code_sign_in_and_a_store_that_is_down_is_one_line(qtbot, window, store, idp):
    d = window.f.sync.sign_in()
    ask(qtbot, d, store.url)
    device_button(d).click()
    qtbot.waitUntil(lambda: d.waiting.text().startswith("To sign in, open "), timeout=WAIT)
    d.stop.click()
    qtbot.waitUntil(lambda: d.error.isVisible() and d.url.isEnabled(), timeout=WAIT)
    assert d.error.text() == f"{idp.issuer}: device sign-in cancelled" and not d.stop.isVisible() and d.isVisible()
    assert window.library.gov.store_authority() is None

    down = f"http://127.0.0.1:{services.free_port()}"  # nothing listens there
    ask(qtbot, d, down)
    assert d.error.text() == f"{down}: cannot reach the store: [Errno 111] Connection refused"
    assert d.offered() == [] and d.error.isVisible()
    ask(qtbot, d, down)  # the same address again (Enter): asked again, the store may be back by now
    assert d.error.text() == f"{down}: cannot reach the store: [Errno 111] Connection refused"
    d.url.setText("store.example")
    d.look_up()
    assert d.error.text() == "store.example: not a web address (it must start with https:// or http://)"

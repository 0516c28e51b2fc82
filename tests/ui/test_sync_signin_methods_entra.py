"""The sign-in dialog with a store that offers Entra ID through MSAL (ADR 0023, addendum): "Use a code on another
device" runs MSAL's device flow against the loopback provider over https (a generic OIDC authority; the real Entra
ID cannot be reached from here), shows MSAL's instruction in the dialog, and completes when the user approves."""

from __future__ import annotations

import pytest

from tests.core.test_sync_signin_entra import idp, trust_the_test_issuer, user  # noqa: F401 - fixtures
from tests.core.test_sync_signin_methods_entra import store  # noqa: F401 - fixture
from tests.ui.annotate_helpers import WAIT
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_sync_signin_methods import ask, device_button

pytestmark = pytest.mark.gui


def test_the_dialog_signs_in_through_msal_by_device_code(qtbot, window, store, idp):
    oid = user(store, idp, "investigator")
    d = window.f.sync.sign_in()
    ask(qtbot, d, store.url)
    assert d.offered() == ["code", "entra device"]
    device_button(d).click()
    prefix = f"To sign in, open {idp.issuer}/device and enter the code "
    qtbot.waitUntil(lambda: d.waiting.text().startswith(prefix), timeout=WAIT)
    with qtbot.waitSignal(d.signedIn, timeout=WAIT):
        idp.approve(d.waiting.text()[len(prefix):].splitlines()[0].strip(), oid)
    qtbot.waitUntil(lambda: window.f.sync.status.user.text() == f"{oid} (investigator)", timeout=WAIT)
    assert window.library.gov.username == oid

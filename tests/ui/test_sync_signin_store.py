"""The sign-in dialog against a real store process (embedded: SQLite + files): a bad code is refused in one line
and spends nothing; the right one links the library, and the status bar then names the store's user, role and
grant expiry."""

from __future__ import annotations

import os

import pytest

from tests.store import services
from tests.ui.annotate_helpers import WAIT
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with services.store_server(services.write_store_config(tmp_path_factory.mktemp("uisync-store"))) as server:
        yield server


def test_signing_in_through_the_dialog_links_the_library_and_the_status_bar_follows(qtbot, window, store):
    name = f"inv-{os.urandom(3).hex()}"
    code = services.add_user(store.config, name, "investigator")
    d = window.f.sync.sign_in()
    ok = d.code_ok
    d.url.setText(store.url)
    d.look_up()
    qtbot.waitUntil(lambda: d.offered() == ["code"], timeout=WAIT)  # this store offers only enrolment codes
    d.code.setText("not-the-code")
    ok.click()
    qtbot.waitUntil(lambda: d.error.isVisible() and ok.isEnabled(), timeout=WAIT)
    assert "\n" not in d.error.text() and store.url in d.error.text() and d.isVisible()

    d.code.setText(code)
    with qtbot.waitSignal(d.signedIn, timeout=WAIT):
        ok.click()
    bar = window.f.sync.status
    qtbot.waitUntil(lambda: bar.user.text() == f"{name} (investigator)", timeout=WAIT)
    assert bar.grant.text().startswith("Grant until ") and bar.grant.isVisible()
    assert bar.badge.text() != "Standalone"
    assert window.library.gov.username == name

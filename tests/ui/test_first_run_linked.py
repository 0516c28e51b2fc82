"""`scripts/dev.sh sync-demo` opens a workstation linked to a store; its library is empty until the sync loop has
listed the store's recordings, and the app used to start generating the local demo footage on it (six minutes of
CPU, and two local recordings among the store's). A linked library is never offered the demo."""

from __future__ import annotations

import datetime as dt

from reviewer.govern.roles import Role
from reviewer.sync.grant import Authority
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from ui import first_run


def test_a_library_linked_to_a_store_is_not_given_demo_footage(window, monkeypatch):
    assert first_run.should_generate(window.library, window.settings)  # a new standalone library is
    linked = Authority("http://127.0.0.1:8400", "demo-investigator", Role.INVESTIGATOR,
                       dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=12), None)
    monkeypatch.setattr(window.library.gov, "store_authority", lambda s=None: linked)
    assert window.library.gov.can(first_run.Action.IMPORT)  # the investigator may import: not why it is skipped
    assert first_run.maybe_generate_demo(window, seconds=1.0) is None
    assert not window.settings.flag(first_run.FLAG)  # not offered, so still to offer if it is ever unlinked
    assert window.library_panel.empty.text() != "Preparing demo footage…"

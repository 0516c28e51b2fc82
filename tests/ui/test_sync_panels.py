"""The desktop side of sync in the real window (issue 11): the conflicts panel lists a conflict sync resolved
(forced here by applying a concurrent, older remote edit) and its opening is audited; the status bar shows
the operations waiting to be pushed; the sign-in dialog gives one-line errors and stays open."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from reviewer.annotate.service import Annotations
from reviewer.errors import ReviewerError
from reviewer.library.models_ops import OpLogRow
from reviewer.ops.apply import apply_remote, head_of
from reviewer.ops.envelope import Operation
from reviewer.ops.hlc import Stamp
from reviewer.ops.ids import uuid7
from tests.ui.annotate_helpers import WAIT, import_copy, key, open_in
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui


def concurrent_older_title(lib, sha: str, bookmark_id: str, title: str) -> Operation:
    """Bob, on another workstation, retitled the bookmark having seen only its creation, with a clock just
    after it: concurrent with our later edit, and older, so his title loses."""
    created = head_of(lib.gov, "bookmark", bookmark_id)
    with lib.sessions() as s:
        first = s.query(OpLogRow).filter_by(entity_type="bookmark", entity_id=bookmark_id).order_by(OpLogRow.seq)
        at = Stamp.from_key(first.first().stamp)
    return Operation(op_id=str(uuid7()), kind="bookmark.update", stamp=Stamp(at.wall_ms, at.counter,
                                                                              at.workstation + "~"),
                     actor="bob", scope_type="recording", scope_id=sha, entity_type="bookmark",
                     entity_id=bookmark_id, revision_seen=created, payload={"fields": {"title": title}})


def test_a_forced_conflict_appears_in_the_panel_newest_first_and_viewing_it_is_audited(qtbot, window, make_clip,
                                                                                         tmp_path):
    lib = window.library
    view = import_copy(lib, make_clip("cfr_h264"), tmp_path)
    ann = Annotations(lib)
    b = ann.add_bookmark(view.id, 1024, "push")
    older = concurrent_older_title(lib, view.sha256, b.id, "bob's title")
    ann.edit_bookmark(b.id, title="our title")

    f = window.f.sync
    window.actions_by_id["sync_conflicts"].trigger()
    panel = f.conflicts
    viewed = lambda: [e for e in lib.gov.audit.events(action="sync.conflicts_viewed")]  # noqa: E731
    qtbot.waitUntil(lambda: panel.summary.text() == "No conflicts.", timeout=WAIT)
    assert len(viewed()) == 1 and viewed()[-1].details == {"shown": 0, "unseen": 0}

    assert apply_remote(lib.gov, older, "investigator", store_seq=1).status == "applied"  # as a sync page would
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1, timeout=WAIT)
    row = [panel.tree.topLevelItem(0).text(c) for c in range(panel.tree.columnCount())]
    _when, lost, what, recording, value, won, why = row
    assert (lost, value, won) == ("bob", "bob's title", lib.gov.username)
    assert what == f"title of bookmark {b.id[:8]}" and recording == view.file_name
    assert "later clock" in why
    assert ann.bookmarks.get(b.id).title == "our title"
    assert panel.tree.topLevelItem(0).font(0).bold()  # not seen yet
    assert f.conflicts_dock.windowTitle() == "Conflicts (1 new)"
    assert viewed()[-1].details == {"shown": 1, "unseen": 1}

    # a second conflict lists first (newest first)
    again = concurrent_older_title(lib, view.sha256, b.id, "bob again")
    apply_remote(lib.gov, again, "investigator", store_seq=2)
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 2, timeout=WAIT)
    assert panel.tree.topLevelItem(0).text(4) == "bob again"

    panel.tree.selectAll()
    panel.seen_button.click()
    qtbot.waitUntil(lambda: f.conflicts_dock.windowTitle() == "Conflicts", timeout=WAIT)
    assert not panel.tree.topLevelItem(0).font(0).bold()
    seen = lib.gov.audit.events(action="sync.conflicts_seen")[-1]
    assert sorted(seen.details["ids"]) == sorted(c.id for c in panel.conflicts) and seen.details["changed"] == 2


def test_status_bar_counts_operations_waiting_to_be_pushed(qtbot, window, make_clip, tmp_path):
    lib = window.library
    view = import_copy(lib, make_clip("cfr_h264"), tmp_path)
    bar = window.f.sync.status
    qtbot.waitUntil(lambda: bar.badge.text() == "Standalone", timeout=WAIT)  # the README's first command, no server
    assert bar.user.text() == f"{lib.gov.username} ({lib.gov.role().value.replace('_', ' ')})"
    open_in(qtbot, window, view)
    key(qtbot, window, Qt.Key.Key_M)
    key(qtbot, window, Qt.Key.Key_M)  # the same frame again: a second bookmark, a second operation
    qtbot.waitUntil(lambda: bar.values.get("pending") == 2, timeout=WAIT)
    # standalone, there is nowhere to push to: saying "2 changes to push" would read as edits not yet saved
    assert bar.values["pending"] == 2 and bar.pending.text() == "" and not bar.pending.isVisible()
    bar.set_loop_status(LoopStatus(online=False, pending=None, last_sync=None, last_error=None))  # linked now
    qtbot.waitUntil(lambda: bar.pending.text() == "2 changes to push", timeout=WAIT)
    assert bar.pending.isVisible()


class LoopStatus:
    """What the Qt-free status object of the sync loop reports (reviewer/sync/status.py)."""

    def __init__(self, **values):
        self.values = values

    def snapshot(self) -> dict:
        return dict(self.values)


def test_status_bar_shows_offline_with_the_loops_last_error_and_online_with_the_last_sync(qtbot, window):
    bar = window.f.sync.status
    loop = LoopStatus(online=False, pending=None, last_sync=None, last_error="store unreachable: connection refused")
    bar.set_loop_status(loop)
    qtbot.waitUntil(lambda: bar.badge.text() == "● Offline", timeout=WAIT)
    assert "connection refused" in bar.badge.toolTip() and bar.last.text() == "Never synced"
    loop.values.update(online=True, last_sync="2026-11-29T01:02:03+00:00", last_error=None)
    qtbot.waitUntil(lambda: bar.badge.text() == "● Online", timeout=WAIT)
    assert bar.last.text().startswith("Last sync ")


def test_sign_in_dialog_refuses_a_bad_address_and_shows_the_stores_refusal_in_one_line(qtbot, window):
    calls = []

    def login(library, url, code):
        calls.append((url, code))
        if code != "GOOD-CODE":
            raise ReviewerError(f"{url}: the enrolment code was refused (used, expired or mistyped)\ndetail")
        return {"url": url, "user": "alice", "role": "investigator"}

    f = window.f.sync
    d = f.sign_in()
    d._login = login
    ok = d.code_ok
    d.url.setText("store.example")
    d.code.setText("X")
    ok.click()
    assert d.error.text() == "store.example: not a web address (it must start with https:// or http://)"
    assert calls == [] and d.isVisible()

    d.url.setText("https://store.example")
    d.code.setText("")
    ok.click()
    assert d.error.text() == "Enter the one-time enrolment code your administrator gave you" and calls == []

    d.code.setText("BAD")
    ok.click()
    qtbot.waitUntil(lambda: d.error.isVisible() and "refused" in d.error.text() and ok.isEnabled(), timeout=WAIT)
    assert d.error.text() == "https://store.example: the enrolment code was refused (used, expired or mistyped)"
    assert d.isVisible()

    d.code.setText("GOOD-CODE")
    with qtbot.waitSignal(d.signedIn, timeout=WAIT) as got:
        ok.click()
    assert got.args[0]["user"] == "alice" and not d.isVisible()
    assert calls[-1] == ("https://store.example", "GOOD-CODE")
    qtbot.waitUntil(lambda: "Signed in to https://store.example as alice (investigator)"
                    in window.statusBar().currentMessage(), timeout=WAIT)


def test_conflict_value_of_any_json_type_is_shown_in_one_line(qtbot, window):
    from ui.sync.conflicts_panel import _value

    assert _value({"a": [1, 2]}) == '{"a": [1, 2]}'
    assert _value("x" * 100) == "x" * 79 + "…"
    assert json.loads(_value([1]))

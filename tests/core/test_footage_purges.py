"""Deletion on a library linked to a store is the store's decision alone (the store side runs in
tests/store/test_footage_purges.py): local retention skips what the store has not purged once the library's
catalog comes from a store, and the store's word removes the recording with a tombstone and one audit event."""

from __future__ import annotations

import datetime as dt

from reviewer.govern.purge import Retention
from reviewer.library.models_govern import LibrarySetting
from reviewer.sync import catalog, purges
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401

SKIP = "the central store has not confirmed the purge"


def _linked(lib) -> None:
    """What a catalog refresh records in the library (a signed-in library, with its grant, counts as linked too,
    but needs a real store to sign in to)."""
    with lib.gov.write() as s:
        s.add(LibrarySetting(key=catalog.STORE_SETTING, value="http://store.example",
                             set_at=dt.datetime.now(dt.timezone.utc), set_by=lib.gov.actor))


def test_a_standalone_library_purges_what_is_due_by_its_own_clock(lib, ids):
    report = Retention(lib).run(dry_run=True)
    assert ids["cfr_h264"] in {st.recording_id for st in report.due} and report.skipped == []


def test_a_linked_library_waits_for_the_store_then_removes_on_its_word(lib, ids):
    _linked(lib)
    rid = ids["cfr_h264"]
    view = lib.get(rid)
    report = Retention(lib).run()  # the supervisor's real run, not a dry one
    assert (rid, SKIP) in report.skipped and report.purged == []
    assert view.original_path.exists()

    before = lib.gov.audit.count()
    got = purges.purge_local(lib, view.sha256, "purged", {"store_event": "recording_deleted"})
    assert got.purged == [rid]
    assert rid not in {v.id for v in lib.recordings()} and not view.original_path.exists()
    ev = [e for e in lib.gov.audit.events() if e.seq > before]
    assert [(e.action, e.object_id) for e in ev] == [("retention.store_purge", rid)]
    (tomb,) = purges.purges_of(lib, view.sha256)
    assert tomb.rule == purges.RULE and tomb.files_removed_at is not None
    assert Retention(lib).store_confirms(view.sha256)

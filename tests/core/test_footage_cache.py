"""The footage cache policy with real files: over the budget the least recently used footage the store also holds is
evicted (bytes only: metadata, annotations, frame table and thumbnail stay); assigned, evidential, held, open and
unpushed footage, and footage the store does not hold, are kept whatever the budget."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete

from reviewer.annotate.service import Annotations
from reviewer.library.models import Recording
from reviewer.library.models_ops import OutboxRow
from reviewer.library.views import thumbnail_path
from reviewer.sync import cache
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401

UTC = dt.timezone.utc


def _as_catalogued(lib, order: list[str], states: dict[str, str | None]) -> None:
    """What a catalog refresh leaves: the store's state of each recording; last use in the given order."""
    t0 = dt.datetime(2026, 11, 1, tzinfo=UTC)
    with lib.gov.write() as s:
        for i, rid in enumerate(order):
            rec = s.get(Recording, rid)
            rec.store_state = states.get(rid, "listed")
            rec.last_used_at = t0 + dt.timedelta(hours=i)


def _acknowledged(lib) -> None:
    """What the sync loop does once the store has the operations: the outbox empties."""
    with lib.gov.write() as s:
        s.execute(delete(OutboxRow))


def _size(lib, rid: str) -> int:
    return lib.get(rid).original_path.stat().st_size


def test_over_budget_the_least_recently_used_goes_first_and_only_its_bytes(lib, ids):
    order = [ids["cfr_h264"], ids["cfr_noaudio"], ids["vfr_h264"], ids["offset_mkv"]]
    _as_catalogued(lib, order, {})
    old = lib.get(order[0])
    bookmark = Annotations(lib).add_bookmark(old.id, 0, "kept after eviction").id
    _acknowledged(lib)
    total = sum(_size(lib, rid) for rid in order)
    oldest = _size(lib, order[0])
    limit = total - oldest  # room for all but the oldest
    table = lib.frame_tables.path_for(old.sha256)
    assert table.exists()

    report = cache.enforce(lib, limit)
    assert [e.ids for e in report.evicted] == [(old.id,)]
    assert report.used_before == total and report.used_after == limit
    assert not old.original_path.exists()
    after = lib.get(old.id)
    assert after.availability == "evicted" and after.file_name == old.file_name
    assert thumbnail_path(lib.paths, old.sha256).exists() and table.exists()
    assert [b.id for b in Annotations(lib).bookmarks.list(old.id)] == [bookmark]
    assert all(lib.get(rid).original_path.exists() for rid in order[1:])
    ev = [e for e in lib.gov.audit.events() if e.action == "recording.evicted"]
    assert len(ev) == 1 and ev[0].object_id == old.id and ev[0].details["size"] == oldest
    # within budget now: nothing more goes
    assert cache.enforce(lib, limit).evicted == []


def test_what_the_user_needs_is_kept_whatever_the_budget(lib, ids):
    order = [ids["cfr_h264"], ids["cfr_noaudio"], ids["vfr_h264"], ids["offset_mkv"]]
    _as_catalogued(lib, order, {ids["cfr_h264"]: "assigned", ids["offset_mkv"]: None})
    ann = Annotations(lib)
    ann.mark_evidential(ids["cfr_noaudio"], "CR-7", "use of force")
    ann.set_hold(ids["vfr_h264"], "complaint pending")
    _acknowledged(lib)  # pushed: the mark and the hold alone must keep their footage
    report = cache.enforce(lib, 0)
    assert report.evicted == []
    keep = {e.ids[0]: e.keep for e in report.kept_over_budget}
    assert keep == {ids["cfr_h264"]: ("assigned",), ids["cfr_noaudio"]: ("evidential",),
                    ids["vfr_h264"]: ("on hold",), ids["offset_mkv"]: ("not in the store",)}
    assert all(lib.get(rid).original_path.exists() and lib.get(rid).availability == "local" for rid in order)


def test_footage_with_unpushed_changes_is_kept_until_the_store_has_them(lib, ids):
    order = [ids["cfr_h264"], ids["cfr_noaudio"], ids["vfr_h264"], ids["offset_mkv"]]
    _as_catalogued(lib, order, {})
    Annotations(lib).add_bookmark(order[0], 0, "not pushed yet")
    limit = sum(_size(lib, rid) for rid in order) - 1
    report = cache.enforce(lib, limit)
    assert [e.ids[0] for e in report.evicted] == [order[1]]
    assert report.kept_over_budget[0].ids == (order[0],) and report.kept_over_budget[0].keep == ("unpushed changes",)
    _acknowledged(lib)
    assert [e.ids[0] for e in cache.enforce(lib, 0).evicted] == [order[0], order[2], order[3]]


def test_open_footage_is_kept_and_the_next_least_recent_goes(lib, ids):
    order = [ids["cfr_h264"], ids["cfr_noaudio"], ids["vfr_h264"], ids["offset_mkv"]]
    _as_catalogued(lib, order, {})
    limit = sum(_size(lib, rid) for rid in order) - 1
    report = cache.enforce(lib, limit, open_ids={ids["cfr_h264"]})
    assert [e.ids[0] for e in report.evicted] == [ids["cfr_noaudio"]]
    assert report.kept_over_budget[0].keep == ("open",)


def test_opening_makes_a_recording_the_most_recently_used(lib, ids):
    order = [ids["cfr_h264"], ids["cfr_noaudio"], ids["vfr_h264"], ids["offset_mkv"]]
    _as_catalogued(lib, order, {})
    lib.open_recording(ids["cfr_h264"], reason="review")
    limit = sum(_size(lib, rid) for rid in order) - 1
    assert [e.ids[0] for e in cache.enforce(lib, limit).evicted] == [ids["cfr_noaudio"]]


def test_the_budget_is_a_setting_and_its_change_is_audited(lib):
    assert cache.budget(lib) == cache.DEFAULT_BUDGET
    cache.set_budget(lib, 5 * 1024 ** 3)
    assert cache.budget(lib) == 5 * 1024 ** 3
    ev = [e for e in lib.gov.audit.events() if e.action == "cache.budget_set"][-1]
    assert ev.details == {"bytes": 5 * 1024 ** 3, "previous": None}


def test_the_cache_command_sets_the_budget_evicts_and_lists(lib, ids):
    import io

    from reviewer.cli_sync_footage import run_cache

    order = [ids["cfr_h264"], ids["cfr_noaudio"], ids["vfr_h264"], ids["offset_mkv"]]
    _as_catalogued(lib, order, {ids["offset_mkv"]: None})
    keep = _size(lib, ids["offset_mkv"]) + _size(lib, ids["vfr_h264"])
    gone = [(lib.get(rid).file_name, _size(lib, rid)) for rid in order[:2]]
    out = io.StringIO()
    assert run_cache(lib, budget=keep, evict=True, out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[:2] == [f"evicted {rid[:8]}  {name} ({size} bytes)" for rid, (name, size) in zip(order, gone)]
    assert lines[2] == f"footage cache: {keep} of {keep} bytes in 2 recordings"
    assert [line.split()[0] for line in lines[3:]] == [ids["vfr_h264"][:8], ids["offset_mkv"][:8]]
    assert lines[-1].endswith("(not in the store)") and lines[-2].endswith("(evictable)")

"""The Library facade: search, incidents, lookup, events, the frame-table cache and the stored schema rules."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import update
from sqlalchemy.exc import StatementError

from reviewer.errors import NotFound, ReviewerError
from reviewer.library import Library
from reviewer.library.models import Recording
from reviewer.media.frametable import build_frame_table

UTC = dt.timezone.utc


def add(lib: Library, clip, folder: Path, name: str, incident: str | None = None, **sidecar):
    folder.mkdir(parents=True, exist_ok=True)
    media = folder / name
    media.symlink_to(clip.path)
    if sidecar:
        (folder / f"{name}.json").write_text(json.dumps(sidecar))
    report = lib.import_paths([media], incident=incident)
    assert report.errors == [] and len(report.added) == 1, report
    return report.added[0]


@pytest.fixture
def lib(home):
    library = Library(home)
    yield library
    library.close()


@pytest.fixture
def stocked(lib, make_clip, tmp_path):
    """Three recordings from different officers, days and incidents, and one with no metadata."""
    src = tmp_path / "src"
    views = {
        "may1": add(lib, make_clip("cfr_h264"), src, "ward_round.mp4", "INC-100", officer_id="PC 4512",
                    device_id="BWV-00731", start_time="2024-05-01T14:00:00Z"),
        "may2": add(lib, make_clip("vfr_h264"), src, "street_stop.mp4", "INC-100", officer_id="PC 77",
                    device_id="BWV-00999", start_time="2024-05-02T09:30:00Z"),
        "may3": add(lib, make_clip("offset_mkv"), src, "custody.mkv", "INC-200", officer_id="SGT 12",
                    device_id="BWV-00731", start_time="2024-05-03T23:59:59.999Z"),
        "none": add(lib, make_clip("cfr_noaudio"), src, "unlabelled.mp4"),
    }
    return views


def names(views) -> list[str]:
    return [v.file_name for v in views]


def test_recordings_newest_camera_start_first_unknown_last(lib, stocked):
    assert names(lib.recordings()) == ["custody.mkv", "street_stop.mp4", "ward_round.mp4", "unlabelled.mp4"]


@pytest.mark.parametrize("text, expected", [
    ("pc 4512", ["ward_round.mp4"]),  # officer, case-insensitive, every word must match
    ("00731", ["custody.mkv", "ward_round.mp4"]),  # device
    ("inc-100", ["street_stop.mp4", "ward_round.mp4"]),  # incident reference
    ("STREET", ["street_stop.mp4"]),  # file name
    ("00731 custody", ["custody.mkv"]),
    ("100%", []),  # LIKE wildcards are literal
    ("_", ["street_stop.mp4", "ward_round.mp4"]),
    ("nobody", []),
])
def test_text_search(lib, stocked, text, expected):
    assert names(lib.recordings(text=text)) == expected


def test_date_range_on_camera_start(lib, stocked):
    day = lambda d: dt.datetime(2024, 5, d, tzinfo=UTC)  # noqa: E731
    assert names(lib.recordings(since=day(2))) == ["custody.mkv", "street_stop.mp4"]
    assert names(lib.recordings(until=day(2))) == ["ward_round.mp4"]
    assert names(lib.recordings(since=day(2), until=day(3))) == ["street_stop.mp4"]
    # inclusive at both ends, exact to the millisecond, and zone-aware
    end = dt.datetime(2024, 5, 3, 23, 59, 59, 999000, tzinfo=UTC)
    assert names(lib.recordings(since=end, until=end)) == ["custody.mkv"]
    plus_one = dt.timezone(dt.timedelta(hours=1))
    assert names(lib.recordings(since=dt.datetime(2024, 5, 2, 10, 30, tzinfo=plus_one),
                                until=dt.datetime(2024, 5, 2, 10, 30, tzinfo=plus_one))) == ["street_stop.mp4"]
    with pytest.raises(ValueError, match="time zone"):
        lib.recordings(since=dt.datetime(2024, 5, 1))


def test_incidents_group_recordings(lib, stocked):
    assert lib.incidents() == [("INC-100", 2), ("INC-200", 1)]
    assert names(lib.recordings(incident="INC-100")) == ["street_stop.mp4", "ward_round.mp4"]
    assert names(lib.recordings(text="pc", incident="INC-100")) == ["street_stop.mp4", "ward_round.mp4"]


def test_get_by_id_or_unique_prefix(lib, stocked):
    v = stocked["may2"]
    assert lib.get(v.id) == v
    assert lib.get(v.id[:8]).id == v.id
    assert lib.get(v.id.upper()).id == v.id
    with pytest.raises(NotFound, match="no recording"):
        lib.get("ffffffff-0000")
    a, b = stocked["may1"].id, stocked["may3"].id
    with lib.sessions.begin() as s:  # two ids that share a prefix, as random UUIDs sometimes do
        s.execute(update(Recording).where(Recording.id == a).values(id="abcd0001" + a[8:]))
        s.execute(update(Recording).where(Recording.id == b).values(id="abcd0002" + b[8:]))
    with pytest.raises(NotFound, match="ambiguous"):
        lib.get("abcd")
    assert lib.get("abcd0002").file_name == "custody.mkv"


def test_tombstoned_recordings_disappear_from_views(lib, stocked):
    v = stocked["may1"]
    with lib.sessions.begin() as s:
        s.get(Recording, v.id).deleted_at = dt.datetime.now(UTC)
    assert v.id not in [r.id for r in lib.recordings()]
    assert lib.incidents() == [("INC-100", 1), ("INC-200", 1)]
    with pytest.raises(NotFound):
        lib.get(v.id)


def test_events_announce_changes_until_unsubscribed(lib, make_clip, tmp_path):
    got: list[tuple[str, dict]] = []
    cb = lambda name, payload: got.append((name, payload))  # noqa: E731
    lib.subscribe(cb)
    v = add(lib, make_clip("cfr_noaudio"), tmp_path / "a", "a.mp4")
    assert got == [("recordings_changed", {"added": [v.id]})]
    lib.unsubscribe(cb)
    add(lib, make_clip("cfr_h264"), tmp_path / "b", "b.mp4")
    assert len(got) == 1


def test_library_persists_across_reopen(home, make_clip, tmp_path):
    with Library(home) as lib:
        v = add(lib, make_clip("cfr_noaudio"), tmp_path, "a.mp4", "INC-1", start_time="2024-05-01T10:00:00Z")
    with Library(home) as again:
        got = again.get(v.id)
    assert got == v
    assert got.camera_start == dt.datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_open_recording_uses_and_repairs_the_frame_table_cache(lib, make_clip, tmp_path):
    clip = make_clip("vfr_h264")
    v = add(lib, clip, tmp_path, "vfr.mp4", start_time="2024-05-01T10:00:00Z")
    cache = lib.frame_tables.path_for(v.sha256)
    assert cache.is_file()
    truth = build_frame_table(clip.path)

    opened = lib.open_recording(v.id)
    assert np.array_equal(opened.table.pts, truth.pts)
    assert opened.info.frame_count == 300 and opened.info.is_vfr and opened.path == v.original_path
    assert opened.camera_start == v.camera_start and opened.view.id == v.id

    for garbage in (b"", b"PK\x03\x04 not really a zip", cache.read_bytes()[:100]):
        cache.write_bytes(garbage)
        again = lib.open_recording(v.id)
        assert np.array_equal(again.table.pts, truth.pts)
        assert np.array_equal(again.table.key_indices, truth.key_indices)
        assert lib.frame_tables.load(v.sha256) is not None, "the rebuilt table was cached again"


def test_times_are_utc_and_naive_times_are_refused(lib, stocked):
    v = lib.get(stocked["may1"].id)
    assert v.imported_at.tzinfo == UTC and v.camera_start.tzinfo == UTC
    with pytest.raises(StatementError, match="naive datetime"):
        with lib.sessions.begin() as s:
            s.get(Recording, v.id).camera_start = dt.datetime(2024, 5, 1, 12, 0)
    assert lib.get(v.id).camera_start == v.camera_start


def test_damaged_database_gives_a_clear_error(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "library.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(ReviewerError, match="library.sqlite3: library database cannot be opened"):
        Library(home)

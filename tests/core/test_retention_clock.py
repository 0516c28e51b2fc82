"""The retention clock cannot be stopped by a camera start in the future: it starts at the earlier of the
camera start and the import, and a start more than a day ahead of the import is flagged, audited and ignored."""

from __future__ import annotations

import datetime as dt

import pytest

from reviewer.govern.purge import Retention
from reviewer.library import Library
from tests.core.test_govern_support import stage

DAY = dt.timedelta(days=1)
TOLERANCE = dt.timedelta(hours=24)  # retention.FUTURE_TOLERANCE


@pytest.fixture
def lib(home):
    with Library(home) as lib:
        yield lib


def import_with_start(lib, make_clip, tmp_path, start: str):
    link = stage(tmp_path / "src", make_clip, "cfr_noaudio", start)
    report = lib.import_paths([link])
    assert not report.errors, report.errors
    return report.added[0]


def test_a_camera_start_decades_ahead_is_flagged_and_ignored(lib, make_clip, tmp_path):
    view = import_with_start(lib, make_clip, tmp_path, "2098-01-01T00:00:00Z")
    ev = lib.gov.audit.events(action="recording.camera_start_future")
    assert [(e.object_id, e.outcome, e.details["camera_start"], e.details["camera_start_source"]) for e in ev] == [
        (view.id, "flagged", "2098-01-01T00:00:00+00:00", "sidecar")]
    imported = dt.datetime.fromisoformat(ev[0].details["imported_at"])
    st = Retention(lib).status_of(view.id, imported + 30 * DAY)
    assert (st.recorded_at, st.recorded_at_source, st.camera_start_ignored) == (imported, "import", True)
    assert st.deadline == imported + 31 * DAY and st.state == "retained"
    assert Retention(lib).status_of(view.id, imported + 32 * DAY).state == "due"
    assert st.to_json()["camera_start_ignored"] is True


def test_a_start_slightly_ahead_is_a_clock_error_and_the_import_time_counts(lib, make_clip, tmp_path):
    soon = dt.datetime.now(dt.timezone.utc) + TOLERANCE / 2
    view = import_with_start(lib, make_clip, tmp_path, soon.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert lib.gov.audit.events(action="recording.camera_start_future") == []
    st = Retention(lib).status_of(view.id, soon)
    imported = st.recorded_at
    assert st.recorded_at_source == "import" and not st.camera_start_ignored and imported < soon
    assert st.deadline == imported + 31 * DAY


def test_a_past_camera_start_still_starts_the_clock(lib, make_clip, tmp_path):
    view = import_with_start(lib, make_clip, tmp_path, "2024-05-01T10:00:00Z")
    st = Retention(lib).status_of(view.id, dt.datetime(2024, 5, 2, tzinfo=dt.timezone.utc))
    assert (st.recorded_at, st.recorded_at_source, st.camera_start_ignored) == (
        dt.datetime(2024, 5, 1, 10, tzinfo=dt.timezone.utc), "camera", False)

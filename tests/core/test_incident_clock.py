"""The incident clock (issue 13 s.1): incident time <-> each recording's exact frame through its frame table, with
drift; offsets as operations (set, nudge, clear, accept): audited, undoable, refused to trainers, and carried to
another library by its operations with last-writer-wins merging."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from reviewer.govern.identity import USER_ENV
from reviewer.govern.roles import PermissionDenied, Role
from reviewer.incident.clock import IncidentClock, Placement
from reviewer.incident.service import IncidentClocks
from reviewer.library import Library
from reviewer.library.models_ops import OpLogRow, SyncConflict
from reviewer.media.frametable import FrameTable
from reviewer.ops import kinds
from reviewer.ops.apply import StaleRevision, apply_remote
from reviewer.ops.envelope import Operation
from reviewer.sync.dump import canonical_state
from tests.core.test_govern_support import stage, user_with_role
from tests.fixtures.testlib import make_test_library

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
INCIDENT = "INC-9"


def table(pts, tb) -> FrameTable:
    pts = np.asarray(pts, np.int64)
    return FrameTable(0, Fraction(tb), pts, pts[:1], np.array([0], np.int64))


# ---- the mapping ------------------------------------------------------------------------------------------------
def test_incident_time_maps_to_each_recordings_exact_frame_and_back_with_drift():
    cfr = table(range(250), Fraction(1, 25))  # 10 s at 25 fps
    vfr = table([0, 1500, 4500, 7500, 9000, 15000, 18000], Fraction(1, 90000))  # 1/60 .. 1/15 s gaps
    a = Placement("a" * 64, "ra", "a.mp4", T0, 0, 0.0, duration=10.0, table=cfr)
    # b's camera says 10:00:02, but it is 0.5 s late: its first frame sits at incident time 1.5; its clock runs
    # 50 ppm fast
    b = Placement("b" * 64, "rb", "b.mp4", T0 + dt.timedelta(seconds=2), -500_000, 50.0, duration=0.3, table=vfr)
    clock = IncidentClock(INCIDENT, T0, (a, b))
    assert clock.start(b.key) == 1.5 and clock.wall_time(1.5) == T0 + dt.timedelta(seconds=1.5)
    # at incident time 4.0: a shows frame 100 (exactly 4.0 s); b is not running (its 0.2 s are over at 1.7)
    at = clock.frames_at(4.0)
    assert (at[a.key].index, at[a.key].pts) == (100, 100) and at[b.key].index is None
    assert clock.frame_at(a.key, -0.01).index is None  # before the first recording began
    # b at incident 1.5 + 0.1 s: media time 0.1 * (1 + 50e-6) = 0.100005 -> frame at 9000 ticks (0.1 s)
    assert clock.frame_at(b.key, 1.6).index == 4
    # just before: still frame 3 (4500 .. 7500 ticks -> 0.0833 s)
    assert clock.frame_at(b.key, 1.6 - 0.00001).index == 3
    # and back: the incident time frame 4 appears at; any time in its display maps to it again
    t4 = clock.time_of_frame(b.key, 4)
    assert abs(t4 - (1.5 + 0.1 / (1 + 50e-6))) < 1e-9
    assert clock.frame_at(b.key, t4).index == 4
    for t in np.linspace(1.5, 1.79, 37):
        assert abs(clock.incident_time(b.key, clock.media_time(b.key, t)) - t) < 1e-12
    # a what-if copy moves only that recording
    moved = clock.with_offset(b.key, 0)
    assert moved.start(b.key) == 2.0 and moved.start(a.key) == 0.0
    assert clock.offset_for_start(b.key, 2.0) == 0


def test_the_time_of_every_frame_maps_back_to_that_frame_whatever_the_rates_and_offsets():
    """A bookmark pin clicked on the grid's timeline seeks to time_of_frame: that time must show that very frame
    through offset and drift, at NTSC and PAL rates (the frame before would otherwise be shown)."""
    ntsc = table(np.arange(900) * 1001, Fraction(1, 30000))  # 29.97 fps
    cfr = table(range(750), Fraction(1, 25))
    for offset_us, drift in ((0, 0.0), (-6_280_439, 0.0), (12_345_671, 37.3), (-19_000_003, -50.0)):
        for tab, name in ((ntsc, "n"), (cfr, "c")):
            p = Placement(name * 64, "r" + name, f"{name}.mp4", T0 + dt.timedelta(seconds=3.3), offset_us, drift,
                          duration=30.0, table=tab)
            clock = IncidentClock(INCIDENT, T0, (p,))
            assert all(clock.frame_at(p.key, clock.time_of_frame(p.key, i)).index == i for i in range(tab.frame_count))


def test_a_recording_without_camera_time_sits_at_its_offset_from_the_origin():
    a = Placement("a" * 64, "ra", "a.mp4", T0 + dt.timedelta(seconds=5), duration=30.0)
    phone = Placement("c" * 64, "rc", "phone.mp4", None, 7_250_000, duration=12.0)
    clock = IncidentClock(INCIDENT, T0 + dt.timedelta(seconds=5), (a, phone))
    assert (clock.start(a.key), clock.start(phone.key), clock.end(phone.key)) == (0.0, 7.25, 19.25)
    assert clock.span() == (0.0, 30.0)


# ---- offsets as operations ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def incident_template(tmp_path_factory, make_clip) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("incident-template")
    home = make_test_library(root / "home", "sup")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(USER_ENV, "sup")
        files = [stage(root / "src", make_clip, "cfr_h264", "2024-05-01T10:00:00Z"),
                 stage(root / "src", make_clip, "vfr_h264", "2024-05-01T10:00:03.5Z")]
        with Library(home) as lib:
            report = lib.import_paths(files, incident=INCIDENT)
            assert not report.errors, report.errors
            ids = {v.file_name.rsplit(".", 1)[0]: v.id for v in report.added}
    return home, ids


def copy_home(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest, symlinks=True)
    (dest / "workstation_id").unlink()  # a workstation of its own
    return dest


@pytest.fixture
def home(incident_template, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(USER_ENV, "sup")
    h = copy_home(incident_template[0], tmp_path / "a")
    monkeypatch.setenv("REVIEWER_HOME", str(h))
    return h


@pytest.fixture
def ids(incident_template) -> dict[str, str]:
    return incident_template[1]


@pytest.fixture
def lib(home):
    with Library(home) as lib:
        yield lib


def ops_of(lib, origin: str = "local") -> list[Operation]:
    import json

    with lib.sessions() as s:
        return [Operation.from_json(json.loads(r.envelope)) for r in s.scalars(
            select(OpLogRow).where(OpLogRow.origin == origin).order_by(OpLogRow.seq))]


def test_set_nudge_clear_are_audited_operations_and_undo_walks_them_back(lib, ids):
    clocks = IncidentClocks(lib)
    rid = ids["cfr_h264"]
    key = lib.get(rid).sha256
    assert clocks.clock(INCIDENT).start(key) == 0.0
    assert clocks.clock(INCIDENT).start(lib.get(ids["vfr_h264"]).sha256) == 3.5
    clocks.set_offset(rid, 1_500_000)
    clocks.nudge(rid, 2)  # two of its frames (30 fps) later
    clocks.nudge(rid, -1)
    assert clocks.clock(INCIDENT).get(key).offset_us == 1_500_000 + 33_333
    clocks.clear(rid)
    p = clocks.clock(INCIDENT).get(key)
    assert (p.offset_us, p.source) == (0, "clock")
    assert [o.kind for o in ops_of(lib)] == ["clock_offset.set", "clock_offset.nudge", "clock_offset.nudge",
                                             "clock_offset.clear"]
    assert all((o.scope_type, o.scope_id, o.entity_type, o.entity_id) == ("recording", key, "clock_offset", key)
               for o in ops_of(lib))
    nudges = lib.gov.audit.events(action="clock_offset.nudge")
    assert [e.details["frames"] for e in nudges] == [2, -1]
    assert nudges[0].details["changes"] == {"offset_us": [1_500_000, 1_566_666]}
    assert nudges[0].object_id == rid and nudges[0].details["op"]

    for want in (1_533_333, 1_566_666, 1_500_000, 0):
        lib.gov.undo.undo()
        assert clocks.clock(INCIDENT).get(key).offset_us == want
    assert clocks.clock(INCIDENT).get(key).source == "clock"
    restores = lib.gov.audit.events(action="clock_offset.restore")
    assert len(restores) == 4 and all(e.details["via"] == "undo" for e in restores)
    lib.gov.undo.redo()
    p = clocks.clock(INCIDENT).get(key)
    assert (p.offset_us, p.source) == (1_500_000, "manual")


def test_consecutive_nudges_of_one_gesture_are_one_undo_step(lib, ids):
    clocks = IncidentClocks(lib)
    rid = ids["vfr_h264"]
    key = lib.get(rid).sha256
    gesture = object()
    for _ in range(3):
        clocks.nudge(rid, 1, merge_key=gesture)
    frame_us = lib.frame_tables.get_or_build(key, lib.get(rid).original_path).typical_frame_ticks / 90_000 * 1e6
    assert clocks.clock(INCIDENT).get(key).offset_us == 3 * round(frame_us)
    lib.gov.undo.undo()
    assert clocks.clock(INCIDENT).get(key).offset_us == 0


def test_trainers_may_not_place_recordings_and_the_refusal_is_audited(lib, ids, home, monkeypatch):
    trainer = user_with_role(lib, home, monkeypatch, Role.TRAINER)
    try:
        with pytest.raises(PermissionDenied, match="may not align"):
            IncidentClocks(trainer).set_offset(ids["cfr_h264"], 40_000)
    finally:
        trainer.close()
    last = lib.gov.audit.events()[-1]
    assert (last.user, last.action, last.outcome) == ("u_trainer", "align", "refused")
    assert ops_of(lib) == []
    # the store referees pushes with the same rule
    assert [kinds.role_may(r, "clock_offset.set") for r in ("trainer", "investigator", "professional_standards",
                                                            "supervisor")] == [False, True, True, True]
    assert all(kinds.role_may("investigator", k) for k in ("clock_offset.nudge", "clock_offset.accept",
                                                           "clock_offset.clear", "clock_offset.restore"))


def test_bad_values_are_refused_with_the_field_named(lib, ids):
    from reviewer.errors import ReviewerError

    clocks = IncidentClocks(lib)
    with pytest.raises(ReviewerError, match="drift 5000.0 ppm is not a number within"):
        clocks.set_offset(ids["cfr_h264"], 0, drift_ppm=5000.0)
    with pytest.raises(ReviewerError, match="not a whole number of microseconds"):
        clocks.set_offset(ids["cfr_h264"], 1.5)
    assert ops_of(lib) == []


# ---- between libraries ------------------------------------------------------------------------------------------
def offsets(lib) -> dict:
    return canonical_state(lib)["clock_offset"]


def test_offsets_travel_to_another_library_and_concurrent_sets_converge(incident_template, tmp_path, monkeypatch):
    monkeypatch.setenv(USER_ENV, "sup")
    a = Library(copy_home(incident_template[0], tmp_path / "a"))
    b = Library(copy_home(incident_template[0], tmp_path / "b"))
    try:
        rid_a, rid_b = (next(v.id for v in lib.recordings() if v.file_name == "vfr_h264.mp4") for lib in (a, b))
        ca, cb = IncidentClocks(a), IncidentClocks(b)
        ca.set_offset(rid_a, -2_000_000, drift_ppm=12.5)
        ca.nudge(rid_a, 1)
        for op in ops_of(a):
            assert apply_remote(b.gov, op, "investigator").status == "applied"
        assert offsets(a) == offsets(b) and offsets(b)  # the same placement on both copies
        key = a.get(rid_a).sha256
        assert cb.clock(INCIDENT).start(key) == ca.clock(INCIDENT).start(key)
        event = b.gov.audit.events(action="clock_offset.nudge")[-1]
        assert (event.details["via"], event.details["author"]) == ("sync", "sup")

        # concurrent: A sets 1 s, then B (a later clock) sets 4 s without having seen it; exchanged in either
        # order, both keep B's, and the loser is a recorded conflict
        sent_a, sent_b = len(ops_of(a)), len(ops_of(b))
        ca.set_offset(rid_a, 1_000_000)
        time.sleep(0.002)
        cb.set_offset(rid_b, 4_000_000)
        for op in ops_of(b)[sent_b:]:
            apply_remote(a.gov, op, "professional_standards")
        for op in ops_of(a)[sent_a:]:
            apply_remote(b.gov, op, "investigator")
        assert offsets(a) == offsets(b)
        assert offsets(a)[key]["offset_us"] == 4_000_000
        with a.sessions() as s:
            assert s.scalar(select(SyncConflict.field).where(SyncConflict.entity_id == key)) == "offset_us"
        # A's undo would overwrite B's change it has since received: refused, nothing changes
        with pytest.raises(StaleRevision):
            a.gov.undo.undo()
        assert ca.clock(INCIDENT).get(key).offset_us == 4_000_000
    finally:
        a.close()
        b.close()


def test_a_trainers_offset_from_elsewhere_is_refused_here(lib, ids, incident_template, tmp_path, monkeypatch):
    other = Library(copy_home(incident_template[0], tmp_path / "other"))
    try:
        IncidentClocks(other).set_offset(next(v.id for v in other.recordings() if v.file_name == "cfr_h264.mp4"),
                                         250_000)
        op = ops_of(other)[0]
    finally:
        other.close()
    assert apply_remote(lib.gov, op, "trainer").status == "refused"
    assert IncidentClocks(lib).clock(INCIDENT).get(ids["cfr_h264"]).offset_us == 0
    assert lib.gov.audit.events(action="sync.refused")[-1].details["kind"] == "clock_offset.set"

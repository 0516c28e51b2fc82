"""Retention with a simulated clock, on a real library with real files.

cfr_h264 was recorded 2024-05-01T10:00Z, cfr_noaudio 11:00Z, vfr_h264 12:00Z; offset_mkv has no camera start,
so its clock runs from its import time (today).
"""

from __future__ import annotations

import datetime as dt

import pytest

from reviewer.annotate.service import Annotations
from reviewer.errors import NotFound, ReviewerError
from reviewer.govern.purge import Retention
from reviewer.govern.retention import Policies
from reviewer.library.models import utcnow
from reviewer.library.models_govern import Purge
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401

UTC = dt.timezone.utc
RECORDED = dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)  # the latest of the three camera starts
DAY30, DAY32 = RECORDED + dt.timedelta(days=30), RECORDED + dt.timedelta(days=32)


def files_of(lib, rid: str) -> list:
    v = lib.get(rid)
    return [v.original_path, lib.frame_tables.path_for(v.sha256), v.thumbnail_path]


def test_non_evidential_survives_day_30_and_is_purged_on_day_32(lib, ids):
    ret = Retention(lib)
    rid = ids["vfr_h264"]
    st = ret.status_of(rid, DAY30)
    assert (st.state, st.days_left, st.rule, st.recorded_at_source) == ("retained", 1, "non_evidential", "camera")
    assert st.deadline == RECORDED + dt.timedelta(days=31)
    assert ret.run(DAY30).purged == []
    doomed = files_of(lib, rid)
    others = [p for other in ("cfr_h264", "cfr_noaudio", "offset_mkv") for p in files_of(lib, ids[other])]
    assert all(p.exists() for p in doomed + others)

    report = ret.run(DAY32)
    assert [p.recording_id for p in report.purged] == [ids["cfr_h264"], ids["cfr_noaudio"], rid]
    assert not any(p.exists() for p in doomed), "original, frame table and thumbnail are gone"
    survivors = [p for p in files_of(lib, ids["offset_mkv"])]
    assert all(p.exists() for p in survivors), "a recording whose clock started at import is untouched"
    with pytest.raises(NotFound):
        lib.get(rid)
    tomb = next(p for p in ret.purges() if p.recording_id == rid)
    assert (tomb.rule, tomb.file_name, tomb.files_removed) == ("non_evidential", "vfr_h264.mp4", True)
    assert tomb.expired_at == RECORDED + dt.timedelta(days=31)
    purges = lib.gov.audit.events(action="retention.purge")
    assert [e.object_id for e in purges] == [p.recording_id for p in report.purged]
    assert purges[-1].details["files"] == [str(p) for p in doomed]
    assert lib.gov.audit.events(action="retention.run")[-1].details["simulated_clock"] is True
    assert lib.gov.audit.check().ok


def test_evidential_and_held_are_never_purged(lib, ids):
    ann = Annotations(lib)
    clip = ann.add_clip(ids["cfr_h264"], 0, 512, "bit", "evidential")
    ann.mark_evidential(ids["cfr_h264"], "CR/1", "evidence", clip_id=clip.id)  # a clip keeps its recording
    ann.mark_evidential(ids["cfr_noaudio"], "CR/2", "evidence", category="complaint")
    ann.set_hold(ids["vfr_h264"], "civil claim")
    ret = Retention(lib)
    far = utcnow()  # more than two years after the recordings were made
    report = ret.run(far)
    assert {p.recording_id for p in report.purged} == set()
    states = {st.recording_id: st for st in ret.status(far)}
    assert states[ids["cfr_h264"]].state == "evidential" and states[ids["cfr_h264"]].references == ("CR/1",)
    assert states[ids["cfr_h264"]].days_left == 2556  # 7 years from the mark, which was made today
    assert states[ids["vfr_h264"]].state == "held" and states[ids["vfr_h264"]].days_left is None
    in_8_years = far + dt.timedelta(days=8 * 366)
    dry = ret.run(in_8_years, dry_run=True)  # the future is only for looking
    assert [(st.recording_id, st.recorded_at_source) for st in dry.due] == [(ids["offset_mkv"], "import")]
    assert lib.get(ids["offset_mkv"]).original_path.exists(), "a dry run deletes nothing"
    assert {st.state for st in ret.status(in_8_years)} >= {"review_due", "held"}
    with pytest.raises(ReviewerError, match="in the future"):
        ret.run(in_8_years)


def test_clearing_the_mark_restarts_the_31_day_rule_from_the_recording_date(lib, ids):
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    mark = ann.mark_evidential(rid, "CR/1", "looked relevant")
    ret = Retention(lib)
    assert rid not in {p.recording_id for p in ret.run().purged}
    assert ret.status_of(rid).state == "evidential"
    ann.clear_evidential(mark.id, "no further action")
    st = ret.status_of(rid)
    # counted from 2024-05-01, not from today's clearing: long overdue, so the next run deletes it
    assert st.state == "due" and st.deadline == dt.datetime(2024, 6, 1, 10, 0, tzinfo=UTC)
    assert rid in {p.recording_id for p in ret.run().purged}


def test_policy_changes_are_audited_and_apply(lib, ids):
    pol = Policies(lib.gov)
    assert {(p.category, p.days) for p in pol.list()} == {("non_evidential", 31), ("evidential", 2557)}
    pol.set("non_evidential", 60, reason="force policy 2025")
    pol.set("complaint", 3 * 365)
    ret = Retention(lib)
    assert ret.status_of(ids["vfr_h264"], DAY32).state == "retained"
    Annotations(lib).mark_evidential(ids["cfr_noaudio"], "CMP-1", "complaint", category="complaint")
    st = ret.status_of(ids["cfr_noaudio"])
    assert (st.rule, st.days_left) == ("complaint", 3 * 365 - 1)
    events = lib.gov.audit.events(action="retention.policy_set")
    assert [(e.details["category"], e.details["days"], e.details["previous_days"]) for e in events] == [
        ("non_evidential", 60, 31), ("complaint", 1095, None)]
    assert events[0].justification == "force policy 2025"
    with pytest.raises(ReviewerError, match="cannot be removed|can be changed but not removed"):
        pol.set("evidential", None)
    with pytest.raises(ReviewerError, match="whole number of days"):
        pol.set("complaint", 0)


def test_the_central_store_seam_blocks_purging_unconfirmed_footage(lib, ids):
    confirmed: set[str] = set()
    ret = Retention(lib, store_confirms=lambda sha: sha in confirmed)
    report = ret.run(DAY32)
    assert report.purged == []
    assert {rid for rid, _ in report.skipped} == {ids["cfr_h264"], ids["cfr_noaudio"], ids["vfr_h264"]}
    assert all("not confirmed" in why for _, why in report.skipped)
    assert lib.get(ids["vfr_h264"]).original_path.exists()
    confirmed.add(lib.get(ids["vfr_h264"]).sha256)
    assert [p.recording_id for p in ret.run(DAY32).purged] == [ids["vfr_h264"]]


def test_an_interrupted_purge_is_finished_by_the_next_run(lib, ids, make_clip):
    rid = ids["cfr_noaudio"]
    original = lib.get(rid).original_path
    kept = original.read_bytes()
    ret = Retention(lib)
    ret.run(DAY32)
    # as if the process died after the commit but before the unlink: the file is back, the record says pending
    original.write_bytes(kept)
    with lib.sessions.begin() as s:
        s.query(Purge).filter(Purge.recording_id == rid).update({"files_removed_at": None})
    ret.run(DAY32)
    assert not original.exists()
    assert all(p.files_removed for p in ret.purges())


def test_purged_footage_can_be_imported_again(lib, ids, tmp_path, make_clip):
    ret = Retention(lib)
    ret.run(DAY32)
    src = tmp_path / "again"
    src.mkdir()
    (src / "cfr_h264.mp4").symlink_to(make_clip("cfr_h264").path)
    report = lib.import_paths([src / "cfr_h264.mp4"])
    assert len(report.added) == 1 and report.added[0].original_path.exists()
    with lib.sessions.begin() as s:  # the old purge left pending: finishing it must not touch the new copy
        s.query(Purge).update({"files_removed_at": None})
    ret.run(DAY32)
    assert report.added[0].original_path.exists()
    assert all(p.files_removed for p in ret.purges())

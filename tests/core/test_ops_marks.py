"""Evidential marks and legal holds as operations (issue 11 s.1, s.2): a change made elsewhere is applied with
its author named in the audit trail; set wins over a clear that had not seen it (a conflict, audited); the row
does not depend on the order operations arrive in; the trail still rebuilds the rows; undo never overwrites a
change from elsewhere; and no operation can touch retention periods or purge."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from reviewer.annotate.service import Annotations
from reviewer.govern.replay import replay_problems
from reviewer.govern.retention import Policies
from reviewer.govern.roles import Action
from reviewer.govern.state import row_state
from reviewer.library.models_govern import EvidentialMark, LegalHold
from reviewer.library.models_ops import OpLogRow, SyncConflict
from reviewer.ops import kinds
from reviewer.ops.apply import StaleRevision, apply_remote, head_of
from reviewer.ops.envelope import Operation
from reviewer.ops.hlc import Stamp
from reviewer.ops.ids import uuid7
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401
from tests.core.test_ops_flags import World, model_is_set, steps

MARK = ("evidential_mark", "evidential.mark", "evidential.reinstate", "evidential.clear", EvidentialMark)
HOLD = ("legal_hold", "hold.set", "hold.reinstate", "hold.release", LegalHold)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def op(lib, rid, kind, entity_type, entity_id, payload, *, wall_ms=None, ws="ws-b", actor="carol", seen=None,
       op_id=None):
    return Operation(op_id=op_id or str(uuid7()), kind=kind, stamp=Stamp(wall_ms or now_ms() + 1000, 0, ws),
                     actor=actor, scope_type="recording", scope_id=lib.get(rid).sha256, entity_type=entity_type,
                     entity_id=entity_id, revision_seen=seen, payload=payload)


def op_ids(lib, entity_id):
    with lib.sessions() as s:
        return [(r.kind, r.op_id, json.loads(r.envelope)["payload"])
                for r in s.scalars(select(OpLogRow).where(OpLogRow.entity_id == entity_id).order_by(OpLogRow.seq))]


def replay_clean(lib) -> list[str]:
    with lib.sessions() as s:
        return replay_problems(s)


def test_local_mark_clear_and_reinstate_say_what_they_had_seen(lib, ids):
    ann = Annotations(lib)
    m = ann.mark_evidential(ids["cfr_h264"], "CR/1", "assault", category="complaint")
    ann.clear_evidential(m.id, "no further action")
    lib.gov.undo.undo()  # reinstates
    (k1, s1, _p1), (k2, c1, p2), (k3, _s2, p3) = op_ids(lib, m.id)
    assert (k1, k2, k3) == ("evidential.mark", "evidential.clear", "evidential.reinstate")
    assert p2["seen_sets"] == [s1] and p3["seen_clears"] == [c1]
    assert ann.evidential.get(m.id).cleared_at is None
    events = lib.gov.audit.events(action="evidential.reinstate")
    assert events[-1].details["via"] == "undo" and events[-1].details["op"] == _s2
    assert replay_clean(lib) == []


@pytest.mark.parametrize("family", [MARK, HOLD], ids=["mark", "hold"])
def test_remote_set_is_applied_and_the_audit_names_its_author(lib, ids, family):
    etype, set_kind, _re, _clear, model = family
    rid, eid = ids["cfr_h264"], str(uuid7())
    made = op(lib, rid, set_kind, etype, eid, {"reference": "CR/9", "category": "a category only B knows",
                                              "reason": "made on B", "seen_clears": []}, actor="bob")
    assert apply_remote(lib.gov, made, "supervisor").status == "applied"
    with lib.sessions() as s:
        row = s.get(model, eid)
        assert row.recording_id == rid and row.reason == "made on B"
        assert (row.marked_by if model is EvidentialMark else row.set_by) == "bob"
    event = lib.gov.audit.events(action=set_kind)[-1]
    assert (event.details["author"], event.details["origin"], event.details["via"]) == ("bob", "ws-b", "sync")
    assert event.details["op"] == made.op_id and event.details["state"]["key"] == eid
    assert event.user == lib.gov.username  # this library's chain records that it applied it
    assert replay_clean(lib) == []


def _set_clear_reinstate(ann, lib, rid, family):
    """Here: set, clear, then undo the clear (a reinstate). Returns (entity id, op_id of the first set)."""
    if family is MARK:
        m = ann.mark_evidential(rid, "CR/1", "assault", category="complaint")
        ann.clear_evidential(m.id, "mistake")
        eid = m.id
    else:
        eid = ann.set_hold(rid, "civil claim").id
        ann.release_hold(rid, "settled")
    lib.gov.undo.undo()
    return eid, op_ids(lib, eid)[0][1]


def _active(lib, family, eid) -> bool:
    with lib.sessions() as s:
        row = s.get(family[4], eid)
        return (row.cleared_at if family is MARK else row.released_at) is None


@pytest.mark.parametrize("family", [MARK, HOLD], ids=["mark", "hold"])
def test_a_remote_clear_that_had_not_seen_the_latest_set_loses(lib, ids, family):
    rid = ids["cfr_h264"]
    eid, first_set = _set_clear_reinstate(Annotations(lib), lib, rid, family)
    reinstated = head_of(lib.gov, family[0], eid)
    # carol (supervisor on B) cleared having seen only the first set; her clock is ahead of ours
    late = op(lib, rid, family[3], family[0], eid, {"reason": "B thinks it is done", "seen_sets": [first_set]},
              wall_ms=now_ms() + 3_600_000, seen=first_set)
    before = len(lib.gov.audit.events(action=family[3]))
    assert apply_remote(lib.gov, late, "supervisor").status == "applied"
    assert _active(lib, family, eid)
    with lib.sessions() as s:
        c = s.scalar(select(SyncConflict).where(SyncConflict.lost_op_id == late.op_id))
    assert (c.entity_id, c.lost_actor, c.won_op_id) == (eid, "carol", reinstated)
    assert "set wins" in c.why
    conflict = lib.gov.audit.events(action="sync.conflict")[-1]
    assert (conflict.details["lost_op"], conflict.details["won_op"]) == (late.op_id, reinstated)
    assert len(lib.gov.audit.events(action=family[3])) == before  # the discarded clear changed nothing
    assert replay_clean(lib) == []


@pytest.mark.parametrize("family", [MARK, HOLD], ids=["mark", "hold"])
def test_a_remote_clear_that_saw_the_set_clears_it_and_undo_then_refuses(lib, ids, family):
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    if family is MARK:
        eid = ann.mark_evidential(rid, "CR/1", "assault", category="complaint").id
    else:
        eid = ann.set_hold(rid, "civil claim").id
    seen = head_of(lib.gov, family[0], eid)
    wall = now_ms() + 3_600_000
    clear = op(lib, rid, family[3], family[0], eid, {"reason": "released by B", "seen_sets": [seen]},
               wall_ms=wall, seen=seen)
    apply_remote(lib.gov, clear, "supervisor")
    with lib.sessions() as s:
        row = s.get(family[4], eid)
        by, at, why = ((row.cleared_by, row.cleared_at, row.clear_reason) if family is MARK else
                       (row.released_by, row.released_at, row.release_reason))
    assert (by, why, int(at.timestamp() * 1000)) == ("carol", "released by B", wall)
    event = lib.gov.audit.events(action=family[3])[-1]
    assert (event.details["author"], event.justification) == ("carol", "released by B")
    with pytest.raises(StaleRevision, match="changed elsewhere"):
        lib.gov.undo.undo()  # would clear what carol already cleared, or worse, reinstate over her
    assert not _active(lib, family, eid)
    assert replay_clean(lib) == []


def _as_operations(lib, rid, family, world: World, eid: str, base: int) -> list[Operation]:
    """The world's flag operations as envelopes of `family` on entity `eid`, stamped from `base`."""
    uid = {m.op.op_id: str(uuid7()) for m in world.ops}
    out = []
    for m in world.ops:
        f = m.op
        if f.op_id == "s0":
            kind, payload = family[1], {"reference": "CR/1", "category": "complaint", "reason": "made on ws-0"}
        elif f.is_set:
            kind, payload = family[2], {"seen_clears": sorted(uid[i] for i in f.seen_clears)}
        else:
            kind, payload = family[3], {"reason": f"cleared {f.op_id}",
                                        "seen_sets": sorted(uid[i] for i in f.seen_sets)}
        clock, ws = f.stamp.split(".")
        out.append(op(lib, rid, kind, family[0], eid, payload, wall_ms=base + int(clock), ws=f"ws-{ws}",
                      actor=f"user{ws}", op_id=uid[f.op_id]))
    return out


def _state(lib, family, eid) -> dict:
    with lib.sessions() as s:
        st = row_state(s.get(family[4], eid))
    return {k: v for k, v in st.items() if k != "key"}


@pytest.mark.parametrize("family", [MARK, HOLD], ids=["mark", "hold"])
def test_any_arrival_order_gives_the_same_row(lib, ids, family):
    """Sets and clears made on three workstations (tests/core/test_ops_flags.World), applied here in a random
    order and in the order they were made, on two entities: the same row, set exactly when the model says."""
    rid = ids["cfr_h264"]

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(steps, st.randoms(use_true_random=False))
    def check(script, rnd):
        world = World()
        for step in script:
            world.act(step)
        rows, base = [], now_ms()
        for shuffle in (False, True):
            eid = str(uuid7())
            ops = _as_operations(lib, rid, family, world, eid, base)
            if shuffle:
                rnd.shuffle(ops)
            for o in ops:
                assert apply_remote(lib.gov, o, "supervisor").status == "applied"
            rows.append(_state(lib, family, eid))
            assert _active(lib, family, eid) == model_is_set(world.ops)
        assert rows[0] == rows[1]

    check()
    assert replay_clean(lib) == []


def test_no_operation_can_change_retention_or_purge(lib, ids):
    """Retention periods and purges come only from the store (ADR 0014): no kind needs those permissions, and
    a made-up one is refused without changing anything."""
    assert {k.action for k in kinds.load().values()}.isdisjoint({Action.CHANGE_RETENTION, Action.RUN_PURGE})
    before = Policies(lib.gov).list()
    sneaky = op(lib, ids["cfr_h264"], "retention.set", "retention_policy", "complaint", {"days": 1})
    assert apply_remote(lib.gov, sneaky, "supervisor").status == "refused"
    assert Policies(lib.gov).list() == before
    assert lib.gov.audit.events(action="sync.refused")[-1].details["op"] == sneaky.op_id


def test_the_store_and_this_library_referee_mark_and_hold_kinds_by_role(lib, ids):
    """The kind table the store judges pushes by: marking is not a trainer's, clearing and holds are a
    supervisor's; a workstation re-checks the role the store recorded."""
    assert kinds.role_may("investigator", "evidential.mark") and not kinds.role_may("trainer", "evidential.mark")
    assert not kinds.role_may("investigator", "evidential.clear") and kinds.role_may("supervisor", "evidential.clear")
    assert not kinds.role_may("professional_standards", "hold.release") and kinds.role_may("supervisor", "hold.set")
    assert kinds.role_may("trainer", "clip.create")
    rid = ids["cfr_h264"]
    hid = Annotations(lib).set_hold(rid, "civil claim").id
    seen = head_of(lib.gov, "legal_hold", hid)
    release = op(lib, rid, "hold.release", "legal_hold", hid, {"reason": "x", "seen_sets": [seen]})
    assert apply_remote(lib.gov, release, "investigator").status == "refused"
    assert Annotations(lib).holds.active_for(rid).id == hid


def test_remote_marks_and_holds_keep_footage_from_retention(lib, ids):
    """A hold set on B keeps the recording here; a mark made on B is reviewed from when B made it (its stamp),
    so every copy gives the same review date, not the day the mark happened to arrive."""
    import datetime as dt

    from reviewer.govern.retention import HELD, REVIEW_DUE, load_policies, statuses

    rid, other = ids["cfr_h264"], ids["cfr_noaudio"]
    made_on_b = dt.datetime(2025, 3, 1, 12, tzinfo=dt.timezone.utc)
    wall = int(made_on_b.timestamp() * 1000)
    apply_remote(lib.gov, op(lib, rid, "evidential.mark", "evidential_mark", str(uuid7()),
                             {"reference": "CR/9", "category": "complaint", "reason": "made on B"}, wall_ms=wall),
                 "investigator")
    apply_remote(lib.gov, op(lib, other, "hold.set", "legal_hold", str(uuid7()), {"reason": "civil claim"}),
                 "supervisor")
    far = dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)
    with lib.sessions() as s:
        days = load_policies(s).get("complaint", load_policies(s)["evidential"])
        got = {st.recording_id: st for st in statuses(s, far, [rid, other])}
    assert (got[other].state, got[other].held) == (HELD, True)
    assert got[rid].references == ("CR/9",) and got[rid].deadline == made_on_b + dt.timedelta(days=days)
    assert got[rid].state == REVIEW_DUE


def test_a_reinstate_arriving_after_a_concurrent_clear_puts_the_mark_back(lib, ids):
    """Carol cleared the mark; Dave, not knowing, had cleared and reinstated it. Dave's reinstate arrives last:
    the mark is in force again and carol's clear is the recorded loser."""
    rid = ids["cfr_h264"]
    mid = Annotations(lib).mark_evidential(rid, "CR/1", "assault", category="complaint").id
    s1 = head_of(lib.gov, "evidential_mark", mid)
    t = now_ms() + 1000
    carol = op(lib, rid, "evidential.clear", "evidential_mark", mid, {"reason": "done", "seen_sets": [s1]},
               wall_ms=t, ws="ws-c", seen=s1)
    dave_clear = op(lib, rid, "evidential.clear", "evidential_mark", mid, {"reason": "oops", "seen_sets": [s1]},
                    wall_ms=t + 1, ws="ws-d", actor="dave", seen=s1)
    dave_back = op(lib, rid, "evidential.reinstate", "evidential_mark", mid, {"seen_clears": [dave_clear.op_id]},
                   wall_ms=t + 2, ws="ws-d", actor="dave", seen=dave_clear.op_id)
    for o in (carol, dave_clear):
        apply_remote(lib.gov, o, "supervisor")
    assert not _active(lib, MARK, mid)
    apply_remote(lib.gov, dave_back, "investigator")
    assert _active(lib, MARK, mid)
    with lib.sessions() as s:
        lost = [(c.lost_op_id, c.won_op_id) for c in s.scalars(select(SyncConflict))]
    assert lost == [(carol.op_id, dave_back.op_id)]
    event = lib.gov.audit.events(action="evidential.reinstate")[-1]
    assert (event.details["author"], event.details["state"]["cleared_by"]) == ("dave", None)
    assert replay_clean(lib) == []

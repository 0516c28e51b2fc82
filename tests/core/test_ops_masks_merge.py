"""Masks merge at keyframe level and reach the same state whatever order the operations arrive in (issue 11 s.2).

Three simulated workstations edit one recording's masks offline (skewed clocks, HLC stamps, each knowing only
what it made or synced), exchanging operations now and then. Every copy receives every operation in some causal
order (the store's log delivers an operation after everything its author had seen), here three different random
ones, each applied to the real library through apply_remote. The final states must be identical, and equal to
what the rules say: last writer by stamp per (track, pts) and per field; an element stays while some edit of it
was not seen by a deletion (redaction wins); an approval holds only while nothing was changed after it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from reviewer.library.models_ops import EntityHead, FieldStamp, OpLogRow, OutboxRow, SyncConflict
from reviewer.library.models_redact import (MaskApprovalRow, MaskKeyframeRow, MaskTagRow, MaskTrackRow,
                                            RedactionRangeRow)
from reviewer.ops.apply import apply_remote
from reviewer.ops.envelope import Operation
from reviewer.ops.hlc import Clock
from reviewer.ops.ids import uuid7
from reviewer.redact import approval
from reviewer.redact.model import mask_set_to_json
from reviewer.redact.store import MaskStore
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401

WS = ("ws-a", "ws-b", "ws-c")
SKEW_MS = (0, 3_600_000, -3_600_000)  # b an hour ahead, c an hour behind
TRACK_ID = "00000000-0000-4000-8000-00000000000a"
RANGE_ID = "00000000-0000-4000-8000-00000000000b"
PTS_SLOTS = 3
TABLES = (MaskKeyframeRow, MaskTagRow, MaskTrackRow, RedactionRangeRow, MaskApprovalRow, FieldStamp, EntityHead,
          OpLogRow, OutboxRow, SyncConflict)


@dataclass
class Station:
    name: str
    clock: Clock
    known: list[Operation] = field(default_factory=list)

    def knows(self, op_id: str) -> bool:
        return any(o.op_id == op_id for o in self.known)


class World:
    """The workstations and every operation made, with what each operation's author knew when making it."""

    def __init__(self, sha: str, pts: list[int]):
        self.sha, self.pts = sha, pts
        self.deps: dict[str, set[str]] = {}
        self.all: list[Operation] = []
        self.tick = 0
        self.stations = [Station(n, Clock(n, wall=self._wall(skew))) for n, skew in zip(WS, SKEW_MS)]

    def _wall(self, skew: int):
        def wall() -> int:
            self.tick += 7
            return 1_800_000_000_000 + skew + self.tick
        return wall

    def make(self, st: Station, kind: str, entity_type: str, entity_id: str, payload: dict) -> Operation:
        on_entity = [o for o in st.known if o.entity_id == entity_id]
        seen = max(on_entity, key=lambda o: o.stamp).op_id if on_entity else None
        op = Operation(op_id=str(uuid7()), kind=kind, stamp=st.clock.now(), actor=f"user-{st.name}",
                       scope_type="recording", scope_id=self.sha, entity_type=entity_type, entity_id=entity_id,
                       revision_seen=seen, payload=payload)
        self.deps[op.op_id] = {o.op_id for o in st.known}
        st.known.append(op)
        self.all.append(op)
        return op

    def sync(self, src: Station, dst: Station) -> None:
        for o in src.known:
            if not dst.knows(o.op_id):
                dst.known.append(o)
                dst.clock.observe(o.stamp.wall_ms, o.stamp.counter)

    # ---- what an operation edits (the oracle's view of the rules) ---------------------------------------------
    @staticmethod
    def kf_edits(op: Operation) -> list[int]:
        if op.kind == "mask_keyframe.put":
            return [op.payload["keyframe"]["pts"]]
        if op.kind == "mask_track.create":
            return [k["pts"] for k in op.payload["track"]["keyframes"]]
        return []

    @staticmethod
    def track_edit(op: Operation) -> bool:
        return op.kind in ("mask_track.create", "mask_track.update", "mask_keyframe.put")

    def box(self, n: int) -> list[list[float]]:
        return [[float(n), 10.0], [float(n) + 40.0, 50.0]]


def setup(w: World) -> None:
    """ws-a draws the track and a blackout range; everyone syncs before working offline."""
    a = w.stations[0]
    w.make(a, "mask_track.create", "mask_track", TRACK_ID, {"track": {
        "kind": "rect", "label": "face", "reason": "third-party face", "effect": {"kind": "solid"},
        "keyframes": [{"pts": w.pts[0], "points": w.box(0), "hidden": False}]}})
    w.make(a, "redaction_range.create", "redaction_range", RANGE_ID, {
        "kind": "blackout", "fields": {"span": [w.pts[1], w.pts[2]], "mode": "black", "reason": "address"}})
    for b in w.stations[1:]:
        w.sync(a, b)


def step(w: World, who: int, action: str, slot: int, n: int) -> None:
    """One user action at a workstation, made as that workstation's copy would make it."""
    st_ = w.stations[who]
    pts = w.pts[slot]
    if action == "put":
        w.make(st_, "mask_keyframe.put", "mask_track", TRACK_ID,
               {"keyframe": {"pts": pts, "points": w.box(n), "hidden": n % 5 == 0}})
    elif action == "del_kf":
        seen = [o.op_id for o in st_.known if pts in w.kf_edits(o)]
        if seen:
            w.make(st_, "mask_keyframe.delete", "mask_track", TRACK_ID, {"pts": pts, "seen": seen})
    elif action == "del_track":
        w.make(st_, "mask_track.delete", "mask_track", TRACK_ID,
               {"seen": [o.op_id for o in st_.known if w.track_edit(o)]})
    elif action == "label":
        w.make(st_, "mask_track.update", "mask_track", TRACK_ID, {"fields": {"label": f"label {n}"}})
    elif action == "restore":  # the whole track again, as an undo of its deletion sends it
        w.make(st_, "mask_track.create", "mask_track", TRACK_ID, {"track": {
            "kind": "rect", "label": f"restored {n}", "reason": "third-party face", "effect": {"kind": "solid"},
            "keyframes": [{"pts": pts, "points": w.box(n), "hidden": False}]}})
    elif action == "range":
        w.make(st_, "redaction_range.update", "redaction_range", RANGE_ID,
               {"fields": {"span": [w.pts[slot], w.pts[slot] + n]}})
    elif action == "del_range":
        w.make(st_, "redaction_range.delete", "redaction_range", RANGE_ID,
               {"seen": [o.op_id for o in st_.known if o.entity_id == RANGE_ID and not o.kind.endswith("delete")]})
    elif action == "sync":
        w.sync(st_, w.stations[(who + 1 + n) % len(w.stations)])


def causal_order(w: World, seed: int) -> list[Operation]:
    """A random order in which every operation comes after all that its author had seen."""
    rng = random.Random(seed)
    done: set[str] = set()
    waiting = list(w.all)
    out = []
    while waiting:
        ready = [o for o in waiting if w.deps[o.op_id] <= done]
        o = rng.choice(ready)
        waiting.remove(o)
        done.add(o.op_id)
        out.append(o)
    return out


def reset(lib) -> None:
    with lib.gov.write() as s:
        for t in TABLES:
            s.execute(delete(t))


def replay(lib, rid: str, ops: list[Operation]) -> dict:
    reset(lib)
    for op in ops:
        assert apply_remote(lib.gov, op, "investigator").status == "applied", op
    ms = MaskStore(lib).load(rid)
    st = approval.status(lib, rid)
    return {"masks": mask_set_to_json(ms), "hash": approval.mask_set_hash(ms), "approved": st.approved}


def oracle(w: World) -> dict:
    """The rules, computed from the operations alone."""
    ops = w.all
    removed_track = {i for o in ops if o.kind == "mask_track.delete" for i in o.payload["seen"]}
    track_live = any(w.track_edit(o) and o.op_id not in removed_track for o in ops)
    label_op = max((o for o in ops if o.kind == "mask_track.update" or o.kind == "mask_track.create"),
                   key=lambda o: o.stamp)
    label = label_op.payload.get("fields", label_op.payload.get("track", {})).get("label")
    keyframes = []
    for pts in sorted(set(w.pts[:PTS_SLOTS])):
        edits = [o for o in ops if pts in w.kf_edits(o)]
        removed = {i for o in ops if o.kind == "mask_keyframe.delete" and o.payload["pts"] == pts
                   for i in o.payload["seen"]}
        if edits and any(o.op_id not in removed for o in edits):
            last = max(edits, key=lambda o: o.stamp)
            kf = last.payload["keyframe"] if last.kind == "mask_keyframe.put" else next(
                k for k in last.payload["track"]["keyframes"] if k["pts"] == pts)
            keyframes.append({"pts": pts, "points": kf["points"], "hidden": kf["hidden"]})
    range_removed = {i for o in ops if o.kind == "redaction_range.delete" for i in o.payload["seen"]}
    range_edits = [o for o in ops if o.entity_id == RANGE_ID and not o.kind.endswith("delete")]
    span = max(range_edits, key=lambda o: o.stamp).payload["fields"]["span"]
    return {"track": keyframes if track_live and keyframes else None, "label": label,
            "range": span if any(o.op_id not in range_removed for o in range_edits) else None}


def observed(state: dict) -> dict:
    tracks = state["masks"]["tracks"]
    blackouts = state["masks"]["blackouts"]
    return {"track": tracks[0]["keyframes"] if tracks else None,
            "label": tracks[0]["label"] if tracks else None,
            "range": [blackouts[0]["start_pts"], blackouts[0]["end_pts"]] if blackouts else None}


ACTIONS = st.sampled_from(("put", "put", "put", "del_kf", "del_track", "label", "restore", "range", "del_range",
                           "sync", "sync"))
STEPS = st.lists(st.tuples(st.integers(0, 2), ACTIONS, st.integers(0, PTS_SLOTS - 1), st.integers(1, 60)),
                 min_size=1, max_size=14)
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])


def world(lib, rid: str) -> World:
    table = lib.open_recording(rid, reason="test").table
    return World(lib.get(rid).sha256, [int(table.pts[i]) for i in (0, 10, 20)])


@SETTINGS
@given(steps=STEPS, seeds=st.tuples(st.integers(0, 2**32), st.integers(0, 2**32), st.integers(0, 2**32)))
def test_masks_converge_whatever_the_arrival_order_and_follow_the_rules(lib, ids, steps, seeds):
    rid = ids["cfr_noaudio"]
    w = world(lib, rid)
    setup(w)
    for s_ in steps:
        step(w, *s_)
    states = [replay(lib, rid, causal_order(w, seed)) for seed in seeds]
    assert states[0] == states[1] == states[2]
    want = oracle(w)
    got = observed(states[0])
    if want["track"] is None:
        want["label"] = None
    assert got == want


@SETTINGS
@given(before=STEPS, after=STEPS, seed=st.integers(0, 2**32))
def test_an_approval_holds_on_every_copy_only_until_a_change_after_it(lib, ids, before, after, seed):
    """ws-a approves the mask set it sees; the others may have made changes it had not seen, and anyone may
    change the masks afterwards. Every copy agrees; a change the approver had not seen voids it."""
    rid = ids["cfr_noaudio"]
    w = world(lib, rid)
    setup(w)
    for s_ in before:
        step(w, *s_)
    a = w.stations[0]
    seen_state = replay(lib, rid, list(a.known))  # what ws-a's copy shows when approving
    appr = w.make(a, "masks.approve", "mask_approval", str(uuid7()),
                  {"mask_sha256": seen_state["hash"], "role": "professional_standards"})
    for s_ in after:
        step(w, *s_)
    states = [replay(lib, rid, causal_order(w, seed + i)) for i in range(3)]
    assert states[0] == states[1] == states[2]
    unseen = [o for o in w.all if o is not appr and o.op_id not in w.deps[appr.op_id]]
    if not unseen:
        assert states[0]["approved"] == bool(seen_state["masks"]["tracks"] or seen_state["masks"]["blackouts"])
    if any(o.stamp > appr.stamp for o in unseen) or states[0]["hash"] != seen_state["hash"]:
        assert not states[0]["approved"]

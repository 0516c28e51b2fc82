"""Clock offsets reach the same placement whatever order their operations arrive in (issue 13 s.1, ADR 0015's
contract for every kind): three workstations with skewed clocks set, nudge, accept and clear one recording's
offset offline, syncing now and then; every copy applies every operation in some causal order through
apply_remote. All copies agree, and each field holds the value of its latest writer by HLC stamp."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete

from reviewer.library.models_incident import ClockOffsetRow
from reviewer.library.models_ops import EntityHead, FieldStamp, OpLogRow, OutboxRow, SyncConflict
from reviewer.ops.apply import apply_remote
from reviewer.sync.dump import canonical_state
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401
from tests.core.test_ops_masks_merge import SETTINGS, World, causal_order

TABLES = (ClockOffsetRow, FieldStamp, EntityHead, OpLogRow, OutboxRow, SyncConflict)
FIELDS = ("offset_us", "drift_ppm", "source", "confidence")


def step(w: World, who: int, action: str, n: int) -> None:
    st_ = w.stations[who]
    sha = w.sha
    if action == "set":
        payload = {"offset_us": n * 40_000 - 1_000_000}
        if n % 3 == 0:
            payload["drift_ppm"] = float(n - 30)
        w.make(st_, "clock_offset.set", "clock_offset", sha, payload)
    elif action == "nudge":
        w.make(st_, "clock_offset.nudge", "clock_offset", sha, {"offset_us": n * 33_333, "frames": n})
    elif action == "accept":
        w.make(st_, "clock_offset.accept", "clock_offset", sha,
               {"offset_us": -n * 1000, "confidence": n / 100, "drift_ppm": n / 2, "reference": "r"})
    elif action == "clear":
        w.make(st_, "clock_offset.clear", "clock_offset", sha, {})
    elif action == "sync":
        w.sync(st_, w.stations[(who + 1 + n) % len(w.stations)])


def written(op) -> dict:
    """What an operation sets (the rules, from the payload alone)."""
    p = op.payload
    if op.kind == "clock_offset.clear":
        return {"offset_us": 0, "drift_ppm": 0.0, "source": "clock", "confidence": None}
    if op.kind == "clock_offset.accept":
        return {"offset_us": p["offset_us"], "drift_ppm": p["drift_ppm"], "source": "audio",
                "confidence": p["confidence"]}
    out = {"offset_us": p["offset_us"], "source": "manual", "confidence": None}
    if "drift_ppm" in p:
        out["drift_ppm"] = p["drift_ppm"]
    return out


def replay(lib, ops) -> dict:
    with lib.gov.write() as s:
        for t in TABLES:
            s.execute(delete(t))
    for op in ops:
        assert apply_remote(lib.gov, op, "investigator").status == "applied", op
    return canonical_state(lib)["clock_offset"]


ACTIONS = st.sampled_from(("set", "set", "nudge", "accept", "clear", "sync", "sync"))
STEPS = st.lists(st.tuples(st.integers(0, 2), ACTIONS, st.integers(1, 60)), min_size=1, max_size=12)


@SETTINGS
@given(steps=STEPS, seeds=st.tuples(st.integers(0, 2**32), st.integers(0, 2**32), st.integers(0, 2**32)))
def test_offsets_converge_whatever_the_arrival_order_and_the_latest_writer_wins(lib, ids, steps, seeds):
    w = World(lib.get(ids["cfr_h264"]).sha256, [0, 0, 0])
    for s_ in steps:
        step(w, *s_)
    if not w.all:
        return
    states = [replay(lib, causal_order(w, seed)) for seed in seeds]
    assert states[0] == states[1] == states[2]
    want = {"offset_us": 0, "drift_ppm": 0.0, "source": "clock", "confidence": None}
    for name in FIELDS:
        writers = [o for o in w.all if name in written(o)]
        if writers:
            want[name] = written(max(writers, key=lambda o: o.stamp))[name]
    got = states[0].get(w.sha)
    if got is None:  # nothing ever changed the cleared placement
        assert want == {"offset_us": 0, "drift_ppm": 0.0, "source": "clock", "confidence": None}
    else:
        assert {k: got[k] for k in FIELDS} == want

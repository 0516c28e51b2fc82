"""Through the fault proxy (tests/store/faultproxy.py) the loop meets a dead network, connections cut in the middle
of a request, and answers that come too late (the store stored the batch; the workstation gave up waiting). It
recovers each time, and the store ends with every operation exactly once; a puller under the same faults ends
with the same state."""

from __future__ import annotations

import random
import time

import pytest

from reviewer.annotate.service import Annotations
from reviewer.library.models_ops import OpLogRow, OutboxRow
from reviewer.sync.client import Offline
from reviewer.sync.dump import canonical_state
from tests.sync.test_sync_loop import count, rid, store_ops
from tests.sync.test_sync_thread import wait_for

N = 120


def ours(world, a) -> list[str]:
    return [o["op_id"] for o in store_ops(world) if o["workstation"] == a.lib.gov.workstation]


def exactly_once(world, a) -> None:
    held = ours(world, a)
    assert len(held) == len(set(held)) == count(a.lib, OpLogRow, OpLogRow.origin == "local")


def test_push_and_pull_recover_from_drops_cuts_and_late_answers(world, stations):
    a, b = stations("alice", "carol")
    ann = Annotations(a.lib)
    for i in range(N):
        ann.add_bookmark(rid(a, world.sha["cfr_h264"]), i, f"fault {i}")

    a.proxy.drop()  # nobody answers
    with pytest.raises(Offline):
        a.loop(push_batch=10).sync_once()
    assert count(a.lib, OutboxRow) == N

    a.proxy.passing()
    a.proxy.cut_after(30_000)  # cut in the middle of a request, a few batches in
    with pytest.raises(Offline):
        a.loop(push_batch=10).sync_once()
    assert a.proxy.cuts == 1 and 0 < count(a.lib, OutboxRow) < N
    left = count(a.lib, OutboxRow)

    a.proxy.set_delay(1.5)  # the store gets the batch and stores it; its answer comes after we gave up
    with pytest.raises(Offline):
        a.loop(push_batch=10, timeout=0.5).sync_once()
    assert count(a.lib, OutboxRow) == left  # not recorded as acknowledged, though the store has it
    wait_for(lambda: len(ours(world, a)) == N - left + 10, "the late batch stored")  # though we gave up on it
    a.proxy.passing()
    a.loop(push_batch=10).sync_once()
    assert count(a.lib, OutboxRow) == 0
    exactly_once(world, a)

    b.proxy.cut_after(2_000)  # the puller's request cut
    with pytest.raises(Offline):
        b.loop(pull_page=25).sync_once()
    b.proxy.set_delay(1.5)
    with pytest.raises(Offline):
        b.loop(pull_page=25, timeout=0.5).sync_once()
    b.proxy.passing()
    b.loop(pull_page=25).sync_once()
    assert canonical_state(b.lib)["bookmark"] == canonical_state(a.lib)["bookmark"]


def test_the_running_loop_rides_out_random_faults(world, stations):
    a, b = stations("alice", "carol")
    rng = random.Random(11)
    loops = [w.loop(push_batch=5, pull_page=7, poll_s=0.3, backoff_min=0.05, backoff_max=0.3, timeout=2.0)
             for w in (a, b)]
    for loop in loops:
        loop.start()
    made = []
    try:
        for i in range(40):
            made.append(Annotations(a.lib).add_bookmark(rid(a, world.sha["cfr_h264"]), 10_000 + i, f"storm {i}").id)
            if i % 4 == 0:
                w = rng.choice((a, b))
                fault = rng.choice(("drop", "cut", "delay", "pass"))
                w.proxy.passing()
                if fault == "drop":
                    w.proxy.drop()
                    w.proxy.cut_all()
                elif fault == "cut":
                    w.proxy.cut_after(rng.randrange(200, 20_000))
                elif fault == "delay":
                    w.proxy.set_delay(rng.uniform(0.05, 0.4))
            time.sleep(0.02)  # pace the edits so the faults land on traffic
        for w in (a, b):
            w.proxy.passing()
        for loop in loops:
            loop.wake()
        wait_for(lambda: count(a.lib, OutboxRow) == 0, "a's outbox drained", timeout=120)
        want = {k: v for k, v in canonical_state(a.lib)["bookmark"].items() if k in made}
        assert len(want) == len(made)

        def caught_up():  # b also pulls the store's earlier history on this incident, at its own pace
            theirs = canonical_state(b.lib)["bookmark"]
            return {k: theirs.get(k) for k in made} == want

        wait_for(caught_up, "b caught up", timeout=180)
    finally:
        for loop in loops:
            loop.stop()
    exactly_once(world, a)

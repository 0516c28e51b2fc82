"""The chain detects each kind of tampering: an edit, a deletion, a reordering, and a tail cut after a checkpoint."""

from __future__ import annotations

import copy

from hypothesis import given, strategies as st

from reviewer.govern.audit_chain import GENESIS, Checkpoint, link, verify


def make_chain(n: int) -> list[dict]:
    events, prev = [], GENESIS
    for i in range(1, n + 1):
        ev = link({"event_id": f"e{i}", "at": f"2026-11-22T10:00:{i:02d}Z", "user": "pc1234", "role": "investigator",
                   "workstation": "ws1", "object_type": "recording", "object_id": f"r{i % 3}", "action": "open",
                   "outcome": "ok", "details": {"n": i}, "justification": "complaint"}, prev, i)
        events.append(ev)
        prev = ev["hash"]
    return events


def test_intact_chain_verifies():
    chain = make_chain(20)
    v = verify(chain, [Checkpoint(10, chain[9]["hash"], "t"), Checkpoint(20, chain[19]["hash"], "t")])
    assert v.ok and v.checked == 20


def test_edit_is_detected():
    chain = make_chain(10)
    chain[4]["details"] = {"n": 999}
    v = verify(chain)
    assert not v.ok and v.first_bad_seq == 5 and "edited" in v.problem


def test_edit_with_recomputed_hash_still_breaks_the_next_link():
    chain = make_chain(10)
    forged = link(dict(chain[4], justification="forged"), chain[3]["hash"], 5)
    chain[4] = forged
    v = verify(chain)
    assert not v.ok and v.first_bad_seq == 6


def test_delete_is_detected():
    chain = make_chain(10)
    del chain[6]
    v = verify(chain)
    assert not v.ok and v.first_bad_seq == 8 and "deleted" in v.problem


def test_reorder_is_detected():
    chain = make_chain(10)
    chain[3], chain[4] = chain[4], chain[3]
    v = verify(chain)
    assert not v.ok and v.first_bad_seq == 5


def test_tail_cut_after_checkpoint_is_detected_only_with_the_checkpoint():
    chain = make_chain(12)
    cp = Checkpoint(12, chain[11]["hash"], "2026-11-22T10:01:00Z")
    cut = chain[:9]
    assert verify(cut).ok  # the chain alone cannot see it
    v = verify(cut, [cp])
    assert not v.ok and "cut off" in v.problem


@given(st.integers(min_value=2, max_value=30), st.data())
def test_any_single_field_edit_is_detected(n, data):
    chain = make_chain(n)
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    key = data.draw(st.sampled_from(["user", "action", "object_id", "at", "outcome", "justification"]))
    tampered = copy.deepcopy(chain)
    tampered[i][key] = str(tampered[i][key]) + "x"
    assert not verify(tampered).ok

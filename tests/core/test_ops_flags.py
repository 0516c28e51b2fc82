"""Set wins over a concurrent clear (reviewer/ops/flags.py), checked against a model that knows nothing of
`seen_sets`: three workstations make sets and clears and exchange what they know at random; a flag must be set
exactly when some set happened before no clear (no clear had it in its causal past)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.ops.flags import FlagOp, deciding_clear, discarded, is_set, live_sets

WORKSTATIONS = 3


@dataclass
class Made:
    op: FlagOp
    past: frozenset[str]  # every op the author knew when making it (its causal past)
    author: int


@dataclass
class World:
    ops: list[Made] = field(default_factory=list)
    views: list[set[str]] = field(default_factory=lambda: [{"s0"} for _ in range(WORKSTATIONS)])
    clock: int = 0

    def __post_init__(self):
        self.ops.append(Made(FlagOp("s0", self.stamp(0), True), frozenset(), 0))  # the mark everyone has seen

    def stamp(self, w: int) -> str:
        self.clock += 1
        return f"{self.clock:08d}.{w}"

    def known(self, w: int) -> list[FlagOp]:
        return [m.op for m in self.ops if m.op.op_id in self.views[w]]

    def act(self, step: tuple[str, int, int]) -> None:
        what, w, other = step
        if what == "sync":
            self.views[w] |= self.views[other]
            return
        view = self.known(w)
        op_id = f"{what[0]}{len(self.ops)}"
        if what == "set" and not is_set(view):  # a reinstate is offered only on a cleared flag
            op = FlagOp(op_id, self.stamp(w), True, seen_clears=frozenset(o.op_id for o in view if not o.is_set))
        elif what == "clear" and is_set(view):  # and a clear only on a set one
            op = FlagOp(op_id, self.stamp(w), False, seen_sets=live_sets(view))
        else:
            return
        self.ops.append(Made(op, frozenset(self.views[w]), w))
        self.views[w].add(op_id)


steps = st.lists(st.tuples(st.sampled_from(["set", "clear", "sync"]), st.integers(0, WORKSTATIONS - 1),
                           st.integers(0, WORKSTATIONS - 1)), max_size=30)


def model_is_set(made: list[Made]) -> bool:
    """Set iff some set is in the causal past of no clear."""
    clears = [m for m in made if not m.op.is_set]
    return any(all(m.op.op_id not in c.past for c in clears) for m in made if m.op.is_set)


@settings(max_examples=400, deadline=None)
@given(steps, st.randoms(use_true_random=False))
def test_set_iff_some_set_no_clear_had_seen(script, rnd):
    world = World()
    for step in script:
        world.act(step)
    ops = [m.op for m in world.ops]
    rnd.shuffle(ops)
    assert is_set(ops) == model_is_set(world.ops)
    # every workstation agrees with the model on what it knows, too
    for w in range(WORKSTATIONS):
        assert is_set(world.known(w)) == model_is_set([m for m in world.ops if m.op.op_id in world.views[w]])


@settings(max_examples=200, deadline=None)
@given(steps)
def test_one_workstation_alone_behaves_like_a_plain_flag(script):
    """Without concurrency the rule is invisible: the flag is whatever the last change made it."""
    world = World()
    for what, _w, _o in script:
        world.act((what, 0, 0))
    assert is_set(world.known(0)) == world.ops[-1].op.is_set
    assert discarded([m.op for m in world.ops]) == []


def test_a_clear_that_had_not_seen_a_reinstate_is_discarded():
    s0 = FlagOp("s0", "1", True)
    c1 = FlagOp("c1", "2", False, seen_sets=frozenset({"s0"}))
    s2 = FlagOp("s2", "3", True, seen_clears=frozenset({"c1"}))
    late = FlagOp("c3", "4", False, seen_sets=frozenset({"s0"}))  # B cleared having seen only s0
    ops = [s0, c1, s2, late]
    assert is_set(ops) and discarded(ops) == [(late, s2)]
    assert deciding_clear(ops) is None
    # once someone who has seen s2 clears, the flag is clear and shows that clear, not B's discarded one
    c4 = FlagOp("c4", "5", False, seen_sets=frozenset({"s2"}))
    assert not is_set(ops + [c4]) and deciding_clear(ops + [c4]) == c4


@settings(max_examples=300, deadline=None)
@given(steps, st.randoms(use_true_random=False))
def test_the_clear_a_row_shows_does_not_depend_on_arrival_order(script, rnd):
    world = World()
    for step in script:
        world.act(step)
    ops = [m.op for m in world.ops]
    first = deciding_clear(ops)
    rnd.shuffle(ops)
    assert deciding_clear(ops) == first
    assert sorted(c.op_id for c, _s in discarded(ops)) == sorted(c.op_id for c, _s in discarded(ops[::-1]))

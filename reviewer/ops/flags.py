"""The set-wins rule for flags that protect evidence (evidential marks, legal holds), as pure functions.

A flag's history is a set of operations: sets (mark, hold, reinstate) and clears (clear, release). A clear
carries `seen_sets`, the op_ids of the sets live where it was made; a set carries `seen_clears`, the op_ids of
the clears applied where it was made. The flag is set iff some set is not covered by any clear that saw it.
Everything here is a function of the *set* of operations, never of the order they arrived in, so every
workstation that has applied the same operations holds the same row.

Why set wins: a clear made without knowing of a concurrent mark or hold must not silently remove it; the
evidence stays protected until someone who has seen it clears it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable


@dataclass(frozen=True)
class FlagOp:
    op_id: str
    stamp: str  # hlc.Stamp.key(): a total order, used only to pick whose clear the row shows
    is_set: bool
    seen_sets: frozenset[str] = field(default_factory=frozenset)  # clears: the sets live when it was made
    seen_clears: frozenset[str] = field(default_factory=frozenset)  # sets: the clears applied when it was made


def live_sets(ops: Iterable[FlagOp]) -> frozenset[str]:
    """The sets no clear covers."""
    ops = list(ops)
    covered = frozenset().union(*(o.seen_sets for o in ops if not o.is_set))
    return frozenset(o.op_id for o in ops if o.is_set and o.op_id not in covered)


def is_set(ops: Iterable[FlagOp]) -> bool:
    return bool(live_sets(ops))


def concurrent(clear: FlagOp, s: FlagOp) -> bool:
    """Neither had seen the other: the clear did not cover the set and the set was made without the clear."""
    return s.op_id not in clear.seen_sets and clear.op_id not in s.seen_clears


def discarded(ops: Iterable[FlagOp]) -> list[tuple[FlagOp, FlagOp]]:
    """(clear, the live set it lost to) for each clear that a concurrent, still live set overrides, in stamp
    order of the clears. Empty when the flag is clear."""
    ops = list(ops)
    live = live_sets(ops)
    sets = sorted((o for o in ops if o.op_id in live), key=lambda o: o.stamp)
    out = []
    for c in sorted((o for o in ops if not o.is_set), key=lambda o: o.stamp):
        winner = next((s for s in sets if concurrent(c, s)), None)
        if winner is not None:
            out.append((c, winner))
    return out


def deciding_clear(ops: Iterable[FlagOp]) -> FlagOp | None:
    """When the flag is clear, the clear whose author, time and reason the row shows: the latest by stamp (a
    clear made after seeing another is stamped after it). None when the flag is set or was never cleared."""
    ops = list(ops)
    if is_set(ops):
        return None
    return max((o for o in ops if not o.is_set), key=lambda o: o.stamp, default=None)

"""From pairwise lags to one start per recording: a weighted least-squares solution over the confident pairs,
with the reference recording held where it is. Pairs that disagree with the rest (A-B + B-C != A-C by more than
a tolerance) are dropped one at a time, worst first, and reported; a recording no confident, consistent pair
connects to the reference keeps its clock. ADR 0019.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CONSISTENCY_SECONDS = 0.020  # within a frame at 50 fps: any larger residual is a wrong peak, not noise


@dataclass
class Edge:
    a: str
    b: str
    value: float  # x_b - x_a
    weight: float
    consistent: bool = True
    residual: float | None = None


@dataclass
class Solution:
    values: dict[str, float]  # node -> x (reference and every node connected to it)
    edges: list[Edge] = field(default_factory=list)
    dropped: list[Edge] = field(default_factory=list)


def _component(nodes: list[str], edges: list[Edge], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        n = todo.pop()
        for e in edges:
            for x, y in ((e.a, e.b), (e.b, e.a)):
                if x == n and y not in seen:
                    seen.add(y)
                    todo.append(y)
    return seen


def _least_squares(nodes: list[str], edges: list[Edge], reference: str, ref_value: float) -> dict[str, float]:
    free = [n for n in nodes if n != reference]
    if not free:
        return {reference: ref_value}
    col = {n: i for i, n in enumerate(free)}
    rows, rhs, w = [], [], []
    for e in edges:
        r = np.zeros(len(free))
        v = e.value
        if e.b in col:
            r[col[e.b]] += 1.0
        else:
            v -= ref_value
        if e.a in col:
            r[col[e.a]] -= 1.0
        else:
            v += ref_value
        rows.append(r)
        rhs.append(v)
        w.append(np.sqrt(e.weight))
    A = np.array(rows) * np.array(w)[:, None]
    y = np.array(rhs) * np.array(w)
    x = np.linalg.lstsq(A, y, rcond=None)[0]
    return {reference: ref_value, **{n: float(x[col[n]]) for n in free}}


def _best_tree(edges: list[Edge]) -> list[Edge]:
    """The spanning forest of the most confident pairs (Kruskal on descending weight)."""
    parent: dict[str, str] = {}

    def root(n: str) -> str:
        while parent.setdefault(n, n) != n:
            n = parent[n]
        return n

    tree = []
    for e in sorted(edges, key=lambda e: -e.weight):
        ra, rb = root(e.a), root(e.b)
        if ra != rb:
            parent[ra] = rb
            tree.append(e)
    return tree


def solve(nodes: list[str], edges: list[Edge], reference: str, ref_value: float,
          tolerance: float = CONSISTENCY_SECONDS) -> Solution:
    """x for the reference's component of the graph. The most confident pairs that span it place every node
    first; any other pair that disagrees with that placement by more than `tolerance` is inconsistent (a wrong
    peak) and dropped; the rest are solved together by weighted least squares, and should a cycle still not close,
    its worst-fitting pair is dropped until the rest agree."""
    tree = _best_tree(edges)
    reached = _component(nodes, tree, reference)
    first = _least_squares([n for n in nodes if n in reached], [e for e in tree if e.a in reached], reference,
                           ref_value)
    dropped: list[Edge] = []
    live = list(tree)
    for e in edges:
        if e in tree:
            continue
        if e.a in first and e.b in first and abs((first[e.b] - first[e.a]) - e.value) > tolerance:
            e.consistent, e.residual = False, (first[e.b] - first[e.a]) - e.value
            dropped.append(e)
        else:
            live.append(e)
    while True:
        comp = _component(nodes, live, reference)
        sub = [e for e in live if e.a in comp and e.b in comp]
        x = _least_squares([n for n in nodes if n in comp], sub, reference, ref_value)
        for e in sub:
            e.residual = (x[e.b] - x[e.a]) - e.value
        bad = [e for e in sub if abs(e.residual) > tolerance]
        if not bad:
            return Solution(x, sub, dropped)
        worst = max(bad, key=lambda e: abs(e.residual) * e.weight ** 0.5)
        worst.consistent = False
        live.remove(worst)
        dropped.append(worst)

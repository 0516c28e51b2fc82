"""Three workstations and the store converge whatever the edits, partitions and kills (tests/sync/convergence.py),
on the embedded store and once on PostgreSQL. Bounded: a few runs of 25 to 50 steps each
(SYNC_CONVERGENCE_EXAMPLES=50 for a longer hunt)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.sync.convergence import Convergence

# no shrinking: each step talks to a real store, so shrinking a failure takes many minutes; the failing run is
# printed step by step as it happened
BOUNDS = dict(deadline=None, derandomize=False, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


MIN_STEPS = 25  # hypothesis starts with near-empty runs; every run here should partition, kill and edit


def run(world, template, root, examples: int, steps: int) -> None:
    Convergence.world, Convergence.template, Convergence.root = world, template, root
    # _min_steps: hypothesis' own knob for this (private by name, stable since 5.x)
    run_state_machine_as_test(Convergence, settings=settings(max_examples=examples, stateful_step_count=steps,
                                                             **BOUNDS), _min_steps=MIN_STEPS)


def test_three_workstations_converge(world, template, tmp_path):
    run(world, template, tmp_path, examples=int(os.environ.get("SYNC_CONVERGENCE_EXAMPLES", 5)), steps=50)


def test_three_workstations_converge_on_postgresql(pg_world, clip_paths, tmp_path):
    from tests.sync import world as sw

    template = sw.make_template(tmp_path / "tpl", clip_paths, {pg_world.user(p): r for p, r in sw.PEOPLE.items()})
    run(pg_world, template, tmp_path, examples=2, steps=50)

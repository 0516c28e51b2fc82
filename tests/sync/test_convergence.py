"""Three workstations and the store converge whatever the edits, partitions and kills (tests/sync/convergence.py),
on the embedded store and once on PostgreSQL. Bounded: a few runs of 25 to 50 steps each."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.sync.convergence import Convergence

BOUNDS = dict(deadline=None, derandomize=False, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


MIN_STEPS = 25  # hypothesis starts with near-empty runs; every run here should partition, kill and edit


def run(world, template, root, examples: int, steps: int) -> None:
    Convergence.world, Convergence.template, Convergence.root = world, template, root
    # _min_steps: hypothesis' own knob for this (private by name, stable since 5.x)
    run_state_machine_as_test(Convergence, settings=settings(max_examples=examples, stateful_step_count=steps,
                                                             **BOUNDS), _min_steps=MIN_STEPS)


def test_three_workstations_converge(world, template, tmp_path):
    run(world, template, tmp_path, examples=5, steps=50)


def test_three_workstations_converge_on_postgresql(pg_world, clip_paths, tmp_path):
    from tests.sync import world as sw

    template = sw.make_template(tmp_path / "tpl", clip_paths, [pg_world.user(p) for p in sw.PEOPLE])
    run(pg_world, template, tmp_path, examples=2, steps=50)

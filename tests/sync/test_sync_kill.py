"""kill -9 of a workstation's sync process mid-push (issue 11 s.5): after a restart nothing acknowledged is lost,
and no operation is stored twice. Killed at a random moment of a long push, and at the worst one: right after
the store acknowledged a batch, before the workstation recorded it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reviewer.library.models_ops import OpLogRow, OutboxRow
from tests.sync import world as sw
from tests.sync.test_sync_loop import store_ops

N = 400
BATCH = 10
REPO = Path(__file__).resolve().parents[2]


def worker(world, home: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "SYNC_TOKEN": world.tokens["alice"].access_token}
    return subprocess.Popen([sys.executable, "-m", "tests.sync.kill_worker", str(home), world.user("alice"),
                             world.store.url, "--batch", str(BATCH), *extra], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO, start_new_session=True)


def local(home: Path, world) -> tuple[dict, int]:
    lib = sw.open_as(home, world.user("alice"))
    try:
        with lib.gov.sessions() as s:
            seqs = dict(s.execute(select(OpLogRow.op_id, OpLogRow.store_seq).where(OpLogRow.origin == "local")).all())
            pending = s.scalar(select(func.count()).select_from(OutboxRow))
        return seqs, pending
    finally:
        lib.close()


@pytest.mark.parametrize("when", ["random", "after_ack_before_commit"])
def test_kill_9_mid_push_loses_nothing_acknowledged_and_duplicates_nothing(world, template, tmp_path, when):
    home = sw.copy_library(template, tmp_path / "ws")
    create = ["--create", str(N), "--sha", world.sha["cfr_h264"]]
    if when == "random":
        p = worker(world, home, *create)
        for line in p.stdout:  # a long push under way: some batches acknowledged, most still to go
            if line.startswith("pending ") and 0 < int(line.split()[1]) <= N - 5 * BATCH:
                os.killpg(p.pid, signal.SIGKILL)
                break
    else:
        p = worker(world, home, *create, "--die-at-push", "7")
    p.wait(120)
    assert p.returncode == -signal.SIGKILL, p.stderr.read()[-2000:]

    seqs, pending = local(home, world)
    assert len(seqs) == N and 0 < pending < N
    held = {o["op_id"]: o["seq"] for o in store_ops(world) if o["workstation"] == _workstation(home)}
    acked = {op: seq for op, seq in seqs.items() if seq is not None}
    assert {op: held.get(op) for op in acked} == acked  # every acknowledgement recorded here is in the store
    if when == "after_ack_before_commit":
        assert len(held) == len(acked) + BATCH  # the store holds one batch we never recorded

    again = worker(world, home)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err[-2000:]
    seqs, pending = local(home, world)
    held = [(o["op_id"], o["seq"]) for o in store_ops(world) if o["workstation"] == _workstation(home)]
    assert pending == 0 and len(held) == N and len({op for op, _s in held}) == N  # all of them, each once
    assert dict(held) == seqs  # and the workstation knows each one's place in the store


def _workstation(home: Path) -> str:
    return (home / "workstation_id").read_text().strip()

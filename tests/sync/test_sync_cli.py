"""`reviewer sync run --once` on a library linked to a real store with sign-in's own login: the client comes from
the keyring's refresh token, the change is pushed, the offline grant renewed and the audit chain anchored."""

from __future__ import annotations

import argparse

import pytest

from reviewer import cli_sync_loop
from reviewer.annotate.service import Annotations
from reviewer.sync import link
from tests.store import services
from tests.sync import world as sw
from tests.sync.test_sync_loop import store_ops


def test_sync_run_once_pushes_and_anchors_a_linked_library(world, template, tmp_path):
    name = world.user("erin")
    code = services.add_user(world.store.config, name, "investigator")
    lib = sw.open_as(sw.copy_library(template, tmp_path / "erin"), "sup")
    try:
        link.login(lib, world.store.url, code)
    finally:
        lib.close()
    lib = sw.open_as(tmp_path / "erin", name)  # a linked library acts as its store user
    try:
        assert lib.gov.username == name
        with link.open_client(lib) as http:
            world.ids["erin"] = http.get("/api/v1/auth/me").json()["id"]
        world.assign("erin", "a")
        rec = next(r.id for r in lib.recordings() if r.sha256 == world.sha["cfr_h264"])
        bid = Annotations(lib).add_bookmark(rec, 42, "via the CLI").id
        said: list[str] = []
        assert cli_sync_loop.run(argparse.Namespace(once=True, poll=30.0), lib, out=said.append) == 0
        assert said[0].startswith("sync: pushed 1, pulled ")
        assert bid in {o["entity"]["id"] for o in store_ops(world)}
        checkpoint, _keys = link.store_checkpoint(lib)
        assert checkpoint["seq"] == lib.gov.audit.count()  # the chain as it was at the end of the cycle
        assert lib.gov.audit.events(action="sync.grant")  # renewed at the connection
    finally:
        lib.close()


def test_sync_run_on_a_library_never_linked_says_so(template, tmp_path):
    lib = sw.open_as(sw.copy_library(template, tmp_path / "plain"), "sup")
    try:
        with pytest.raises(link.NotLinked, match="this library is not linked to a store"):
            cli_sync_loop.run(argparse.Namespace(once=True, poll=30.0), lib)
    finally:
        lib.close()


def test_the_sync_run_command_exits_1_with_one_line_on_an_unlinked_library(template, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    home = sw.copy_library(template, tmp_path / "plain-cli")
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "REVIEWER_HOME": str(home), "REVIEWER_USER": "sup",
           "PYTHONPATH": os.pathsep.join([str(repo), os.environ.get("PYTHONPATH", "")])}
    r = subprocess.run([sys.executable, "-m", "reviewer", "sync", "run", "--once"], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        f"reviewer: {home}: this library is not linked to a store (reviewer sync login URL --code CODE)"]

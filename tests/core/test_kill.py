"""Kill test: a child process makes random edits and is killed with SIGKILL at random moments, 50 times.

After every kill: each edit the child acknowledged (it prints an ack line only after the commit returned) is in
the database, PRAGMA integrity_check says ok, and the audit chain (with its checkpoints) verifies.

To keep 50 restarts cheap, a "zygote" process imports everything once and forks a fresh child per round; each
child opens the library itself, exactly as a restarted app would. Run as `python -m tests.core.test_kill
zygote HOME`, it is that zygote.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROUNDS = 50
REPO = Path(__file__).resolve().parents[2]


# ---- the child ----------------------------------------------------------------------------------------------------
def child(home: Path, seed: int, fifo: str) -> None:
    from reviewer.annotate.service import Annotations
    from reviewer.library import Library

    out = open(fifo, "w", buffering=1)
    rng = random.Random(seed)
    lib = Library(home)
    lib.gov.checkpoint_every = 3  # checkpoints often, so some kills land inside a checkpoint append
    ann = Annotations(lib)
    rid = lib.recordings()[0].id
    live = [b.id for b in ann.bookmarks.list(rid)]
    clips = [c.id for c in ann.clips.list(rid) if not c.evidential]
    for n in range(100_000):
        op = rng.choice(["add", "add", "edit", "edit", "delete", "clip", "mark"])
        if op == "edit" and live:
            bid = rng.choice(live)
            b = ann.edit_bookmark(bid, title=f"t{seed}-{n}")
            ack = {"op": "bookmark.update", "id": bid, "rev": b.revision, "title": b.title}
        elif op == "delete" and live:
            bid = live.pop(rng.randrange(len(live)))
            ann.delete_bookmark(bid)
            ack = {"op": "bookmark.delete", "id": bid, "rev": ann.bookmarks.get(bid, include_deleted=True).revision}
        elif op == "clip":
            c = ann.add_clip(rid, n, n + 100, f"c{seed}-{n}", "training")
            clips.append(c.id)
            ack = {"op": "clip.create", "id": c.id, "rev": 1}
        elif op == "mark" and clips:
            m = ann.mark_evidential(rid, f"CR/{seed}/{n}", "kill test", clip_id=clips.pop())
            ack = {"op": "evidential.mark", "id": m.id, "rev": 1}
        else:
            b = ann.add_bookmark(rid, n * 512, f"b{seed}-{n}", note="x" * rng.randrange(2000))
            live.append(b.id)
            ack = {"op": "bookmark.create", "id": b.id, "rev": 1}
        out.write(json.dumps(ack) + "\n")
    os._exit(0)


def zygote(home: Path) -> None:
    """Import everything once (no database opened here), then fork one child per request on stdin."""
    import reviewer.annotate.service  # noqa: F401
    import reviewer.library.library  # noqa: F401

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    for line in sys.stdin:
        seed, fifo = line.split()
        pid = os.fork()
        if pid == 0:
            try:
                child(home, int(seed), fifo)
            finally:
                os._exit(1)
        print(pid, flush=True)


# ---- the test -----------------------------------------------------------------------------------------------------
def check_acknowledged(lib, acks: list[dict]) -> None:
    from reviewer.library.models_govern import Bookmark, Clip, EvidentialMark

    models = {"bookmark": Bookmark, "clip": Clip, "evidential": EvidentialMark}
    with lib.sessions() as s:
        for ack in acks:
            row = s.get(models[ack["op"].split(".")[0]], ack["id"])
            assert row is not None, f"acknowledged {ack} lost"
            assert row.revision >= ack["rev"], f"acknowledged {ack} lost (revision {row.revision})"
            if ack["op"] == "bookmark.update" and row.revision == ack["rev"]:
                assert row.title == ack["title"]
            if ack["op"] == "bookmark.delete":
                assert row.deleted_at is not None
            if ack["op"] == "evidential.mark":
                assert row.cleared_at is None
        audited = {(e.action, e.object_id) for e in lib.gov.audit.events()}
        for ack in acks:
            object_id = ack["id"]
            if ack["op"] == "evidential.mark":
                object_id = s.get(EvidentialMark, ack["id"]).clip_id
            assert (ack["op"], object_id) in audited, f"acknowledged {ack} has no audit event"


@pytest.mark.slow
def test_sigkill_never_loses_an_acknowledged_edit(tmp_path, make_clip, monkeypatch):
    from reviewer.library import Library

    from tests.fixtures.testlib import make_test_library

    monkeypatch.setenv("REVIEWER_USER", "killtest")
    home = make_test_library(tmp_path / "home", "killtest")
    (tmp_path / "src").mkdir()
    footage = tmp_path / "src" / "footage.mp4"
    footage.symlink_to(make_clip("cfr_noaudio").path)
    with Library(home) as lib:
        assert lib.import_paths([footage]).added
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    zyg = subprocess.Popen([sys.executable, "-m", "tests.core.test_kill", "zygote", str(home)], cwd=REPO, env=env,
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    rng = random.Random(20261122)
    acks: list[dict] = []
    lib = Library(home)
    try:
        for rnd in range(ROUNDS):
            fifo = tmp_path / f"acks-{rnd}"
            os.mkfifo(fifo)
            zyg.stdin.write(f"{rnd} {fifo}\n")
            zyg.stdin.flush()
            pid = int(zyg.stdout.readline())
            with open(fifo) as f:  # returns once the child has opened its end
                for _ in range(rng.randrange(0, 7)):  # 0: killed while still starting up
                    line = f.readline()
                    if line:
                        acks.append(json.loads(line))
                os.kill(pid, signal.SIGKILL)
                # lines already in the pipe were acknowledged before the kill; EOF means the child is gone
                acks += [json.loads(x) for x in f.read().splitlines() if x.endswith("}")]
            con = sqlite3.connect(home / "library.sqlite3")
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            con.close()
            verdict = lib.gov.audit.check()
            assert verdict.ok, f"round {rnd}: {verdict.line()}"
            check_acknowledged(lib, acks)
        assert len(acks) > ROUNDS, "the children made too few edits to mean anything"
        assert lib.gov.checkpoints.read()[0], "no checkpoint survived"
    finally:
        lib.close()
        zyg.stdin.close()
        zyg.wait(timeout=30)


if __name__ == "__main__" and sys.argv[1:2] == ["zygote"]:
    zygote(Path(sys.argv[2]))

"""The disclosure log has no gaps (issue 8, section 4).

An export is recorded ("recording.export", outcome "started", with recipient, purpose, output path, output and
manifest hashes) before any of its files gets its final name, and its outcome after. So whatever moment it dies
at, either no finished-looking file exists, or the file exists and its disclosure is in the audit trail. A report
that cannot be written fails the whole export and leaves nothing finished-looking.

The kill test forks exporting children from a zygote (see tests/core/test_kill.py) and SIGKILLs them at random
moments, and at each rename on purpose; run as `python -m tests.core.test_disclosure_log zygote HOME OUT`, it is
that zygote.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reviewer import outputs
from reviewer.export import report
from reviewer.export.pipeline import ExportError
from reviewer.export.service import ExportJob, run_export
from reviewer.library import Library

REPO = Path(__file__).resolve().parents[2]
RANDOM_ROUNDS = 24
# the child kills itself at the n-th rename of an export: before it (the disclosure is recorded, nothing is
# named yet) or just after it (manifest, report, then the video itself)
TARGETED = [("before", 1), ("after", 1), ("after", 2), ("after", 3)]


def job(rid: str, out: Path, report_too: bool = True, **kw) -> ExportJob:
    return ExportJob(rid, out, ranges=((0, 11),), preset="ultrafast", report=report_too, recipient="CPS",
                     purpose="file to the CPS", **kw)


def finished_looking(folder: Path) -> list[Path]:
    """Files with a final name (temp files start with a dot)."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def video_of(p: Path) -> Path:
    for suffix in (".manifest.json", ".report.pdf"):
        if p.name.endswith(suffix):
            return p.with_name(p.name[: -len(suffix)])
    return p


def check_no_gaps(lib: Library, folder: Path) -> int:
    """Every finished-looking file has its "started" disclosure, with the hashes of what is on disk."""
    started = {e.details["output"]: e for e in lib.gov.audit.events(action="recording.export")
               if e.outcome == "started"}
    for p in finished_looking(folder):
        event = started.get(str(video_of(p)))
        assert event is not None, f"{p.name} exists but its disclosure was never recorded"
        assert event.details["recipient"] == "CPS" and event.details["purpose"] == "file to the CPS"
        if p.suffix == ".mp4":
            assert hashlib.sha256(p.read_bytes()).hexdigest() == event.details["output_sha256"], p.name
        if p.name.endswith(".manifest.json"):
            assert json.loads(p.read_text())["manifest_sha256"] == event.details["manifest_sha256"], p.name
    return len(finished_looking(folder))


@pytest.fixture
def recording(home, make_clip, tmp_path):
    src = tmp_path / "in" / "clip.mp4"
    src.parent.mkdir()
    src.symlink_to(make_clip("cfr_noaudio").path)
    with Library(home) as lib:
        yield lib, lib.import_paths([src]).added[0].id


def test_a_report_that_cannot_be_written_fails_the_whole_export(recording, tmp_path, monkeypatch):
    lib, rid = recording
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    def disk_full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(report, "render", disk_full)
    n = lib.gov.audit.count()
    with pytest.raises(ExportError, match="not enough disk space"):
        run_export(lib, job(rid, out_dir / "court.mp4"))
    assert list(out_dir.iterdir()) == [], "no video, manifest, report or temp file is left"
    assert not [e for e in lib.gov.audit.events() if e.seq > n and e.action == "recording.export"]


def test_a_rename_that_fails_after_the_disclosure_records_failed_and_leaves_nothing(recording, tmp_path,
                                                                                      monkeypatch):
    lib, rid = recording
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    real = outputs.publish
    calls = []

    def flaky(tmp, final, overwrite):
        calls.append(final)
        if final.suffix == ".mp4":
            raise OSError(errno.EIO, "Input/output error")
        real(tmp, final, overwrite)

    monkeypatch.setattr(outputs, "publish", flaky)
    with pytest.raises(ExportError):
        run_export(lib, job(rid, out_dir / "court.mp4"))
    assert [p.name for p in calls] == ["court.mp4.manifest.json", "court.mp4.report.pdf", "court.mp4"]
    assert list(out_dir.iterdir()) == [], "the manifest and report already named are removed again"
    events = lib.gov.audit.events(action="recording.export")
    assert [e.outcome for e in events] == ["started", "failed"]
    assert events[1].details["started_seq"] == events[0].seq and "Input/output" in events[1].details["error"]
    assert events[0].details["output"] == str(out_dir / "court.mp4")


def test_a_finished_export_has_its_started_and_ok_events(recording, tmp_path):
    lib, rid = recording
    out = tmp_path / "out" / "court.mp4"
    out.parent.mkdir()
    (res,) = run_export(lib, job(rid, out))
    events = lib.gov.audit.events(action="recording.export")
    assert [e.outcome for e in events] == ["started", "ok"]
    started = events[0].details
    assert started["output_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest() == res.manifest["output"]["sha256"]
    assert started["manifest_sha256"] == res.manifest["manifest_sha256"]
    assert events[1].details == {**started, "started_seq": events[0].seq}
    assert check_no_gaps(lib, out.parent) == 3  # video, manifest, report


# ---- the kill test ------------------------------------------------------------------------------------------------
def child(home: Path, out_dir: Path, seed: int, fifo: str, target: str) -> None:
    lib = Library(home)
    rid = lib.recordings()[0].id
    opened = lib.open_recording(rid, reason="kill test")
    if target != "none":
        when, nth = target.split(":")
        real, count = outputs.publish, [0]

        def publish(tmp, final, overwrite):
            count[0] += 1
            if when == "before" and count[0] == int(nth):
                os.kill(os.getpid(), signal.SIGKILL)
            real(tmp, final, overwrite)
            if when == "after" and count[0] == int(nth):
                os.kill(os.getpid(), signal.SIGKILL)

        outputs.publish = publish
    out = open(fifo, "w", buffering=1)
    out.write("ready\n")
    for n in range(1000):
        run_export(lib, job(rid, out_dir / f"e{seed:03d}-{n:03d}.mp4", report_too=n % 2 == 0), opened=opened)
        out.write(f"{out_dir / f'e{seed:03d}-{n:03d}.mp4'}\n")
    os._exit(0)


def zygote(home: Path, out_dir: Path) -> None:
    import reviewer.export.service  # noqa: F401  (av, cv2, fpdf and the library, imported once)
    import reviewer.library.library  # noqa: F401  (imported before forking, not used here)

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in sys.stdin:
        seed, fifo, target = line.split()
        pid = os.fork()
        if pid == 0:
            try:
                child(home, out_dir, int(seed), fifo, target)
            finally:
                os._exit(1)
        print(pid, flush=True)


@pytest.mark.slow
def test_sigkill_at_any_point_leaves_no_undisclosed_export(recording, home, tmp_path):
    lib, _rid = recording
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    zyg = subprocess.Popen([sys.executable, "-m", "tests.core.test_disclosure_log", "zygote", str(home),
                            str(out_dir)], cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           text=True, bufsize=1)
    rng = random.Random(20261128)
    acked: list[str] = []
    rounds = [f"{w}:{n}" for w, n in TARGETED] + ["none"] * RANDOM_ROUNDS
    try:
        for rnd, target in enumerate(rounds):
            fifo = tmp_path / f"acks-{rnd}"
            os.mkfifo(fifo)
            zyg.stdin.write(f"{rnd} {fifo} {target}\n")
            zyg.stdin.flush()
            pid = int(zyg.stdout.readline())
            with open(fifo) as f:
                assert f.readline() == "ready\n"
                if target == "none":
                    # Let one export finish, then kill anywhere across the next one or two: timed by how long
                    # this one took, so a loaded machine moves the kill with the work instead of missing it.
                    t0 = time.monotonic()
                    first = f.readline()
                    assert first.endswith(".mp4\n"), f"round {rnd}: the child died before its first export"
                    acked.append(first.strip())
                    time.sleep(rng.uniform(0.0, 1.5) * (time.monotonic() - t0))
                    os.kill(pid, signal.SIGKILL)
                acked += [x for x in f.read().splitlines() if x.endswith(".mp4")]  # EOF: the child is gone
            verdict = lib.gov.audit.check()
            assert verdict.ok, f"round {rnd}: {verdict.line()}"
            check_no_gaps(lib, out_dir)
            if target != "none":
                assert not any(Path(a).name.startswith(f"e{rnd:03d}-") for a in acked), "killed in its first export"
        ok = {e.details["output"] for e in lib.gov.audit.events(action="recording.export") if e.outcome == "ok"}
        for path in acked:  # an export that returned has its file and its outcome
            assert Path(path).exists() and path in ok, path
        started = [e for e in lib.gov.audit.events(action="recording.export") if e.outcome == "started"]
        assert len(acked) >= 3 and len(started) > len(ok), "the kills must land inside exports to mean anything"
    finally:
        zyg.stdin.close()
        zyg.wait(timeout=30)


if __name__ == "__main__" and sys.argv[1:2] == ["zygote"]:
    zygote(Path(sys.argv[2]), Path(sys.argv[3]))

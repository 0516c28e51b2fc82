"""The CLI as a user at a terminal meets it: real subprocesses, one line per failure with no traceback (the trace
goes to the library's log), recordings named by id and file name, hostile names that cannot act on the
terminal, --home anywhere, evidential and hold status in `list`, a readable frame rate in `probe`."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from tests.fixtures.testlib import make_test_library

REPO = Path(__file__).resolve().parents[2]
CHILD_PATH = os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), str(REPO)) if p)


@pytest.fixture
def home(fresh_home) -> Path:
    """A test library whose supervisor is "sup", the REVIEWER_USER every command here runs as."""
    return make_test_library(fresh_home, "sup")


def run(home: Path | None, *args: str, code: int = 0, python: str | None = None,
        user: str = "sup") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": CHILD_PATH, "REVIEWER_USER": user}
    env.pop("REVIEWER_HOME", None)
    if home is not None:
        env["REVIEWER_HOME"] = str(home)
    cmd = [sys.executable, "-c", python, *args] if python else [sys.executable, "-m", "reviewer", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180)
    assert out.returncode == code, (args, out.stdout, out.stderr)
    return out


def one_line(out: subprocess.CompletedProcess) -> str:
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert lines[0].startswith("reviewer: ")
    return lines[0]


@pytest.fixture
def clip(make_clip, tmp_path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    p = folder / "bwv.mp4"
    p.symlink_to(make_clip("cfr_noaudio").path)
    return p


# ---- no traceback reaches a user -------------------------------------------------------------------------------
BUG_IN_A_COMMAND = ("import sys; import reviewer.cli as cli\n"
                    "def boom(args): raise KeyError('bookmark_index')\n"
                    "cli.COMMANDS['list'] = boom\n"
                    "sys.exit(cli.main(sys.argv[1:]))")


def test_unexpected_error_is_one_line_and_the_trace_goes_to_a_private_log(home):
    out = run(home, "list", code=1, python=BUG_IN_A_COMMAND)
    log = home / "logs" / "reviewer.log"
    assert one_line(out) == f"reviewer: unexpected error (KeyError: 'bookmark_index'); details are in {log}"
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "def boom" not in text and "KeyError" in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700


BUG_IN_IMPORT = ("import sys; import reviewer.library.ingest as ingest\n"
                 "def probe(*a, **k): raise ZeroDivisionError('division by zero')\n"
                 "ingest.probe = probe\n"
                 "from reviewer.cli import main; sys.exit(main(sys.argv[1:]))")


def test_a_logged_import_failure_does_not_print_its_trace(home, clip):
    # Today the ingest's log.exception reaches stderr through logging's last-resort handler, trace and all.
    out = run(home, "import", str(clip), code=1, python=BUG_IN_IMPORT)
    assert one_line(out) == (f"reviewer: {clip}: unexpected error during import "
                             "(ZeroDivisionError('division by zero'))")
    assert "ZeroDivisionError: division by zero" in (home / "logs" / "reviewer.log").read_text()


def test_errors_name_the_recording_not_the_store_path(home, clip):
    rid = run(home, "import", str(clip)).stdout.strip()
    out = run(home, "frame", rid[:8], "100000", "-o", str(home.parent / "f.png"), code=1)
    assert one_line(out) == (f"reviewer: recording {rid[:8]} (bwv.mp4): frame 100000 does not exist: frames are "
                             "numbered 0 to 149")
    original = next((home / "originals").rglob("*.mp4"))
    original.chmod(0o644)
    original.write_bytes(original.read_bytes()[:-1] + b"\0")
    line = one_line(run(home, "probe", rid, code=1))
    assert line.startswith(f"reviewer: recording {rid[:8]} (bwv.mp4): integrity check failed: expected SHA-256 ")
    assert "originals" not in line


# ---- hostile names ---------------------------------------------------------------------------------------------
def test_control_characters_in_names_cannot_act_on_the_terminal(home, clip):
    hostile = clip.parent / "a\nb\x1b]0;owned\x07\x1b[2J\u202ec.mp4"
    hostile.symlink_to(clip.resolve())
    rid = run(home, "import", str(hostile), "--incident", "INC-1").stdout.strip()
    listed = run(home, "list").stdout
    assert listed.count("\n") == 1 and "\x1b" not in listed and "\x07" not in listed and "\u202e" not in listed
    assert listed.rstrip("\n").endswith("a\\nb\\x1b]0;owned\\x07\\x1b[2J\\u202ec.mp4") and listed.startswith(rid[:8])
    dup = one_line(run(home, "import", str(hostile)))  # a duplicate: a notice, still exit 0
    assert "\x1b" not in dup and "a b\\x1b]0;owned" in dup  # one-line messages fold whitespace runs
    missing = one_line(run(home, "probe", str(clip.parent / "gone\x1b[31m.mp4"), code=1))
    assert missing.endswith("gone\\x1b[31m.mp4: file not found")
    probed = run(home, "probe", rid).stdout
    assert "\x1b" not in probed and "file_name: a\\nb\\x1b]0;owned" in probed
    assert json.loads(run(home, "list", "--json").stdout)[0]["file_name"] == hostile.name  # JSON stays exact


def test_govern_listings_escape_titles_and_notes(home, clip):
    rid = run(home, "import", str(clip)).stdout.strip()
    run(home, "bookmark", "add", rid, "--frame", "3", "--title", "door\x1b[8m hidden", "--note", "x\u009b2Jy")
    text = run(home, "bookmark", "list").stdout
    assert "\x1b" not in text and "door\\x1b[8m hidden" in text
    raw = run(home, "bookmark", "list", "--json").stdout
    assert "\x1b" not in raw and "\x9b" not in raw
    assert json.loads(raw)[0]["title"] == "door\x1b[8m hidden" and json.loads(raw)[0]["note"] == "x\u009b2Jy"


# ---- --home, list, probe ---------------------------------------------------------------------------------------
def test_home_is_accepted_after_the_subcommand(home, clip, tmp_path):
    rid = run(None, "import", str(clip), "--home", str(home)).stdout.strip()
    assert run(None, "list", "--json", "--home", str(home)).stdout.count(rid) == 1
    assert run(None, "audit", "verify", "--home", str(home)).returncode == 0  # a nested subcommand too
    # the top-level form still works, and an explicit --home after the command wins over REVIEWER_HOME
    assert rid[:8] in run(None, "--home", str(home), "list").stdout
    assert rid[:8] in run(tmp_path / "elsewhere", "list", "--home", str(home)).stdout


def test_list_shows_evidential_and_hold_status(home, clip, make_clip):
    other = clip.parent / "other.mp4"
    other.symlink_to(make_clip("offset_mkv").path)
    rid, oid = run(home, "import", str(clip), str(other)).stdout.split()
    run(home, "evidential", "mark", rid, "--reference", "CR-1", "--reason", "assault")
    run(home, "hold", "set", rid, "--reason", "civil claim")
    rows = {r["id"]: r for r in json.loads(run(home, "list", "--json").stdout)}
    assert (rows[rid]["evidential"], rows[rid]["legal_hold"]) == (True, True)
    assert (rows[oid]["evidential"], rows[oid]["legal_hold"]) == (False, False)
    lines = {line[:8]: line for line in run(home, "list").stdout.splitlines()}
    assert " evidential,hold " in lines[rid[:8]] and " evidential" not in lines[oid[:8]]


def ntsc_clip(path: Path, frames: int = 30) -> Path:
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=Fraction(30000, 1001))
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for i in range(frames):
            f = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 8, np.uint8), format="rgb24")
            f.pts = i
            for p in s.encode(f):
                out.mux(p)
        for p in s.encode(None):
            out.mux(p)
    return path


def test_probe_rounds_the_average_frame_rate(home, tmp_path):
    clip = ntsc_clip(tmp_path / "ntsc.mp4")
    text = run(home, "probe", str(clip)).stdout
    assert "       average_fps: 29.97\n" in text
    assert json.loads(run(home, "probe", str(clip), "--json").stdout)["average_fps"] == 29.97


def test_the_documented_benchmark_media_command_finds_the_generator(tmp_path):
    # `python bench/_clip.py` puts bench/ (not the repository root) first on sys.path; building the media takes
    # minutes, so this runs the script's module code that way and then imports what clip_1080() imports.
    code = ("import runpy, sys; sys.path[0] = sys.argv[1]; runpy.run_path(sys.argv[2], run_name='bench_clip'); "
            "from tests.fixtures import clips; print(clips.encode.__name__)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code, str(REPO / "bench"), str(REPO / "bench" / "_clip.py")],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert (out.returncode, out.stdout) == (0, "encode\n"), out.stderr


def test_a_command_module_that_fails_to_load_is_one_line_too(home):
    code = ("import sys; import reviewer.cli as cli; cli.FEATURE_MODULES.append('reviewer.cli_missing'); "
            "sys.exit(cli.main(sys.argv[1:]))")
    out = run(home, "list", code=1, python=code)
    assert one_line(out) == ("reviewer: unexpected error (ModuleNotFoundError: No module named "
                             f"'reviewer.cli_missing'); details are in {home / 'logs' / 'reviewer.log'}")

"""The CLI as scripts use it: a real subprocess, a real library, Debian's ffprobe as the independent oracle."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from tests.fixtures import framecode
from tests.fixtures.clips import ALL_CLIPS
from tests.fixtures.testlib import make_test_library


def run(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "REVIEWER_HOME": str(home)}
    out = subprocess.run([sys.executable, "-m", "reviewer", *args], capture_output=True, text=True, env=env,
                         timeout=120)
    if check:
        assert out.returncode == 0, out.stderr
    return out


def ffprobe_frames(path: Path) -> list[dict]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts,key_frame", "-of", "json",
         str(path)], capture_output=True, text=True, check=True).stdout
    return [f for f in json.loads(out)["frames"] if "pts" in f]


def one_error_line(out: subprocess.CompletedProcess, names: str) -> str:
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert names in lines[0] and "Traceback" not in out.stderr
    return lines[0]


@pytest.fixture
def src(tmp_path, make_clip) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    for name in ("cfr_h264", "vfr_h264", "offset_mkv"):
        clip = make_clip(name)
        (folder / clip.path.name).symlink_to(clip.path)
    return folder


def test_import_list_and_probe_by_id(home, src):
    (src / "vfr_h264.json").write_text(json.dumps({"officer_id": "PC 1", "start_time": "2024-05-01T10:00:00Z"}))
    out = run(home, "import", str(src / "cfr_h264.mp4"), str(src / "vfr_h264.mp4"), "--incident", "INC-9")
    ids = out.stdout.split()
    assert len(ids) == 2 and out.stderr == ""

    listed = json.loads(run(home, "list", "--json").stdout)
    assert [r["id"] for r in listed] == [ids[1], ids[0]]  # the one with a known camera start first
    assert {r["incident_ref"] for r in listed} == {"INC-9"}
    assert listed[0]["officer_id"] == "PC 1" and listed[0]["camera_start"] == "2024-05-01T10:00:00+00:00"
    assert "cfr_h264.mp4" in run(home, "list").stdout

    dup = run(home, "import", str(src / "cfr_h264.mp4"), check=False)
    assert dup.returncode == 0 and dup.stdout == "" and ids[0] in dup.stderr

    probe = json.loads(run(home, "probe", ids[1][:8], "--json").stdout)
    assert probe["id"] == ids[1] and probe["start_time"] == "2024-05-01T10:00:00+00:00"
    assert probe["frame_count"] == len(probe["frame_pts"]) == 300 and probe["time_base"] == "1/90000"
    assert probe["has_audio"] is True and probe["codec"] == "h264"


def test_import_reports_failures_and_exits_non_zero(home, src, tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("not video")
    out = run(home, "import", str(bad), str(src / "offset_mkv.mkv"), check=False)
    assert out.returncode == 1
    assert len(out.stdout.split()) == 1  # the good file still came in
    one_error_line(out, str(bad))


@pytest.mark.parametrize("name", ALL_CLIPS)
def test_probe_frame_table_matches_ffprobe(name, make_clip, home, tmp_path):
    clip = make_clip(name)
    out = json.loads(run(home, "probe", str(clip.path), "--json").stdout)
    frames = ffprobe_frames(clip.path)
    assert out["frame_pts"] == [f["pts"] for f in frames]
    keys = set(out["keyframes"])
    assert keys and keys <= {i for i, f in enumerate(frames) if f["key_frame"]}
    assert out["frame_count"] == clip.frames
    assert (out["width"], out["height"]) == (clip.width, clip.height)
    assert out["has_audio"] == clip.has_audio
    num, den = out["time_base"].split("/")
    assert int(num) > 0 and int(den) > 0
    assert len(out["sha256"]) == 64 and out["duration"] > 0 and "start_time" in out


@pytest.mark.parametrize("name, indices", [
    ("cfr_h264", [0, 60, 299]),  # first, a keyframe after a GOP boundary, last
    ("vfr_h264", [150]),
    ("editlist", [0]),  # first presented frame is not a keyframe
    ("hevc_open_gop", [33]),  # a leading picture of an open GOP
])
def test_frame_writes_the_exact_picture(name, indices, make_clip, home, tmp_path):
    clip = make_clip(name)
    for n in indices:
        png = tmp_path / f"{name}_{n}.png"
        run(home, "frame", str(clip.path), str(n), "-o", str(png))
        bgr = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
        assert bgr.shape == (clip.height, clip.width, 3)
        assert framecode.read(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)) == clip.first_code + n


def test_frame_by_library_id_and_home_option(home, src, tmp_path):
    other = make_test_library(tmp_path / "other_home")
    rid = run(home, "--home", str(other), "import", str(src / "offset_mkv.mkv")).stdout.strip()
    assert json.loads(run(home, "list", "--json").stdout) == [], "--home must override REVIEWER_HOME"
    png = tmp_path / "out" / "f.png"
    run(home, "--home", str(other), "frame", rid, "199", "-o", str(png), "--make-dirs")
    assert framecode.read(cv2.cvtColor(cv2.imread(str(png)), cv2.COLOR_BGR2RGB)) == 199


def test_failures_are_one_line_naming_the_file(home, make_clip, tmp_path):
    missing = tmp_path / "nowhere.mp4"
    one_error_line(run(home, "probe", str(missing), "--json", check=False), str(missing))

    clip = make_clip("cfr_noaudio")
    line = one_error_line(run(home, "frame", str(clip.path), "150", "-o", str(tmp_path / "x.png"), check=False),
                          str(clip.path))
    assert "0 to 149" in line
    assert not (tmp_path / "x.png").exists()

    text = tmp_path / "readme.txt"
    text.write_text("hello")
    one_error_line(run(home, "probe", str(text), check=False), str(text))
    one_error_line(run(home, "probe", "0badc0de", check=False), "0badc0de")


def test_without_a_command_it_launches_the_app_or_says_why_not(home):
    code = ("import sys; sys.modules['ui'] = None; from reviewer.cli import main; sys.exit(main([]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "REVIEWER_HOME": str(home)})
    assert out.returncode == 1
    assert out.stderr.startswith("reviewer: the desktop app cannot start") and len(out.stderr.splitlines()) == 1

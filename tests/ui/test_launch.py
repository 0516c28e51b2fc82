"""`bwv-reviewer FILE`: the file is imported (in the background) and opened at the asked frame, which is what
"Open with BWV Reviewer" does; a recording that is not there is a one-line error, not a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from tests.fixtures import framecode

pytestmark = [pytest.mark.gui, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def launch(home: Path, cwd: Path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "REVIEWER_HOME": str(home), "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "ui.launch", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def test_a_file_on_the_command_line_is_imported_and_shown_at_the_frame(home, make_clip, tmp_path):
    clip = make_clip("cfr_h264")
    shot = tmp_path / "shot.png"
    p = launch(home, clip.path.parent, clip.path.name, "--frame", 21, "--reason", "test", "--screenshot", shot)
    assert p.returncode == 0, p.stderr
    info = json.loads(Path(str(shot) + ".json").read_text())
    x, y, w, h = info["frame_rect"]
    img = cv2.imread(str(shot))[..., ::-1]
    assert framecode.read(img[y:y + h, x:x + w], width=clip.width) == clip.first_code + 21
    listed = subprocess.run([sys.executable, "-m", "reviewer", "list", "--json"], capture_output=True, text=True,
                            env={**os.environ, "REVIEWER_HOME": str(home), "PYTHONPATH": str(ROOT)}, check=True)
    assert [r["file_name"] for r in json.loads(listed.stdout)] == [clip.path.name]  # imported into the library


def test_an_unknown_recording_is_a_one_line_error(home, tmp_path):
    p = launch(home, tmp_path, "deadbeef", "--screenshot", tmp_path / "x.png")
    assert p.returncode == 1
    errors = [line for line in p.stderr.splitlines() if line.startswith("bwv-reviewer:")]
    assert len(errors) == 1 and "deadbeef" in errors[0] and "Traceback" not in p.stderr

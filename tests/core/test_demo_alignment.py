"""The first-run demo's second camera has a clock 6.28 s fast; both cameras hear the same street sounds, so
`reviewer incident align` on the demo incident finds the true offset within one frame (issue 13, Done means).

The pictures do not matter to alignment, and rendering the street costs minutes: each recording is written here
with the demo's own soundtrack, sidecar and clock but a small plain picture, and imported as the first run does."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from reviewer.demo.footage import DEMO_INCIDENT, FPS, demo_recordings, sidecar_for, sidecar_json, soundtrack
from reviewer.demo.sound import RATE
from reviewer.govern.identity import USER_ENV
from reviewer.library import Library
from tests.fixtures.testlib import make_test_library

FRAME = 1 / FPS


def write_sound_only(rec, folder: Path) -> Path:
    """The recording as the demo makes it, but with a 64x36 grey picture: same frames, sound, tag and sidecar."""
    path = folder / rec.file_name
    samples = soundtrack(rec)
    with av.open(str(path), "w", format="mp4") as out:
        out.metadata["creation_time"] = rec.camera_start.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        vs = out.add_stream("libx264", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = 64, 36, "yuv420p"
        vs.options = {"preset": "ultrafast"}
        aus = out.add_stream("aac", rate=RATE)
        aus.layout = "mono"
        grey = np.full((36, 64, 3), 96, np.uint8)
        for i in range(rec.frame_count):
            vf = av.VideoFrame.from_ndarray(grey, format="rgb24")
            vf.pts, vf.time_base = i, Fraction(1, FPS)
            out.mux(vs.encode(vf))
        out.mux(vs.encode(None))
        for a in range(0, samples.size, 1024):
            af = av.AudioFrame.from_ndarray(samples[a:a + 1024].reshape(1, -1), format="fltp", layout="mono")
            af.sample_rate, af.pts, af.time_base = RATE, a, Fraction(1, RATE)
            out.mux(aus.encode(af))
        out.mux(aus.encode(None))
    sidecar_for(path).write_text(sidecar_json(rec))
    return path


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo-align")
    home = make_test_library(root / "home", "sup")
    when = dt.datetime(2026, 11, 28, 14, 37, 5, tzinfo=dt.timezone.utc)  # as a first run dates it: yesterday
    recs = demo_recordings(incident_start=when)
    (root / "src").mkdir()
    files = [write_sound_only(r, root / "src") for r in recs]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(USER_ENV, "sup")
        with Library(home) as lib:
            assert not lib.import_paths(files).errors
    return home, recs


def incident(home, *args) -> dict:
    p = subprocess.run([sys.executable, "-m", "reviewer", "incident", *args, DEMO_INCIDENT, "--json"],
                       capture_output=True, text=True, timeout=300,
                       env={**os.environ, "REVIEWER_HOME": str(home), USER_ENV: "sup"})
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_the_demo_cameras_disagree_by_their_clock_until_aligned_by_sound_within_a_frame(demo_home):
    home, recs = demo_home
    first, second = recs
    assert second.clock_error == pytest.approx(6.28)
    shown = {r["file_name"]: r for r in incident(home, "show")["recordings"]}
    # by their own clocks the second camera started 42.28 s after the first; truly 36 s
    assert shown[second.file_name]["start"] - shown[first.file_name]["start"] == pytest.approx(42.28, abs=1e-3)

    proposal = incident(home, "align", "--accept")
    assert {r["status"] for r in proposal["recordings"]} == {"reference", "aligned"}, proposal
    aligned = {r["file_name"]: r for r in incident(home, "show")["recordings"]}
    gap = aligned[second.file_name]["start"] - aligned[first.file_name]["start"]
    assert abs(gap - (second.offset - first.offset)) < FRAME, gap

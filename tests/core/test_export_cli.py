"""The export workflow from the command line: masks in, redacted copy + manifest + report out, verify."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import av

from tests.fixtures import framecode
from tests.fixtures.testlib import make_test_library

ROOT = Path(__file__).resolve().parents[2]


def cli(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "REVIEWER_HOME": str(home)}
    p = subprocess.run([sys.executable, "-m", "reviewer", *args], capture_output=True, text=True, env=env, cwd=ROOT)
    if check and p.returncode:
        raise AssertionError(f"reviewer {' '.join(args)} failed: {p.stderr}")
    return p


def test_masks_roundtrip_export_and_verify(home, make_clip, tmp_path):
    src = tmp_path / "in" / "clip.mp4"
    src.parent.mkdir()
    shutil.copy(make_clip("cfr_h264").path, src)
    rid = cli(home, "import", str(src)).stdout.strip()
    probe = json.loads(cli(home, "probe", rid, "--json").stdout)
    x, y, w, h = framecode.code_rect(probe["width"])
    pts = probe["frame_pts"]
    masks = {"tracks": [{"kind": "rect", "effect": {"kind": "solid"}, "reason": "personal data", "label": "code",
                         "keyframes": [{"pts": pts[0], "points": [[x, y], [x + w, y + h]]},
                                       {"pts": pts[-1], "points": [[x, y], [x + w, y + h]]}]}],
             "audio": [{"start_pts": pts[30], "end_pts": pts[60], "mode": "mute", "reason": "address"}]}
    mfile = tmp_path / "masks.json"
    mfile.write_text(json.dumps(masks))
    assert "imported 2" in cli(home, "masks", "import", rid, str(mfile)).stdout
    exported = json.loads(cli(home, "masks", "export", rid).stdout)
    assert exported["tracks"][0]["label"] == "code" and exported["audio"][0]["mode"] == "mute"

    frame = tmp_path / "f.png"
    cli(home, "frame", rid, "40", "--redacted", "-o", str(frame))
    import cv2

    assert framecode.read(cv2.cvtColor(cv2.imread(str(frame)), cv2.COLOR_BGR2RGB)) is None
    cli(home, "frame", rid, "40", "-o", str(frame), "--overwrite")
    assert framecode.read(cv2.cvtColor(cv2.imread(str(frame)), cv2.COLOR_BGR2RGB)) == 40

    out = tmp_path / "exports" / "court.mp4"
    res = json.loads(cli(home, "export", rid, "--out", str(out), "--range", "10:120", "--recipient", "CPS",
                         "--purpose", "court", "--overlay", "banner", "--json", "--make-dirs").stdout)
    assert res["frames"] == 111 and res["leak_check"]["passed"]
    assert Path(str(out) + ".manifest.json").exists() and Path(str(out) + ".report.pdf").exists()
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.name == "h264" and c.streams.audio[0].codec_context.name == "aac"
    assert cli(home, "verify", str(out)).returncode == 0
    data = bytearray(out.read_bytes())
    data[-100] ^= 0xFF
    out.write_bytes(bytes(data))
    bad = cli(home, "verify", str(out), check=False)
    assert bad.returncode == 1 and "SHA-256" in bad.stderr

    sep = cli(home, "export", rid, "--out", str(tmp_path / "x" / "clips.mp4"), "--range", "0:29", "--range",
              "100:129", "--separate", "--no-report", "--json", "--make-dirs").stdout.strip().splitlines()
    assert [json.loads(s)["frames"] for s in sep] == [30, 30]


def test_bad_mask_file_is_a_clear_error(home, make_clip, tmp_path):
    src = tmp_path / "in" / "clip.mp4"
    src.parent.mkdir()
    shutil.copy(make_clip("cfr_noaudio").path, src)
    rid = cli(home, "import", str(src)).stdout.strip()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    p = cli(home, "masks", "import", rid, str(bad), check=False)
    assert p.returncode == 1 and "bad.json" in p.stderr and "not valid JSON" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    bad.write_text(json.dumps({"tracks": [{"kind": "hexagon", "keyframes": []}]}))
    p = cli(home, "masks", "import", rid, str(bad), check=False)
    assert p.returncode == 1 and "not a valid mask file" in p.stderr


def test_trainer_exports_only_redacted_copies_and_every_export_is_logged(fresh_home, make_clip, tmp_path):
    home = make_test_library(fresh_home, "sgt_supervisor")
    src = tmp_path / "in" / "clip.mp4"
    src.parent.mkdir()
    shutil.copy(make_clip("cfr_noaudio").path, src)
    sup = {"REVIEWER_USER": "sgt_supervisor"}
    trainer = {"REVIEWER_USER": "pc_trainer"}

    def as_user(env, *args, check=True):
        e = {**os.environ, "REVIEWER_HOME": str(home), **env}
        p = subprocess.run([sys.executable, "-m", "reviewer", *args], capture_output=True, text=True, env=e, cwd=ROOT)
        if check and p.returncode:
            raise AssertionError(p.stderr)
        return p

    rid = as_user(sup, "import", str(src)).stdout.strip()  # first user: supervisor
    as_user(sup, "user", "set-role", "pc_trainer", "trainer")
    refused = as_user(trainer, "export", rid, "--out", str(tmp_path / "t.mp4"), "--recipient", "academy",
                      "--purpose", "course", check=False)
    assert refused.returncode != 0 and "permission denied" in refused.stderr
    assert not (tmp_path / "t.mp4").exists()

    masks = tmp_path / "m.json"
    pts0 = json.loads(as_user(sup, "probe", rid, "--json").stdout)["frame_pts"][0]
    masks.write_text(json.dumps({"tracks": [{"kind": "rect", "reason": "third-party face",
                                             "keyframes": [{"pts": pts0, "points": [[0, 0], [50, 50]]}]}]}))
    as_user(trainer, "masks", "import", rid, str(masks))
    unapproved = as_user(trainer, "export", rid, "--out", str(tmp_path / "t.mp4"), "--recipient", "academy",
                         "--purpose", "course", "--no-report", check=False)
    assert unapproved.returncode == 1 and "a trainer may only export a mask set approved" in unapproved.stderr
    assert not (tmp_path / "t.mp4").exists()
    as_user(sup, "masks", "approve", rid)
    as_user(trainer, "export", rid, "--out", str(tmp_path / "t.mp4"), "--recipient", "academy",
            "--purpose", "course", "--no-report")
    log = json.loads(as_user(sup, "audit", "export", "--format", "json").stdout)
    events = log if isinstance(log, list) else log["events"]
    exports = [e for e in events if e["action"] == "recording.export"]
    assert [(e["user"], e["outcome"]) for e in exports] == [("pc_trainer", "started"), ("pc_trainer", "ok")]
    assert exports[0]["details"]["recipient"] == "academy" and exports[0]["justification"] == "course"
    refusals = [e for e in events if e["outcome"] == "refused"]
    assert refusals and refusals[0]["user"] == "pc_trainer"
    assert as_user(sup, "audit", "verify").returncode == 0


def test_export_a_named_clip_with_bookmarks_in_the_report(home, make_clip, tmp_path):
    import subprocess as sp

    src = tmp_path / "in" / "clip.mp4"
    src.parent.mkdir()
    shutil.copy(make_clip("cfr_h264").path, src)
    rid = cli(home, "import", str(src)).stdout.strip()
    cli(home, "clip", "add", rid, "--in", "30", "--out", "89", "--name", "approach", "--purpose", "disclosure")
    cli(home, "bookmark", "add", rid, "--frame", "45", "--title", "Door opens")
    cli(home, "bookmark", "add", rid, "--frame", "200", "--title", "Outside the clip")
    out = tmp_path / "e" / "clip.mp4"
    res = json.loads(cli(home, "export", rid, "--out", str(out), "--clip", "approach", "--recipient", "CPS",
                         "--purpose", "court", "--json", "--make-dirs").stdout)
    assert res["frames"] == 60
    text = sp.run(["pdftotext", str(out) + ".report.pdf", "-"], capture_output=True, text=True, check=True).stdout
    assert "Door opens" in text and "Outside the clip" not in text
    bad = cli(home, "export", rid, "--out", str(out), "--clip", "nope", check=False)
    assert bad.returncode == 1 and "no such clip" in bad.stderr and "approach" in bad.stderr

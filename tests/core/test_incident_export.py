"""Incident exports (issue 13 s.4): a synchronised composite whose every tile shows, by its burned-in frame code,
the exact frame the incident clock (and the scene's ground truth) says; each source redacted by its own masks;
a manifest with every source's hash, offset and range; a leak check that names the camera and frame of a tile left
unredacted; separate exports aligned to the interval; the approval rules per source."""

from __future__ import annotations

import bisect
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from reviewer.errors import ReviewerError
from reviewer.export import incident_export
from reviewer.export.composite_plan import TileSpec
from reviewer.export.composite_tiles import NO_FOOTAGE, draw_label
from reviewer.export.incident_export import IncidentExportJob, run_incident_export
from reviewer.export.leakcheck import LeakDetected
from reviewer.export.manifest import verify
from reviewer.govern.identity import USER_ENV
from reviewer.govern.roles import PermissionDenied, Role
from reviewer.incident.service import IncidentClocks
from reviewer.library import Library
from reviewer.library.originals import sha256_file
from reviewer.media.timecode import format_camera_time
from reviewer.redact.planes import Planes
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskTrack, PtsRange, ShapeKind
from reviewer.redact.store import MaskStore
from tests.core.test_govern_support import user_with_role
from tests.fixtures import framecode, scenes
from tests.fixtures.testlib import make_test_library

SCENE = scenes.STREET
INCIDENT = "INC-EXPORT-1"
CAMS = {f"{c.name}.mp4": c for c in SCENE.cameras}
MASK_BOX = ((120.0, 40.0), (230.0, 120.0))  # on pc-b: the yellow square's lane, clear of the frame code


def true_frame(cam: scenes.Camera, world: float) -> int | None:
    pts, tb = scenes.frame_pts(cam)
    media = cam.media_time(world)
    if media < 0 or media >= cam.seconds:
        return None
    return bisect.bisect_right([p * tb for p in pts], media) - 1


def world_of(t: float) -> float:
    return t + min(c.true_start + c.clock_error for c in SCENE.cameras)


@pytest.fixture(scope="module")
def template(tmp_path_factory, clip_dir) -> tuple[Path, dict[str, str]]:
    """A library holding the four cameras at their true offsets; masks on pc-b and a mute on pc-a's sound."""
    root = tmp_path_factory.mktemp("incident-export")
    paths = scenes.render(SCENE, clip_dir / "scenes")
    home = make_test_library(root / "home", "sup")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(USER_ENV, "sup")
        with Library(home) as lib:
            report = lib.import_paths(list(paths.values()), incident=INCIDENT)
            assert not report.errors, report.errors
            clocks = IncidentClocks(lib)
            ids = {}
            for p in clocks.clock(INCIDENT).placements:
                cam = CAMS[p.file_name]
                ids[cam.name] = p.recording_id
                clocks.set_offset(p.recording_id, int(round(-cam.clock_error * 1e6)), drift_ppm=cam.drift_ppm)
            table = lib.open_recording(ids["pc-b"], reason="setup").table
            MaskStore(lib).save_track(ids["pc-b"], MaskTrack(
                ShapeKind.RECT, (Keyframe(int(table.pts[0]), MASK_BOX),), Effect(EffectKind.SOLID),
                label="bystander", reason="third-party face"))
            a = lib.open_recording(ids["pc-a"], reason="setup").table
            MaskStore(lib).save_range(ids["pc-a"], "audio", PtsRange(int(a.pts[200]), int(a.pts[220]), "address",
                                                                      "mute"))
    return home, ids


@pytest.fixture
def lib(template, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(template[0], home, symlinks=True)
    monkeypatch.setenv(USER_ENV, "sup")
    monkeypatch.setenv("REVIEWER_HOME", str(home))
    with Library(home) as lib:
        yield lib


@pytest.fixture
def ids(template) -> dict[str, str]:
    return template[1]


def label_strip(shape, source: dict, camera: str, text: str) -> np.ndarray:
    """The label strip of `source`'s tile as draw_label() sets `text` after `camera`, in RGB."""
    height, width = shape[:2]
    x, y, w, h = source["label"]
    canvas = Planes.from_buffer(np.zeros(width * height * 3 // 2, np.uint8), width, height)
    spec = TileSpec(source["sha256"], source["recording_id"], camera, None, tuple(source["tile"]),
                    tuple(source["picture"]), (x, y, w, h))
    draw_label(canvas, spec, text)
    return canvas.to_rgb()[y:y + h, x:x + w].astype(int)


def closer_to(strip: np.ndarray, right: np.ndarray, wrong: np.ndarray) -> bool:
    """Where the two candidate labels differ, the decoded strip is far nearer the right one."""
    differ = np.abs(right - wrong).max(axis=2) > 60
    return bool(differ.any()) and np.abs(strip - right)[differ].mean() < np.abs(strip - wrong)[differ].mean() / 3


def decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def crop(rgb: np.ndarray, box) -> np.ndarray:
    x, y, w, h = box
    return rgb[y:y + h, x:x + w]


def test_composite_tiles_show_each_cameras_exact_frame_redacted_by_its_own_masks(lib, ids, tmp_path):
    clock = IncidentClocks(lib).clock(INCIDENT)
    keys = {name: lib.get(rid).sha256 for name, rid in ids.items()}
    start = clock.start(keys["pc-c"]) - 1.0  # pc-c starts a second in: its tile is black, then its footage
    out = tmp_path / "out" / "composite.mp4"
    order = tuple(ids[n] for n in ("pc-a", "pc-b", "pc-c", "phone"))  # pc-a (25 fps) first: it sets the rate
    job = IncidentExportJob(INCIDENT, start, start + 2.0, out, layout="2x2", recordings=order,
                            audio_from=ids["pc-a"], recipient="PSD", purpose="complaint review", make_dirs=True)
    [res] = run_incident_export(lib, job)
    m = res.manifest
    assert res.leak.passed and res.leak.regions_checked > 0 and m["kind"] == "composite"
    frames = decoded(out)
    assert len(frames) == m["output"]["frames"] == 50  # 2 s at pc-a's 25 fps
    sources = {s["camera"]: s for s in m["sources"]}
    bound = clock.bind({k: lib.open_recording(rid).table for k, rid in ((keys[n], ids[n]) for n in ids)})
    black_seen = footage_seen = 0
    for k in (0, 1, 13, 24, 25, 26, 37, 49):
        t = start + k / 25
        for name, s in sources.items():
            tile = crop(frames[k], s["picture"])
            want = bound.frame_at(keys[name], t).index
            truth = {true_frame(CAMS[f"{name}.mp4"], world_of(t) + d) for d in (-2e-5, 2e-5)}
            assert want in truth, (name, k, want, truth)
            if want is None:
                assert tile.mean() < 8, (name, k)  # a black tile
                black_seen += 1
            else:
                assert framecode.read(tile) == want, (name, k)
                footage_seen += 1
    assert black_seen and footage_seen
    c = sources["pc-c"]  # no footage at the first output frame: its label says so
    x, y, w, h = c["label"]
    timed = f"  {format_camera_time(CAMS['pc-c.mp4'].sidecar_start())}  frame 0"
    said = label_strip(frames[0].shape, c, "pc-c", f"  {NO_FOOTAGE}")
    assert closer_to(frames[0][y:y + h, x:x + w].astype(int), said, label_strip(frames[0].shape, c, "pc-c", timed))

    # pc-b: inside its mask the tile is the solid fill, outside it is the source frame
    b = sources["pc-b"]
    (x0, y0), (x1, y1) = MASK_BOX
    with lib.open_recording(ids["pc-b"]).reader() as reader:
        for k in (0, 30):
            index = bound.frame_at(keys["pc-b"], start + k / 25).index
            src = reader.frame(index).video.to_ndarray(format="rgb24").astype(int)
            tile = crop(frames[k], b["picture"]).astype(int)
            inside = tile[int(y0) + 4:int(y1) - 4, int(x0) + 4:int(x1) - 4]
            hidden = src[int(y0) + 4:int(y1) - 4, int(x0) + 4:int(x1) - 4]
            assert np.percentile(inside, 99) <= 12 and hidden.mean() > 80  # grey (and the square) gone
            outside = np.ones(tile.shape[:2], bool)
            outside[int(y0) - 4:int(y1) + 4, int(x0) - 4:int(x1) + 4] = False
            assert np.abs(tile - src)[outside].mean() < 3.0
    # another camera's tile is its source, unmasked where pc-b's mask is
    with lib.open_recording(ids["pc-a"]).reader() as reader:
        src = reader.frame(bound.frame_at(keys["pc-a"], start + 30 / 25).index).video.to_ndarray(format="rgb24")
    assert np.abs(crop(frames[30], sources["pc-a"]["picture"]).astype(int) - src).mean() < 3.0

    # the manifest: every source's hash, offset, drift and range; the sound that was used and its mute
    for name, s in sources.items():
        view = lib.get(ids[name])
        assert s["sha256"] == view.sha256 == sha256_file(view.original_path)
        assert s["offset_us"] == int(round(-CAMS[f"{name}.mp4"].clock_error * 1e6))
        assert s["drift_ppm"] == CAMS[f"{name}.mp4"].drift_ppm
        assert s["first_frame"] == bound.frame_at(keys[name], max(start, bound.start(keys[name]))).index
        assert s["last_frame"] == bound.frame_at(keys[name], start + 49 / 25).index
    assert sources["pc-c"]["first_output_frame"] == 25 and sources["pc-c"]["first_frame"] == 0
    assert m["incident"]["from"] == round(start, 6) and m["incident"]["layout"] == "2x2"
    assert m["audio"]["recording_id"] == ids["pc-a"] and m["audio"]["redactions_applied"][0][2] == "mute"
    assert res.leak.audio_ranges_checked == 1  # the mute is silent in the copy (leakcheck.check_audio)
    assert verify(out).ok, verify(out).problems
    # the court report beside it: one section per camera with its master's hash, clock and mask reasons
    text = subprocess.run(["pdftotext", "-layout", f"{out}.report.pdf", "-"], capture_output=True, text=True,
                          check=True).stdout
    for name, src in sources.items():
        assert f"Camera {name}" in text and src["sha256"] in text
    assert "bystander: rect solid" in text and "Reason: third-party face" in text and "Audio mute" in text
    assert "Leak check PASSED" in text and m["manifest_sha256"] in text

    # one disclosure, gated on the incident: "started" then "ok"
    events = [e for e in lib.gov.audit.events() if e.action == "incident.export"]
    assert [e.outcome for e in events] == ["started", "ok"] and events[0].object_id == INCIDENT
    assert {r["recording_id"] for r in events[-1].details["recordings"]} == set(ids.values())
    assert events[-1].details["output_sha256"] == sha256_file(out)


def test_a_tile_whose_masks_were_not_applied_fails_the_export_naming_camera_and_frame(lib, ids, tmp_path,
                                                                                      monkeypatch):
    real = incident_export.redact

    def skips_masked_camera(planes, mask_set, pts, regions=None):
        if mask_set.tracks:  # only pc-b has masks: its tiles go out unredacted
            return []
        return real(planes, mask_set, pts, regions=regions)

    monkeypatch.setattr(incident_export, "redact", skips_masked_camera)
    clock = IncidentClocks(lib).clock(INCIDENT)
    start = clock.start(lib.get(ids["pc-b"]).sha256) + 5.0
    out = tmp_path / "leak.mp4"
    with pytest.raises(LeakDetected) as err:
        run_incident_export(lib, IncidentExportJob(INCIDENT, start, start + 0.5, out, recordings=(ids["pc-a"],
                                                                                                  ids["pc-b"]),
                                                   layout="1x2"))
    assert "camera pc-b frame " in str(err.value) and "region 'bystander'" in str(err.value)
    assert not out.exists() and not list(tmp_path.glob("*.mp4*"))
    assert not [e for e in lib.gov.audit.events() if e.action == "incident.export"]


def test_separate_exports_start_at_each_recordings_frame_at_the_interval_start(lib, ids, tmp_path):
    clock = IncidentClocks(lib).clock(INCIDENT)
    keys = {name: lib.get(rid).sha256 for name, rid in ids.items()}
    start = clock.start(keys["pc-c"]) - 1.0
    out = tmp_path / "sep" / "range.mp4"
    results = run_incident_export(lib, IncidentExportJob(INCIDENT, start, start + 2.0, out, separate=True,
                                                         report=False, make_dirs=True))
    assert len(results) == 4
    for r in results:
        rid = r.manifest["source"]["recording_id"]
        name = next(n for n, i in ids.items() if i == rid)
        note = r.manifest["incident"]
        assert note["from"] == round(start, 6) and note["to"] == round(start + 2.0, 6)
        first = decoded(r.output)[0]
        truth = true_frame(CAMS[f"{name}.mp4"], world_of(start))
        want = 0 if name == "pc-c" else truth  # pc-c starts inside the interval: its file starts at its frame 0
        assert framecode.read(first) == want == note["first_frame"], (name, framecode.read(first), want)
        assert r.output.name == f"range-{lib.get(rid).short_id}.mp4" and verify(r.output).ok
        assert r.manifest["ranges"][0]["in"] == want

    # a camera with no footage in the interval gets no file, and every manifest says which it was
    early = run_incident_export(lib, IncidentExportJob(INCIDENT, start - 2.0, start - 1.5, tmp_path / "e.mp4",
                                                       separate=True, report=False))
    assert {r.manifest["source"]["recording_id"] for r in early} == set(ids.values()) - {ids["pc-c"]}
    assert all(r.manifest["incident"]["cameras_without_footage"] == [ids["pc-c"]] for r in early)


def test_a_trainer_is_refused_per_source_and_nothing_is_written(lib, ids, tmp_path, monkeypatch):
    trainer = user_with_role(lib, lib.paths.home, monkeypatch, Role.TRAINER)
    out = tmp_path / "exports" / "trainer.mp4"
    out.parent.mkdir()
    try:
        # pc-b's masks are not approved: a trainer may only export a mask set a second user approved
        with pytest.raises(PermissionDenied, match="approved by a second user"):
            run_incident_export(trainer, IncidentExportJob(INCIDENT, 10.0, 11.0, out, layout="1x2",
                                                           recordings=(ids["pc-a"], ids["pc-b"])))
        # every camera: the ones without masks would be unredacted copies, which trainers may not make
        with pytest.raises(PermissionDenied, match="may not export unredacted"):
            run_incident_export(trainer, IncidentExportJob(INCIDENT, 10.0, 11.0, out, separate=True))
        refused = trainer.gov.audit.events(outcome="refused")
        assert [e.user for e in refused[-2:]] == ["u_trainer"] * 2
        assert {e.object_id for e in refused[-2:]} <= set(ids.values())
        assert not list(out.parent.iterdir())
        assert not [e for e in lib.gov.audit.events() if e.action == "incident.export"]
    finally:
        trainer.close()


def test_bad_requests_are_one_line_errors(lib, ids, tmp_path):
    with pytest.raises(ReviewerError, match="layout 1x2 holds 2 cameras; 4 were chosen"):
        run_incident_export(lib, IncidentExportJob(INCIDENT, 10.0, 11.0, tmp_path / "x.mp4", layout="1x2"))
    with pytest.raises(ReviewerError, match="no chosen recording has footage between 500 and 501 s"):
        run_incident_export(lib, IncidentExportJob(INCIDENT, 500.0, 501.0, tmp_path / "x.mp4"))
    assert not (tmp_path / "x.mp4").exists()


def test_tiles_are_scaled_and_labelled_in_a_1x2_composite(lib, ids, tmp_path):
    clock = IncidentClocks(lib).clock(INCIDENT)
    kb = lib.get(ids["pc-b"]).sha256
    start = max(clock.start(kb), clock.start(lib.get(ids["pc-c"]).sha256)) + 3.0  # both running
    out = tmp_path / "scaled.mp4"
    [res] = run_incident_export(lib, IncidentExportJob(INCIDENT, start, start + 0.4, out, layout="1x2",
                                                       recordings=(ids["pc-b"], ids["pc-c"]), tile=(384, 216),
                                                       audio=False))
    m = res.manifest
    assert (m["output"]["width"], m["output"]["height"]) == (768, 216 + 16)  # two tiles over their label strips
    assert m["audio"] is None and res.leak.passed
    frames = decoded(out)
    bound = clock.bind({lib.get(i).sha256: lib.open_recording(i).table for i in (ids["pc-b"], ids["pc-c"])})
    for k in (0, len(frames) - 1):
        t = start + float(k * bound.get(kb).table.typical_frame_ticks * bound.get(kb).table.time_base)
        for s in m["sources"]:
            tile = crop(frames[k], s["picture"])
            assert tile.shape[:2] == (216, 384)
            assert framecode.read(tile, width=scenes.WIDTH) == bound.frame_at(s["sha256"], t).index
            x, y, w, h = s["label"]
            assert (y, h) == (s["tile"][1] + 216, s["tile"][3] - 216)  # the strip sits below the picture box
            strip = frames[k][y:y + h, x:x + w].astype(int)
            assert strip.max() > 200 and np.median(strip) < 40  # light text on the dark label band
            # the label names the camera (its device id) and its own camera time and frame: the sidecar's start
            # plus that frame's media time, set apart from the app's clock
            cam = CAMS[lib.get(s["recording_id"]).file_name]
            i = bound.frame_at(s["sha256"], t).index
            assert i is not None
            pts, tb = scenes.frame_pts(cam)

            def label(n):
                when = cam.sidecar_start() + dt.timedelta(seconds=float(pts[n] * tb))
                return label_strip(frames[k].shape, s, cam.name, f"  {format_camera_time(when)}  frame {n}")

            assert closer_to(strip, label(i), label(i + 1))


@pytest.mark.parametrize("effect", [Effect(EffectKind.BLUR), Effect(EffectKind.PIXELATE, strength=12)],
                         ids=["blur", "pixelate"])
@pytest.mark.parametrize("tile", [(192, 108), (384, 216)], ids=["smaller", "larger"])
def test_blur_and_pixelate_pass_the_tile_leak_check_scaled_and_a_skipped_one_fails(lib, ids, tmp_path, monkeypatch,
                                                                                     effect, tile):
    store = MaskStore(lib)
    [track] = store.load(ids["pc-b"]).tracks
    store.save_track(ids["pc-b"], MaskTrack(track.kind, track.keyframes, effect, label=track.label,
                                            reason=track.reason, id=track.id))
    clock = IncidentClocks(lib).clock(INCIDENT)
    start = clock.start(lib.get(ids["pc-b"]).sha256) + 2.0
    job = IncidentExportJob(INCIDENT, start, start + 0.5, tmp_path / "ok.mp4", layout="1x2", tile=tile,
                            recordings=(ids["pc-b"], ids["pc-a"]), audio=False)
    [res] = run_incident_export(lib, job)
    assert res.leak.passed and res.leak.regions_checked >= 12
    monkeypatch.setattr(incident_export, "redact", lambda planes, mask_set, pts, regions=None: [])
    with pytest.raises(LeakDetected, match="camera pc-b frame"):
        run_incident_export(lib, IncidentExportJob(INCIDENT, start, start + 0.5, tmp_path / "bad.mp4",
                                                   layout="1x2", tile=tile, recordings=(ids["pc-b"], ids["pc-a"]),
                                                   audio=False))


def test_the_cli_exports_a_composite_and_says_bad_input_in_one_line(lib, ids, tmp_path):
    import os
    import sys

    root = Path(__file__).resolve().parents[2]

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "reviewer", "incident", "export", INCIDENT, *args],
                              capture_output=True, text=True, cwd=root,
                              env={**os.environ, "REVIEWER_HOME": str(lib.paths.home)})

    clock = IncidentClocks(lib).clock(INCIDENT)
    start = clock.start(lib.get(ids["pc-a"]).sha256) + 12.0
    wall = clock.wall_time(start).isoformat().replace("+00:00", "Z")  # a date-time on the incident clock works too
    out = tmp_path / "cli" / "two.mp4"
    p = cli("--from", wall, "--to", f"{start + 0.4:.6f}", "--camera", ids["pc-a"], "--camera", ids["pc-b"],
            "-o", str(out), "--json", "--make-dirs")
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    assert res["kind"] == "composite" and res["frames"] == 10 and res["leak_check"]["passed"] and out.exists()
    assert "WITHOUT Content Credentials" in p.stderr
    m = json.loads(Path(res["manifest"]).read_text())
    assert m["incident"]["layout"] == "1x2" and [s["recording_id"] for s in m["sources"]] == [ids["pc-a"],
                                                                                             ids["pc-b"]]
    for args, says in ((("--from", "soon", "--to", "3"), "--from 'soon': give incident seconds"),
                       (("--from", "3", "--to", "4", "--layout", "1x2"), "layout 1x2 holds 2 cameras; 4 were chosen"),
                       (("--from", "3", "--to", "4", "--tile", "big"), "--tile 'big': give WIDTHxHEIGHT")):
        bad = cli(*args, "-o", str(tmp_path / "bad.mp4"))
        assert bad.returncode != 0 and bad.stderr.count("\n") == 1 and says in bad.stderr, bad.stderr
        assert "Traceback" not in bad.stderr and not (tmp_path / "bad.mp4").exists()

"""Automatic alignment by audio (issue 13 s.1): a generated street scene recorded by four cameras (25, 29.97 and
30 fps and a VFR phone; clocks up to 20 s out, drift up to 50 ppm, each with its own gain and noise) and two that
cannot be aligned by sound (no audio stream; only hiss). The proposal must put each camera within one of its own
frames of the truth, the frame the clock then names must be the true frame (read back from its burned-in code),
and the two others must be marked and keep their clock."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from reviewer.errors import Cancelled
from reviewer.govern.identity import USER_ENV
from reviewer.incident import align
from reviewer.incident.correlate import measure
from reviewer.incident.onset import onset_envelope
from reviewer.incident.service import IncidentClocks
from reviewer.incident.solve import Edge, solve
from reviewer.library import Library
from reviewer.media.audio_track import AudioTrack
from reviewer.media.frame_reader import FrameReader
from reviewer.progress import CancelToken, Task
from tests.fixtures import framecode, scenes
from tests.fixtures.testlib import make_test_library

SCENE = scenes.STREET_WITH_MUTE
CAMS = {f"{c.name}.mp4": c for c in SCENE.cameras}
INCIDENT = "INC-STREET-1"


@pytest.fixture(scope="session")
def scene_paths(clip_dir) -> dict[str, Path]:
    return scenes.render(SCENE, clip_dir / "scenes")


@pytest.fixture(scope="module")
def street_template(tmp_path_factory, scene_paths) -> Path:
    home = make_test_library(tmp_path_factory.mktemp("street") / "home", "sup")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(USER_ENV, "sup")
        with Library(home) as lib:
            report = lib.import_paths(list(scene_paths.values()), incident=INCIDENT)
            assert not report.errors, report.errors
    return home


@pytest.fixture
def street(street_template, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(street_template, home, symlinks=True)
    monkeypatch.setenv("REVIEWER_HOME", str(home))
    monkeypatch.setenv(USER_ENV, "sup")
    with Library(home) as lib:
        yield lib


def by_name(clock, name: str):
    return next(p for p in clock.placements if p.file_name == name)


def test_proposed_offsets_are_within_one_frame_of_the_truth_and_name_the_true_frames(street):
    clocks = IncidentClocks(street)
    clock = clocks.clock(INCIDENT)
    ref = by_name(clock, "pc-a.mp4")
    proposal = clocks.propose(clock, reference=ref.recording_id)
    assert proposal.reference == ref.key
    status = {r.file_name: r.status for r in proposal.recordings}
    assert status == {"pc-a.mp4": "reference", "pc-b.mp4": "aligned", "pc-c.mp4": "aligned", "phone.mp4": "aligned",
                      "no-audio.mp4": "no_audio", "silent.mp4": "low_confidence"}
    clocks.accept(proposal)
    aligned = clocks.clock(INCIDENT)
    tables = {p.key: street.frame_tables.get_or_build(p.key, street.get(p.recording_id).original_path)
              for p in aligned.placements}
    aligned = aligned.bind(tables)
    truth_ref = CAMS["pc-a.mp4"]
    for name in ("pc-b.mp4", "pc-c.mp4", "phone.mp4"):
        cam, p = CAMS[name], by_name(aligned, name)
        frame = float(tables[p.key].typical_frame_ticks * tables[p.key].time_base)
        got = aligned.start(p.key) - aligned.start(ref.key)
        want = cam.true_start - truth_ref.true_start
        assert abs(got - want) < frame, (name, got, want, frame)
        assert p.source == "audio" and p.confidence > align.MIN_NCC
    # the frame each camera shows at an incident moment is the frame the truth says it recorded then, and it is
    # that picture: its burned-in code matches
    for world in (12.0, 23.4, 31.77, 40.2):
        t = aligned.start(ref.key) + truth_ref.media_time(world)  # the reference's clock is the incident's
        for name in ("pc-a.mp4", "pc-b.mp4", "pc-c.mp4", "phone.mp4"):
            cam, p = CAMS[name], by_name(aligned, name)
            at = aligned.frame_at(p.key, t)
            true_index = tables[p.key].index_at_media_time(cam.media_time(world))
            assert at.index is not None and abs(at.index - true_index) <= 1, (name, world, at, true_index)
            with FrameReader(street.get(p.recording_id).original_path, tables[p.key]) as reader:
                assert framecode.read(reader.frame(at.index).rgb()) == at.index
            assert aligned.time_of_frame(p.key, at.index) <= t < aligned.time_of_frame(p.key, at.index) + 0.1


def test_recordings_without_usable_audio_are_marked_and_keep_their_clock(street):
    clocks = IncidentClocks(street)
    clock = clocks.clock(INCIDENT)
    proposal = clocks.propose(clock, reference=by_name(clock, "pc-a.mp4").recording_id)
    mute = {r.file_name: r for r in proposal.recordings if r.file_name in ("no-audio.mp4", "silent.mp4")}
    assert mute["no-audio.mp4"].status == "no_audio" and mute["silent.mp4"].status == "low_confidence"
    assert all(r.confidence == 0.0 and r.change_us == 0 for r in mute.values())
    silent_pairs = [p for p in proposal.pairs if by_name(clock, "silent.mp4").key in (p.a, p.b)]
    assert silent_pairs and not any(p.confident for p in silent_pairs)
    assert max(p.ncc for p in silent_pairs) < align.MIN_NCC
    clocks.accept(proposal)
    after = clocks.clock(INCIDENT)
    for name in ("no-audio.mp4", "silent.mp4"):
        assert (by_name(after, name).offset_us, by_name(after, name).source) == (0, "clock")
    event = street.gov.audit.events(action="incident.align")[-1]
    assert event.details["recordings"][by_name(clock, "silent.mp4").key]["status"] == "low_confidence"


def test_alignment_reports_progress_and_stops_when_cancelled(street):
    clocks = IncidentClocks(street)
    clock = clocks.clock(INCIDENT)
    seen: list[float] = []
    clocks.propose(clock, task=Task(lambda f, _label: seen.append(f)))
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) > 6
    token = CancelToken()

    def cancel_soon(f, _label):
        if f > 0.2:
            token.cancel()

    with pytest.raises(Cancelled):
        clocks.propose(clock, task=Task(cancel_soon, token))
    assert [e.action for e in street.gov.audit.events()][-1] == "incident.align"  # the cancelled run records none


def test_a_second_alignment_reads_the_envelopes_it_cached_and_agrees(street):
    clocks = IncidentClocks(street)
    clock = clocks.clock(INCIDENT)
    first = clocks.propose(clock)
    cached = sorted(p.name.split(".")[0] for p in street.paths.onsets.iterdir())
    assert cached == sorted(p.key for p in clock.placements)  # "no audio" is cached too
    labels: list[str] = []
    again = clocks.propose(clock, task=Task(lambda _f, label: labels.append(label)))
    assert labels and not any("decoding" in label for label in labels)
    assert [(r.key, r.status, r.offset_us) for r in again.recordings] == [
        (r.key, r.status, r.offset_us) for r in first.recordings]


def _track(scene, world, cam) -> AudioTrack:
    x = scenes.camera_audio(scene, world, cam)
    x = x[: x.size // 12 * 12].reshape(-1, 12).mean(axis=1)
    return AudioTrack(scenes.SR / 12, x.astype(np.float32))


def test_drift_is_measured_over_a_long_overlap():
    """Four minutes heard by two cameras whose clocks differ by 80 ppm: the lag grows by 19 ms from start to end,
    and the start windows against the end windows give the drift within 10 ppm and the start within 2 ms."""
    scene = scenes.Scene(250.0, 5, (
        scenes.Camera("a", "30", 0.0, 240.0, 0.0, 40.0, gain=0.7, noise=0.02),
        scenes.Camera("b", "30", 6.5, 240.0, 0.0, -40.0, gain=0.4, noise=0.03, noise_kind="wind"),
    ))
    world = scenes.world_audio(scene)
    a, b = (onset_envelope(_track(scene, world, c)) for c in scene.cameras)
    m = measure(a, b, 6.0, 20.0)
    assert m.slope is not None and abs(m.slope * 1e6 - 80.0) < 10.0, m.slope * 1e6
    # b's first frame, as a's media time: where b's start (world 6.5) falls on a's drifting clock
    want = scene.cameras[0].media_time(6.5)
    assert abs(m.lag0 - want) < 0.002, (m.lag0, want)


def test_an_inconsistent_pair_is_dropped_and_the_rest_agree():
    """A-B + B-C must equal A-C: a pair whose peak is wrong (here B-D, off by 2 s, least confident) breaks two
    cycles; it is flagged and the others place every recording."""
    truth = {"A": 0.0, "B": 4.0, "C": 9.5, "D": 2.2}
    edges = [Edge(a, b, truth[b] - truth[a] + (2.0 if (a, b) == ("B", "D") else 0.0004), w)
             for (a, b), w in {("A", "B"): .7, ("A", "C"): .6, ("A", "D"): .65, ("B", "C"): .55, ("B", "D"): .3,
                               ("C", "D"): .5}.items()]
    sol = solve(list(truth), edges, "A", 0.0)
    assert [(e.a, e.b) for e in sol.dropped] == [("B", "D")] and not sol.dropped[0].consistent
    assert all(abs(sol.values[k] - v) < 0.002 for k, v in truth.items())


def test_cli_proposes_accepts_and_shows_with_clear_errors(street, street_template, capsys):
    import json

    from reviewer.cli import main

    home = str(street.paths.home)
    ref = by_name(IncidentClocks(street).clock(INCIDENT), "pc-a.mp4")
    assert main(["--home", home, "incident", "align", INCIDENT, "--reference-recording", ref.recording_id[:8],
                 "--json"]) == 0
    proposed = json.loads(capsys.readouterr().out)
    assert {r["file_name"]: r["status"] for r in proposed["recordings"]}["silent.mp4"] == "low_confidence"
    assert IncidentClocks(street).clock(INCIDENT).get(ref.key).source == "clock"  # a proposal changes nothing
    assert main(["--home", home, "incident", "align", INCIDENT, "--reference-recording", ref.recording_id[:8],
                 "--accept"]) == 0
    out = capsys.readouterr().out
    assert "accepted: 3 recording(s) placed" in out and "pc-b.mp4  aligned" in out
    assert main(["--home", home, "incident", "show", INCIDENT, "--json"]) == 0
    shown = {r["file_name"]: r for r in json.loads(capsys.readouterr().out)["recordings"]}
    truth = CAMS["pc-b.mp4"].true_start - CAMS["pc-a.mp4"].true_start
    assert abs(shown["pc-b.mp4"]["start"] - shown["pc-a.mp4"]["start"] - truth) < 1 / 29.97
    assert shown["pc-b.mp4"]["source"] == "audio" and shown["no-audio.mp4"]["source"] == "clock"
    at = shown["pc-c.mp4"]["start"] + 10.0167  # half a frame past ten seconds into pc-c: its frame 300 (30 fps)
    assert main(["--home", home, "incident", "show", INCIDENT, "--at", f"{at:.6f}", "--json"]) == 0
    frames = {r["file_name"]: r["frame"] for r in json.loads(capsys.readouterr().out)["recordings"]}
    assert frames["pc-c.mp4"] == 300
    assert frames["pc-a.mp4"] == round((at - shown["pc-a.mp4"]["start"]) * 25 - 0.5)  # 25 fps, on screen then

    mute = by_name(IncidentClocks(street).clock(INCIDENT), "no-audio.mp4")
    assert main(["--home", home, "incident", "align", INCIDENT, "--reference-recording", mute.recording_id]) == 1
    assert capsys.readouterr().err.strip() == (
        f"reviewer: recording {mute.recording_id[:8]} (no-audio.mp4): the reference recording has no audio to align "
        "by; choose one that heard the incident")
    assert main(["--home", home, "incident", "align", "INC-NOPE"]) == 1
    assert capsys.readouterr().err.strip() == f"reviewer: no incident 'INC-NOPE' in the library at {home}"
    assert main(["--home", home, "incident", "offset", ref.recording_id, "--nudge", "1", "--drift", "3"]) == 1
    assert capsys.readouterr().err.strip() == "reviewer: --drift goes with --set"


def test_a_purge_removes_the_onset_envelopes_derived_from_the_recordings_audio(street):
    import datetime as dt

    from reviewer.govern.purge import Retention

    clocks = IncidentClocks(street)
    clocks.propose(clocks.clock(INCIDENT))
    assert len(list(street.paths.onsets.iterdir())) == len(SCENE.cameras)
    purged = Retention(street).run(scenes.BASE + dt.timedelta(days=400)).purged
    assert len(purged) == len(SCENE.cameras)
    assert list(street.paths.onsets.iterdir()) == []

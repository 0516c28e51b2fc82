"""Bad input: each case gets a clear error naming the file, the library is unchanged, later imports still work."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from reviewer.library import Library
from reviewer.progress import Task


def snapshot(lib: Library) -> tuple:
    """Everything an import could leave behind: rows, originals, cached tables and thumbnails."""
    files = sorted(str(p.relative_to(lib.paths.home)) for p in lib.paths.home.rglob("*")
                   if p.is_file() and "library.sqlite3" not in p.name)
    return len(lib.recordings()), lib.incidents(), files


def make_zero_byte(folder: Path, clip) -> Path:
    p = folder / "empty.mp4"
    p.write_bytes(b"")
    return p


def make_truncated(folder: Path, clip) -> Path:
    data = clip.path.read_bytes()
    p = folder / "truncated.mp4"
    p.write_bytes(data[: len(data) // 2])
    return p


def make_random(folder: Path, clip) -> Path:
    p = folder / "random.mp4"
    p.write_bytes(np.random.default_rng(3).integers(0, 256, 200_000, dtype=np.uint8).tobytes())
    return p


def make_audio_only(folder: Path, clip) -> Path:
    p = folder / "voice.m4a"
    with av.open(str(p), "w") as out:
        a = out.add_stream("aac", rate=48000)
        a.layout = "mono"
        for i in range(20):
            f = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            f.sample_rate, f.pts, f.time_base = 48000, i * 1024, Fraction(1, 48000)
            for pkt in a.encode(f):
                out.mux(pkt)
        for pkt in a.encode(None):
            out.mux(pkt)
    return p


def make_text(folder: Path, clip) -> Path:
    p = folder / "statement.txt"
    p.write_text("Statement of PC 4512.\nNothing to see here.\n")
    return p


def make_bad_sidecar(folder: Path, clip) -> Path:
    p = folder / "with_sidecar.mp4"
    p.symlink_to(clip.path)
    (folder / "with_sidecar.json").write_text('{"officer_id": "PC 1",\n "device_id" "X"}')
    return p


CASES = {
    "zero_byte": (make_zero_byte, "empty"),
    # a camera file whose copy was cut short: cameras write the index (moov) last, so it is what is missing
    "truncated": (make_truncated, "truncated.mp4: is an MP4 whose index (moov box) is missing: the file was cut short"),
    "random_bytes": (make_random, "not a media file"),
    "audio_only": (make_audio_only, "no video stream"),
    "text_file": (make_text, "not a media file"),
    "malformed_sidecar": (make_bad_sidecar, "not valid JSON"),
}


@pytest.fixture
def lib(home, make_clip, tmp_path):
    library = Library(home)
    good = tmp_path / "good" / "existing.mp4"
    good.parent.mkdir()
    good.symlink_to(make_clip("cfr_noaudio").path)
    assert library.import_paths([good], incident="BEFORE").errors == []
    yield library
    library.close()


@pytest.mark.parametrize("case", list(CASES))
def test_bad_file_is_refused_clearly_and_changes_nothing(case, lib, make_clip, tmp_path):
    make, words = CASES[case]
    folder = tmp_path / "in"
    folder.mkdir()
    bad = make(folder, make_clip("cfr_h264"))
    before = snapshot(lib)

    report = lib.import_paths([bad], incident="AFTER")

    assert report.added == [] and report.duplicates == []
    assert len(report.errors) == 1
    path, message = report.errors[0]
    assert path == bad
    named = str(bad.with_suffix(".json")) if case == "malformed_sidecar" else str(bad)
    assert named in message, message
    assert words in message
    assert "\n" not in message and "Traceback" not in message
    assert snapshot(lib) == before

    good = tmp_path / "later.mp4"
    good.symlink_to(make_clip("cfr_h264").path)
    assert [v.file_name for v in lib.import_paths([good]).added] == ["later.mp4"]


def test_file_deleted_during_ingest(lib, make_clip, tmp_path):
    folder = tmp_path / "in"
    victim = folder / "b_victim.mp4"
    folder.mkdir()
    victim.write_bytes(make_clip("cfr_noaudio").path.read_bytes())
    survivor = folder / "c_survivor.mp4"
    survivor.symlink_to(make_clip("cfr_h264").path)
    before = snapshot(lib)
    seen: list[str] = []

    def progress(fraction: float, label: str) -> None:
        # the folder has been listed; the victim vanishes as its turn comes, before a byte is copied
        if label == f"importing {victim.name}" and victim.exists():
            seen.append(label)
            victim.unlink()

    report = lib.import_paths([folder], task=Task(progress))
    assert seen, "the deletion hook never ran: the test would prove nothing"
    (path, message), = report.errors
    assert path == victim and str(victim) in message and "not found" in message
    assert [v.file_name for v in report.added] == ["c_survivor.mp4"]
    count, incidents, files = snapshot(lib)
    assert count == before[0] + 1 and incidents == before[1]


def test_mixed_folder_imports_the_good_and_reports_each_bad(lib, make_clip, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    bad = [make_zero_byte(folder, None), make_random(folder, None), make_audio_only(folder, None)]
    good = folder / "zz_good.mp4"
    good.symlink_to(make_clip("vfr_h264").path)
    report = lib.import_paths([folder])
    assert [v.file_name for v in report.added] == ["zz_good.mp4"]
    assert sorted(p for p, _ in report.errors) == sorted(bad)


@pytest.mark.parametrize("content, words", [
    ('["not", "an", "object"]', "JSON object"),
    (json.dumps({"officer": "PC 1"}), "unknown field(s) officer"),
    (json.dumps({"start_time": "2024-05-01 10:00:00"}), "no time zone"),
    (json.dumps({"start_time": "yesterday"}), "not an ISO-8601"),
    (json.dumps({"device_id": 12}), "device_id must be a string"),
])
def test_sidecar_problems_name_the_sidecar(content, words, lib, make_clip, tmp_path):
    media = tmp_path / "clip.mp4"
    media.symlink_to(make_clip("cfr_h264").path)
    sidecar = tmp_path / "clip.mp4.json"
    sidecar.write_text(content)
    (_, message), = lib.import_paths([media]).errors
    assert message.startswith(f"{sidecar}: sidecar") and words in message, message

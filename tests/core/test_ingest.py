"""Ingest: what users rely on after importing footage (metadata, sidecars, duplicates, folders, thumbnails)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import cv2
import pytest

from reviewer.library import Library
from reviewer.progress import Task
from tests.fixtures import framecode

UTC = dt.timezone.utc


def link(clip, folder: Path, name: str | None = None) -> Path:
    """Place a clip in a folder of our own (the clip cache holds generator stamps that look like sidecars)."""
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / (name or clip.path.name)
    p.symlink_to(clip.path)
    return p


@pytest.fixture
def lib(home):
    library = Library(home)
    yield library
    library.close()


def test_ingest_records_what_the_footage_is(lib, make_clip, tmp_path):
    src = tmp_path / "src"
    clips = {n: make_clip(n) for n in ("cfr_h264", "vfr_h264", "cfr_noaudio", "offset_mkv")}
    paths = [link(c, src) for c in clips.values()]
    report = lib.import_paths(paths)
    assert report.errors == [] and len(report.added) == 4
    by_name = {v.file_name: v for v in lib.recordings()}

    cfr = by_name["cfr_h264.mp4"]
    assert "mp4" in cfr.container and cfr.codec == "h264"
    assert (cfr.width, cfr.height) == (320, 240)
    assert cfr.frame_count == clips["cfr_h264"].frames == 300
    assert cfr.duration == pytest.approx(10.0, abs=1e-6)
    assert cfr.average_fps == pytest.approx(30.0, rel=1e-6)
    assert cfr.is_vfr is False and cfr.has_audio is True

    vfr = by_name["vfr_h264.mp4"]
    assert vfr.is_vfr is True and vfr.has_audio is True and vfr.frame_count == 300

    assert by_name["cfr_noaudio.mp4"].has_audio is False
    mkv = by_name["offset_mkv.mkv"]
    assert "matroska" in mkv.container and mkv.frame_count == 200
    assert mkv.original_path.suffix == ".mkv"
    for v in by_name.values():
        assert v.integrity == "ok" and v.imported_at.tzinfo is not None
        assert v.original_path.is_file()


def test_sidecar_values_are_stored(lib, make_clip, tmp_path):
    src = tmp_path / "src"
    a = link(make_clip("cfr_h264"), src, "a.mp4")
    b = link(make_clip("cfr_noaudio"), src, "b.mp4")
    (src / "a.mp4.json").write_text(json.dumps({
        "officer_id": "PC 4512", "device_id": "BWV-00731", "start_time": "2024-05-01T15:03:22.433+01:00",
        "incident_ref": "INC-7"}))
    (src / "b.json").write_text(json.dumps({"officer_id": "PC 99", "start_time": "2024-05-02T08:00:00Z"}))
    report = lib.import_paths([a, b])
    assert report.errors == []
    va, vb = (lib.get(v.id) for v in report.added)
    assert va.officer_id == "PC 4512" and va.device_id == "BWV-00731" and va.incident_ref == "INC-7"
    assert va.camera_start == dt.datetime(2024, 5, 1, 14, 3, 22, 433000, tzinfo=UTC)
    assert va.camera_start_source == "sidecar"
    assert vb.officer_id == "PC 99" and vb.device_id is None and vb.incident_ref is None
    assert vb.camera_start == dt.datetime(2024, 5, 2, 8, 0, tzinfo=UTC)


def test_incident_argument_groups_and_wins_over_sidecar(lib, make_clip, tmp_path):
    src = tmp_path / "src"
    a = link(make_clip("cfr_h264"), src, "a.mp4")
    (src / "a.json").write_text(json.dumps({"incident_ref": "FROM-SIDECAR"}))
    b = link(make_clip("cfr_noaudio"), src, "b.mp4")
    report = lib.import_paths([a, b], incident="  OP-1  ")
    assert [v.incident_ref for v in report.added] == ["OP-1", "OP-1"]
    assert lib.incidents() == [("OP-1", 2)]


def test_duplicates_are_detected_by_content(lib, make_clip, tmp_path):
    clip = make_clip("cfr_noaudio")
    first = lib.import_paths([link(clip, tmp_path / "one")]).added[0]
    again = link(clip, tmp_path / "two", "renamed.mp4")
    report = lib.import_paths([again])
    assert report.added == [] and report.errors == []
    assert [(p, v.id) for p, v in report.duplicates] == [(again, first.id)]
    assert len(lib.recordings()) == 1
    assert len(list(lib.paths.originals.rglob("*.mp4"))) == 1


def test_folder_import_is_recursive_and_skips_companions(lib, make_clip, tmp_path):
    root = tmp_path / "dock"
    link(make_clip("cfr_h264"), root / "2024-05-01")
    link(make_clip("vfr_h264"), root / "2024-05-01" / "late")
    link(make_clip("offset_mkv"), root)
    (root / "offset_mkv.json").write_text(json.dumps({"device_id": "CAM-9"}))
    (root / "notes.txt").write_text("handed over by PC 12")
    progress: list[float] = []
    report = lib.import_paths([root], task=Task(lambda f, label: progress.append(f)))
    assert report.errors == []
    assert sorted(v.file_name for v in report.added) == ["cfr_h264.mp4", "offset_mkv.mkv", "vfr_h264.mp4"]
    assert {p.name for p in report.skipped} == {"offset_mkv.json", "notes.txt"}
    assert next(v for v in report.added if v.file_name == "offset_mkv.mkv").device_id == "CAM-9"
    assert progress == sorted(progress) and progress[-1] == 1.0


def test_thumbnail_is_the_exact_frame_ten_percent_in(lib, make_clip, tmp_path):
    clip = make_clip("cfr_h264")
    view = lib.import_paths([link(clip, tmp_path)]).added[0]
    assert view.thumbnail_path is not None and view.thumbnail_path.is_file()
    bgr = cv2.imread(str(view.thumbnail_path))
    assert bgr.shape[1] == 320
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    assert framecode.read(rgb, width=clip.width) == clip.first_code + clip.frames // 10


def test_cancel_mid_import_keeps_the_library_consistent(lib, make_clip, tmp_path):
    src = tmp_path / "src"
    first = link(make_clip("cfr_noaudio"), src, "a_first.mp4")
    second = link(make_clip("long_lowres"), src, "b_second.mp4")  # 13 MB: several copy chunks
    task = Task()

    def progress(fraction: float, label: str) -> None:
        if label.startswith("copying b_second"):
            task.cancel.cancel()

    task.progress = progress
    report = lib.import_paths([first, second], task=task)
    assert report.cancelled and report.errors == []
    assert [v.file_name for v in lib.recordings()] == ["a_first.mp4"]
    stored = [p for p in lib.paths.originals.rglob("*") if p.is_file()]
    assert [p.name[:64] for p in stored] == [report.added[0].sha256]
    # and the cancelled file imports fine afterwards
    assert [v.file_name for v in lib.import_paths([second]).added] == ["b_second.mp4"]

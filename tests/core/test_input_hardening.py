"""What the workstation alone guarantees against bad or hostile input: damaged originals can be repaired from an
intact source, temps of killed imports and exports do not pile up, oversized pictures are refused before they
are decoded, and CSV exports cannot run formulas in a spreadsheet."""

from __future__ import annotations

import csv
import fcntl
import io
import os
import signal
import stat
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from reviewer.atomic import write_text
from reviewer.errors import IntegrityError, MediaError
from reviewer.library import Library
from reviewer.library.originals import sha256_file
from reviewer.media import caps
from reviewer.media.probe import probe

REPO = Path(__file__).resolve().parents[2]
# children import what this run imports (PYTHONPATH first), else this tree
CHILD_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), str(REPO)) if p)}


@pytest.fixture
def lib(home):
    library = Library(home)
    yield library
    library.close()


def linked(clip_path: Path, folder: Path, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / (name or clip_path.name)
    p.symlink_to(clip_path)
    return p


def events(lib: Library, action: str) -> list:
    return [e for e in lib.gov.audit.events() if e.action == action]


# ---- repair ----------------------------------------------------------------------------------------------------
def flip_a_byte(path: Path) -> None:
    os.chmod(path, 0o644)  # as an attacker (or a careless tool) would
    with open(path, "r+b") as fh:
        fh.seek(path.stat().st_size // 2)
        b = fh.read(1)
        fh.seek(-1, io.SEEK_CUR)
        fh.write(bytes([b[0] ^ 0x01]))


@pytest.mark.parametrize("damage", ["altered", "missing"])
def test_reimporting_the_intact_source_repairs_the_original(lib, make_clip, tmp_path, damage):
    src = linked(make_clip("cfr_noaudio").path, tmp_path / "src")
    view, = lib.import_paths([src]).added
    original = view.original_path
    flip_a_byte(original) if damage == "altered" else original.unlink()
    with pytest.raises(IntegrityError):
        lib.open_recording(view.id)
    assert lib.get(view.id).integrity == "failed"

    # Today: "already in the library", and the recording stays unusable.
    report = lib.import_paths([src])
    assert report.duplicates == [] and report.errors == []
    assert [(p, v.id, v.integrity) for p, v in report.repaired] == [(src, view.id, "ok")]
    assert sha256_file(original) == view.sha256
    assert stat.S_IMODE(original.stat().st_mode) == 0o400  # read-only (and private) again
    assert lib.get(view.id).integrity == "ok"
    assert lib.open_recording(view.id).table.frame_count == 150
    repair, = events(lib, "recording.repair")
    assert (repair.object_id, repair.outcome) == (view.id, "ok")
    assert repair.details["problem"].startswith(damage) and repair.details["previous_integrity"] == "failed"
    assert repair.details["restored_from"] == str(src.absolute())
    assert lib.gov.audit.check().ok
    assert not list(lib.paths.originals.glob(".incoming-*"))


def test_damage_not_yet_detected_is_repaired_too(lib, make_clip, tmp_path):
    src = linked(make_clip("cfr_noaudio").path, tmp_path / "src")
    view, = lib.import_paths([src]).added
    flip_a_byte(view.original_path)  # nobody has opened it since: the flag still says ok
    report = lib.import_paths([src])
    assert [v.id for _, v in report.repaired] == [view.id]
    assert sha256_file(view.original_path) == view.sha256


def test_a_trainer_cannot_repair_and_the_refusal_is_audited(lib, make_clip, tmp_path, monkeypatch):
    from reviewer.govern.roles import PermissionDenied, Role
    from tests.core.test_govern_support import user_with_role

    src = linked(make_clip("cfr_noaudio").path, tmp_path / "src")
    view, = lib.import_paths([src]).added
    view.original_path.unlink()
    trainer = user_with_role(lib, lib.paths.home, monkeypatch, Role.TRAINER)
    try:
        # refused as a whole before anything is read (issue 8: the import passes the gate, Action.IMPORT)
        with pytest.raises(PermissionDenied, match="may not import"):
            trainer.import_paths([src])
    finally:
        trainer.close()
    assert not view.original_path.exists() and not list(lib.paths.originals.glob(".incoming-*"))
    refused = [e for e in lib.gov.audit.events(outcome="refused") if e.action == "import"]
    assert [(e.user, e.details["paths"]) for e in refused] == [("u_trainer", [str(src)])]
    assert events(lib, "recording.repair") == [] and lib.gov.audit.check().ok


def test_an_intact_original_makes_a_plain_duplicate(lib, make_clip, tmp_path):
    src = linked(make_clip("cfr_noaudio").path, tmp_path / "src")
    view, = lib.import_paths([src]).added
    report = lib.import_paths([src])
    assert [v.id for _, v in report.duplicates] == [view.id] and report.repaired == []
    assert events(lib, "recording.repair") == []


# ---- leftovers -------------------------------------------------------------------------------------------------
KILLED_IMPORT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from reviewer.library import Library
    from reviewer.progress import Task

    def progress(fraction, label):
        if label.startswith("copying"):
            print("copying", flush=True)
            time.sleep(3600)  # killed here, mid-copy

    Library(Path(sys.argv[1])).import_paths([Path(sys.argv[2])], task=Task(progress=progress))
""")


def test_temp_of_a_killed_import_is_removed_on_the_next_start(home, make_clip, tmp_path):
    src = linked(make_clip("long_lowres").path, tmp_path / "src")
    child = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, str(home), str(src)], stdout=subprocess.PIPE,
                             text=True, env=CHILD_ENV)
    try:
        assert child.stdout.readline().strip() == "copying"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    left = list((home / "originals").glob(".incoming-*"))
    assert len(left) == 1 and left[0].stat().st_size > 0
    # Today: kept for 24 hours, in case "another running import" owns it.
    Library(home).close()
    assert not left[0].exists()


def test_temps_in_use_and_files_not_ours_are_kept(home):
    Library(home).close()
    exports, originals = home / "exports", home / "originals"
    exports.mkdir(exist_ok=True)
    abandoned = [exports / ".clip.ab12cd_9.part.mp4", exports / "case" / ".report.pdf.zz9y8x7w.part",
                 originals / ".incoming-k2j3h4g5.part.mp4"]
    held = exports / ".other.qwertyui.part.mp4"
    not_ours = [exports / "clip.part.mp4", exports / ".clip.short.part.mp4", exports / "notes.part",
                exports / ".clip.abcdefgh.part.mkv"]
    for p in [*abandoned, held, *not_ours]:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    link = exports / ".link.abcdefgh.part.mp4"
    link.symlink_to(not_ours[0])
    fd = os.open(held, os.O_RDONLY)  # as another running export holds its temp
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        Library(home).close()
    finally:
        os.close(fd)
    assert [p.exists() for p in abandoned] == [False] * len(abandoned)
    assert held.exists() and link.is_symlink() and all(p.exists() for p in not_ours)


def test_writing_an_output_again_removes_what_a_killed_write_of_it_left(tmp_path):
    out = tmp_path / "elsewhere" / "report.json"
    out.parent.mkdir()
    stale = out.parent / ".report.json.a1b2c3d4.part"
    stale.write_text("half")
    other = out.parent / ".other.json.a1b2c3d4.part"
    other.write_text("someone else's")
    write_text(out, "{}")
    assert out.read_text() == "{}" and not stale.exists() and other.exists()


# ---- caps ------------------------------------------------------------------------------------------------------
def huge_mjpeg(path: Path, size: int = 16000) -> Path:
    """A 16000x16000 MJPEG of two flat grey frames: 6 MB on disk, gigabytes once decoded and converted to RGB.
    The JPEG is made by OpenCV and muxed as is (PyAV's MJPEG encoder overflows at this size)."""
    ok, jpg = cv2.imencode(".jpg", np.full((size, size), 128, np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 5])
    assert ok
    with av.open(str(path), "w") as out:
        s = out.add_stream("mjpeg", rate=1)
        s.width, s.height, s.pix_fmt = size, size, "yuvj420p"
        for i in range(2):
            p = av.Packet(jpg.tobytes())
            p.stream, p.pts, p.dts, p.time_base, p.is_keyframe = s, i, i, Fraction(1, 1), True
            out.mux(p)
    return path


@pytest.fixture(scope="module")
def huge(tmp_path_factory) -> Path:
    return huge_mjpeg(tmp_path_factory.mktemp("huge") / "huge.avi")


def test_huge_picture_is_refused_at_probe_and_import(lib, huge):
    with pytest.raises(MediaError) as err:
        probe(huge)
    assert str(err.value) == (f"{huge}: picture size 16000x16000 is beyond the supported maximum of 8192x8192; "
                              "the file is refused before decoding")
    report = lib.import_paths([huge])
    assert report.added == [] and [m for _, m in report.errors] == [str(err.value)]
    assert not list(lib.paths.thumbnails.iterdir()) and not list(lib.paths.originals.rglob("*.avi"))


def test_huge_picture_is_refused_by_the_cli_without_decoding(huge, tmp_path, home):
    # Today `frame` decodes it: 16000x16000 gray -> RGB, over 1 GB resident.
    peak = tmp_path / "peak"
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child of pytest would report pytest's
    code = ("import re, sys; from reviewer.cli import main; rc = main(sys.argv[1:]); "
            "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1); "
            f"open({str(peak)!r}, 'w').write(hwm); sys.exit(rc)")
    out = subprocess.run([sys.executable, "-c", code, "frame", str(huge), "0", "-o", str(tmp_path / "f.png")],
                         capture_output=True, text=True, timeout=300,
                         env={**CHILD_ENV, "REVIEWER_HOME": str(home)})
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr == f"reviewer: {huge}: picture size 16000x16000 is beyond the supported maximum of " \
                         "8192x8192; the file is refused before decoding\n"
    assert int(peak.read_text()) < 400 * 1024  # KiB: python, numpy, PyAV and OpenCV, no picture
    assert not (tmp_path / "f.png").exists()


@pytest.mark.parametrize("tag", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_container_time_tag_past_the_calendar_is_ignored(tag):
    # Today: OverflowError out of probe() for a file whose creation_time tag says this.
    from reviewer.media.probe import parse_time_tag

    assert parse_time_tag(tag) is None


def test_memory_budget_refuses_wide_formats_at_the_size_cap():
    caps.check_picture("ok.mkv", 8192, 8192, "yuv420p")  # 288 MiB with its RGB copy
    with pytest.raises(MediaError, match=r"^deep\.mkv: one 8192x8192 yuv444p16le frame would need 576 MiB"):
        caps.check_picture("deep.mkv", 8192, 8192, "yuv444p16le")


def test_opening_a_recording_beyond_the_limits_is_refused(lib, make_clip, tmp_path, monkeypatch):
    view, = lib.import_paths([linked(make_clip("cfr_noaudio").path, tmp_path / "src")]).added
    monkeypatch.setattr(caps, "MAX_WIDTH", 256)  # as if imported before the limits existed
    with pytest.raises(MediaError, match="picture size 320x240 is beyond the supported maximum of 256x8192"):
        lib.open_recording(view.id)
    failed = [e for e in events(lib, "recording.open") if e.outcome == "failed"]
    assert len(failed) == 1 and "320x240" in failed[0].details["error"]


# ---- CSV -------------------------------------------------------------------------------------------------------
HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "plain", "a=b"]


def test_bookmark_csv_escapes_formula_prefixes():
    from reviewer.annotate.bookmarks import EXPORT_COLUMNS, export_text

    rows = [{k: None for k in EXPORT_COLUMNS} | {"title": t, "note": t, "frame": -1} for t in HOSTILE]
    parsed = list(csv.DictReader(io.StringIO(export_text(rows, "csv"))))
    assert [r["title"] for r in parsed] == ["'" + t for t in HOSTILE[:6]] + HOSTILE[6:]
    assert [r["note"] for r in parsed] == [r["title"] for r in parsed]
    assert {r["frame"] for r in parsed} == {"-1"}  # numbers are data, not formulas
    import json
    assert [r["title"] for r in json.loads(export_text(rows, "json"))] == HOSTILE  # JSON stays exact


def test_audit_csv_escapes_formula_prefixes_json_stays_exact(lib):
    import json

    for t in HOSTILE:
        lib.gov.record_now("file", t, "recording.import", outcome="failed", justification=t)
    text, _n = lib.gov.audit.export_text("csv")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["action"] == "recording.import"]
    assert [r["justification"] for r in rows] == ["'" + t for t in HOSTILE[:6]] + HOSTILE[6:]
    assert [r["object_id"] for r in rows] == [r["justification"] for r in rows]
    exact = [e for e in json.loads(lib.gov.audit.export_text("json")[0]) if e["action"] == "recording.import"]
    assert [e["justification"] for e in exact] == HOSTILE

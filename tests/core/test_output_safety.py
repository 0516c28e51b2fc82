"""Outputs never damage evidence (issue 8, section 3): no output replaces anything inside the library (the
originals, library.sqlite3, caches; its exports/ folder excepted), symlinks included; an existing file is
replaced only with --overwrite, and never a read-only one; a missing folder is refused unless --make-dirs, which
says what it created. Every command that writes a file obeys the same rules (reviewer.outputs)."""

from __future__ import annotations

import hashlib
import os
import stat

import cv2
import pytest

from reviewer.cli import main
from reviewer.library import Library
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401
from tests.fixtures import framecode


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def code_of(png) -> int | None:
    return framecode.read(cv2.cvtColor(cv2.imread(str(png)), cv2.COLOR_BGR2RGB))


def evidence(home):
    """Every file in the library an output could damage, with its hash; not the database and audit checkpoints,
    which change as events are recorded (the database is checked by opening it), nor the CLI's log."""
    return {p: sha(p) for p in home.rglob("*") if p.is_file() and "exports" not in p.parts
            and not p.name.startswith("library.sqlite3") and not {"audit", "logs"} & set(p.parts)}


def test_frame_never_replaces_an_original_or_the_library(lib, gov_home, ids, tmp_path, capsys):
    rid = ids["cfr_h264"]
    view = lib.get(rid)
    original = view.original_path
    database = gov_home / "library.sqlite3"
    before = {original: sha(original), database: sha(database)}
    link = tmp_path / "innocent.png"
    link.symlink_to(database)  # a path outside the library that leads into it
    targets = [original, database, gov_home / "cache" / "x.png", link, original.with_suffix(".png")]
    for target in targets:
        for extra in ([], ["--overwrite"], ["--overwrite", "--make-dirs", "--redacted"]):
            assert main(["frame", rid, "3", "-o", str(target), *extra]) == 1, target
            line = one_line(capsys)
            assert "inside the library" in line or "permission" in line, line
    assert {p: sha(p) for p in before} == before
    assert link.is_symlink() and os.readlink(link) == str(database)
    assert lib.gov.audit.check().ok


def test_a_file_outside_the_library_cannot_be_written_into_it_either(lib, gov_home, ids, make_clip, capsys):
    """`reviewer frame FILE` (footage not in the library) obeys the same rules."""
    db = gov_home / "library.sqlite3"
    before = sha(db)
    assert main(["frame", str(make_clip("cfr_noaudio").path), "2", "-o", str(db)]) == 1
    assert "inside the library" in one_line(capsys)
    assert sha(db) == before


def test_exports_folder_inside_the_library_is_allowed(lib, gov_home, ids):
    out = gov_home / "exports" / "f.png"
    assert main(["frame", ids["cfr_h264"], "7", "-o", str(out), "--make-dirs"]) == 0
    assert code_of(out) is not None


def test_existing_output_needs_overwrite_and_read_only_is_never_replaced(lib, gov_home, ids, tmp_path, capsys):
    rid = ids["cfr_h264"]
    out = tmp_path / "f.png"
    assert main(["frame", rid, "3", "-o", str(out)]) == 0
    assert "exported WITHOUT Content Credentials" in capsys.readouterr().err  # this library has no C2PA identity
    first = sha(out)
    code3 = code_of(out)
    assert main(["frame", rid, "7", "-o", str(out)]) == 1
    line = one_line(capsys)
    assert str(out) in line and "already exists" in line and "--overwrite" in line
    assert sha(out) == first, "refused: the first export is untouched"

    assert main(["frame", rid, "7", "-o", str(out), "--overwrite"]) == 0
    assert code_of(out) == code3 + 4, "replaced when asked"
    capsys.readouterr()  # that export's own warning (no C2PA identity here)

    out.chmod(stat.S_IRUSR | stat.S_IRGRP)
    kept = sha(out)
    assert main(["frame", rid, "9", "-o", str(out), "--overwrite"]) == 1
    line = one_line(capsys)
    assert str(out) in line and "read-only" in line
    assert sha(out) == kept
    refused = [e for e in lib.gov.audit.events(action="recording.frame_export") if e.details.get("frame") == 9]
    assert not refused, "nothing was disclosed"


def test_missing_folder_is_refused_or_created_and_said(lib, gov_home, ids, tmp_path, capsys):
    rid = ids["cfr_h264"]
    out = tmp_path / "new" / "deeper" / "f.png"
    assert main(["frame", rid, "3", "-o", str(out)]) == 1
    line = one_line(capsys)
    assert str(out.parent) in line and "does not exist" in line and "--make-dirs" in line
    assert not (tmp_path / "new").exists()
    assert main(["frame", rid, "3", "-o", str(out), "--make-dirs"]) == 0
    err = capsys.readouterr().err
    assert f"created folder {tmp_path / 'new'}" in err and f"created folder {out.parent}" in err
    assert out.exists()
    failed = tmp_path / "other" / "f.png"
    assert main(["frame", rid, "9999", "-o", str(failed), "--make-dirs"]) == 1
    assert "frame 9999 does not exist" in one_line(capsys)
    assert not (tmp_path / "other").exists(), "a folder made for an output that failed is removed again"


def test_export_refuses_the_library_and_earlier_files_before_any_work(lib, gov_home, ids, tmp_path, capsys):
    rid = ids["cfr_noaudio"]
    before = evidence(gov_home)
    inside = gov_home / "originals" / "copy.mp4"
    args = ["export", rid, "--range", "0:9", "--preset", "ultrafast", "--recipient", "CPS", "--purpose", "court"]
    assert main([*args, "--out", str(inside), "--overwrite", "--make-dirs"]) == 1
    assert "inside the library" in one_line(capsys)
    assert evidence(gov_home) == before

    out = tmp_path / "court.mp4"
    manifest = tmp_path / "court.mp4.manifest.json"
    manifest.write_text("an earlier manifest")
    n = lib.gov.audit.count()
    assert main([*args, "--out", str(out)]) == 1
    line = one_line(capsys)
    assert str(manifest) in line and "already exists" in line
    assert manifest.read_text() == "an earlier manifest" and not out.exists()
    assert not [e for e in lib.gov.audit.events() if e.seq > n and e.action == "recording.export"]
    assert main([*args, "--out", str(out), "--overwrite"]) == 0
    assert out.exists() and manifest.read_text().startswith("{")


def test_stills_and_text_exports_obey_the_same_rules(lib, gov_home, ids, tmp_path, capsys):
    from reviewer.errors import ReviewerError
    from reviewer.export.stills import export_stills

    rid = ids["cfr_h264"]
    before = evidence(gov_home)
    with pytest.raises(ReviewerError, match="inside the library"):
        export_stills(lib, rid, [1], gov_home / "originals", make_dirs=True)
    with pytest.raises(ReviewerError, match="does not exist"):
        export_stills(lib, rid, [1], tmp_path / "stills")
    assert not (tmp_path / "stills").exists()
    db = gov_home / "library.sqlite3"
    for cmd in (["bookmark", "export", rid], ["audit", "export"], ["masks", "export", rid]):
        assert main([*cmd, "-o", str(db), "--overwrite"]) == 1, cmd
        assert "inside the library" in one_line(capsys)
        target = tmp_path / f"{cmd[0]}.txt"
        target.write_text("earlier")
        assert main([*cmd, "-o", str(target)]) == 1, cmd
        assert "already exists" in one_line(capsys)
        assert target.read_text() == "earlier"
        assert main([*cmd, "-o", str(target), "--overwrite"]) == 0, cmd
        assert target.read_text() != "earlier"
    assert evidence(gov_home) == before
    with Library(gov_home) as again:  # the database is still a database (its hash moves with the audit events)
        assert again.get(rid).id == rid

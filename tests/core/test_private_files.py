"""The library home is private to its account: folders 0700, files 0600, originals 0400; an existing home
that is looser is tightened on open, and the tightening is audited."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from reviewer.library import Library

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def modes(home: Path) -> dict[str, int]:
    return {str(p.relative_to(home)): mode(p) for p in [home, *home.rglob("*")] if not p.is_symlink()}


def import_one(home: Path, make_clip, tmp_path) -> str:
    src = tmp_path / "src" / "a.mp4"
    src.parent.mkdir(exist_ok=True)
    src.symlink_to(make_clip("cfr_noaudio").path)
    with Library(home) as lib:
        view = lib.import_paths([src]).added[0]
        lib.open_recording(view.id, reason="test")  # writes the frame-table cache too
        return str(view.original_path.relative_to(home))


def test_a_new_library_is_private(home, make_clip, tmp_path):
    original = import_one(home, make_clip, tmp_path)
    found = modes(home)
    assert found[original] == 0o400
    assert found["library.sqlite3"] == 0o600 and found["."] == 0o700
    loose = {p: m for p, m in found.items() if p != original and m not in (0o700, 0o600)}
    assert loose == {}, f"not private: {loose}"
    assert {m for p, m in found.items() if (home / p).is_dir()} == {0o700}


def test_an_existing_loose_home_is_tightened_on_open_and_audited(home, make_clip, tmp_path):
    original = import_one(home, make_clip, tmp_path)
    os.chmod(home, 0o755)
    os.chmod(home / "library.sqlite3", 0o644)
    os.chmod(home / "originals", 0o755)
    os.chmod(home / original, 0o444)
    with Library(home) as lib:
        assert mode(home) == 0o700 and mode(home / "library.sqlite3") == 0o600
        assert mode(home / "originals") == 0o700 and mode(home / original) == 0o400
        ev = lib.gov.audit.events(action="library.permissions_tightened")
        assert len(ev) == 1 and ev[0].details["changed"] == 4
        assert set(ev[0].details["paths"]) == {".", "library.sqlite3", "originals", original}
    with Library(home) as lib:  # nothing left to tighten: no second event
        assert len(lib.gov.audit.events(action="library.permissions_tightened")) == 1

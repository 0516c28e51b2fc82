"""The originals store: read-only, content-addressed copies whose hash is checked every time they are opened."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from reviewer.errors import Cancelled, IntegrityError
from reviewer.library import Library
from reviewer.library.originals import OriginalStore
from reviewer.progress import Task
from tests.fixtures import framecode


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def lib(home):
    library = Library(home)
    yield library
    library.close()


def _import(lib, clip, tmp_path, name=None):
    p = tmp_path / (name or clip.path.name)
    p.symlink_to(clip.path)
    report = lib.import_paths([p])
    assert report.errors == []
    return report.added[0]


def test_store_is_read_only_and_hashes_match_after_review(lib, make_clip, tmp_path):
    clips = [make_clip("cfr_h264"), make_clip("editlist")]
    views = [_import(lib, c, tmp_path) for c in clips]
    for clip, view in zip(clips, views):
        stored = view.original_path
        assert stored.parent.parent == lib.paths.originals
        assert stored.name.startswith(view.sha256) and stored.parent.name == view.sha256[:2]
        assert stat.S_IMODE(stored.stat().st_mode) & 0o222 == 0
        assert sha256(stored) == sha256(clip.path) == view.sha256

    # a review session: open, step around, jump, read pictures
    for clip, view in zip(clips, views):
        opened = lib.open_recording(view.id)
        with opened.reader() as reader:
            for n in (0, 1, clip.frames - 1, clip.frames // 2, clip.frames // 2 - 1, 7):
                assert framecode.read(reader.frame(n).rgb()) == clip.first_code + n
    for clip, view in zip(clips, views):
        assert sha256(view.original_path) == view.sha256
        assert stat.S_IMODE(view.original_path.stat().st_mode) & 0o222 == 0
        assert lib.get(view.id).integrity == "ok"


def test_flipped_byte_is_refused_and_flagged(lib, make_clip, tmp_path):
    view = _import(lib, make_clip("cfr_h264"), tmp_path)
    events: list[tuple[str, dict]] = []
    lib.subscribe(lambda name, payload: events.append((name, payload)))
    target = view.original_path
    os.chmod(target, 0o644)  # as an attacker (or a careless tool) would
    with open(target, "r+b") as fh:
        fh.seek(view.size // 2)
        b = fh.read(1)
        fh.seek(view.size // 2)
        fh.write(bytes([b[0] ^ 0x01]))

    with pytest.raises(IntegrityError) as err:
        lib.open_recording(view.id)
    assert str(target) in str(err.value) and view.sha256 in str(err.value)
    assert lib.get(view.id).integrity == "failed"
    assert ("integrity_failed", {"id": view.id, "path": str(target), "expected": view.sha256,
                                 "actual": err.value.actual}) in events
    # still refused on the next attempt: a failed original is never served
    with pytest.raises(IntegrityError):
        lib.open_recording(view.id)


def test_missing_original_is_refused(lib, make_clip, tmp_path):
    view = _import(lib, make_clip("cfr_noaudio"), tmp_path)
    view.original_path.unlink()
    with pytest.raises(IntegrityError, match="missing"):
        lib.open_recording(view.id)
    assert lib.get(view.id).integrity == "failed"


def test_copy_in_hashes_what_it_copies_and_cancel_leaves_nothing(make_clip, tmp_path):
    store = OriginalStore(tmp_path / "originals")
    src = make_clip("long_lowres").path
    inc = store.copy_in(src)
    assert inc.sha256 == sha256(src) and inc.size == src.stat().st_size
    final = inc.commit()
    assert final == store.path_for(inc.sha256, ".mp4") and store.verify(inc.sha256) == inc.sha256

    task = Task()
    task.progress = lambda f, label: task.cancel.cancel() if f > 0.2 else None
    with pytest.raises(Cancelled):
        store.copy_in(src, task)
    assert [p for p in store.root.iterdir() if p.is_file()] == []

"""Early writeback of a download (reviewer/sync/writeback.py): by the time the sink closes, the kernel is already
writing all but the last few MiB, so the fsync before the move into the originals store has little to wait for.
Measured with Linux's cachestat(2) (6.5+), which counts a file's dirty pages (those nobody has started to write)."""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys

import pytest

from reviewer.sync.sink import BATCH, Sink
from reviewer.sync.writeback import STEP, Writeback

MiB = 1024 * 1024
_CACHESTAT = 451  # the same number on x86_64 and arm64


class _Range(ctypes.Structure):
    _fields_ = [("off", ctypes.c_uint64), ("len", ctypes.c_uint64)]


class _Stat(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in
                ("nr_cache", "nr_dirty", "nr_writeback", "nr_evicted", "nr_recently_evicted")]


def dirty_bytes(fd: int) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    st = _Stat()
    if libc.syscall(_CACHESTAT, fd, ctypes.byref(_Range(0, 0)), ctypes.byref(st), 0) != 0:
        pytest.skip(f"no cachestat(2) here ({os.strerror(ctypes.get_errno())})")
    return st.nr_dirty * os.sysconf("SC_PAGE_SIZE")


@pytest.fixture
def counted_dir(tmp_path):
    """tmp_path, if its file system keeps dirty pages that an fsync writes out (not tmpfs: nothing to measure)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("early writeback is Linux-only (elsewhere the final fsync does it all, as before)")
    probe = tmp_path / "probe"
    with open(probe, "wb", buffering=0) as fh:
        fh.write(os.urandom(4 * MiB))
        before = dirty_bytes(fh.fileno())
        os.fsync(fh.fileno())
        after = dirty_bytes(fh.fileno())
    probe.unlink()
    if not (before > 0 and after == 0):
        pytest.skip(f"{tmp_path}: this file system does not track dirty pages ({before} then {after} bytes)")
    return tmp_path


def test_a_resumed_download_is_being_written_to_disk_before_its_final_fsync(counted_dir):
    part = counted_dir / "x.part"
    held = 3 * STEP + 12_345  # a resume from an odd offset: what an earlier run left, already on disk
    prefix = os.urandom(held)
    with open(part, "wb") as fh:
        fh.write(prefix)
        os.fsync(fh.fileno())
    body = [os.urandom(BATCH - 7 if i % 5 == 0 else BATCH) for i in range(6 * STEP // BATCH)]
    h = hashlib.sha256(prefix)
    with open(part, "r+b", buffering=0) as out:
        out.seek(held)
        sink = Sink(out, h, Writeback.of(out))
        for piece in body:
            sink.put(piece)
        written = sink.close()
        left_dirty = dirty_bytes(out.fileno())
    whole = prefix + b"".join(body)
    assert written == len(whole) - held
    assert part.read_bytes() == whole and h.hexdigest() == hashlib.sha256(whole).hexdigest()
    # without early writeback all 6 steps (48 MiB) would still be dirty here: the kernel starts on its own only
    # after 30 s or past a tenth of RAM
    assert left_dirty <= STEP, f"{left_dirty / MiB:.1f} MiB still dirty when the sink closed"


def test_writeback_is_only_advice_a_failing_call_changes_nothing_written(tmp_path):
    calls = []

    def refusing(fd, offset, length, flags):  # e.g. EIO: the final fsync is what reports it
        calls.append((offset, length))
        return -1

    part = tmp_path / "x.part"
    data = [os.urandom(BATCH) for _ in range(3 * STEP // BATCH)]
    with open(part, "wb", buffering=0) as out:
        sink = Sink(out, hashlib.sha256(), Writeback(out.fileno(), 0, refusing))
        for piece in data:
            sink.put(piece)
        sink.close()
    assert part.read_bytes() == b"".join(data)
    assert calls == [(0, STEP), (STEP, STEP), (2 * STEP, STEP)]

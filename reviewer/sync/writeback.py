"""Start writing a download to disk while it is still arriving, so that the fsync it needs before it enters the
originals store finds almost nothing left to write.

Without this, the kernel holds the whole file dirty in the page cache and writes it out only at the end (ext4
also flushes a truncated file on close): for 512 MiB that tail was a quarter to a third of a download's time on
the bench (bench/bench_download.py). Linux's sync_file_range(SYNC_FILE_RANGE_WRITE) starts writeback of a range
and does not wait for it; Python's os module does not offer it, hence ctypes. It is advice, not the guarantee:
the final fsync still makes the file durable, so a failure here (or no such call, off Linux) changes nothing
but speed.
"""

from __future__ import annotations

import ctypes
import sys

STEP = 8 * 1024 * 1024  # written bytes handed to writeback at a time (the final fsync waits for at most this)
_PAGE = 4096  # only whole pages are handed on: the next write into a page under writeback could wait for it
_SYNC_FILE_RANGE_WRITE = 2


def _load():
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):  # a libc without it: no early writeback, only slower
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_sync_file_range = _load()


class Writeback:
    """Writeback of one file being appended from `start` (its length when the download began or resumed).
    `written(n)` is called by the one thread that writes, after each write, with the bytes written so far."""

    def __init__(self, fd: int, start: int, start_writeback=None):
        self._fd = fd
        self._done = start  # file offset up to which writeback has been started
        self._start = start
        self._call = start_writeback if start_writeback is not None else _sync_file_range

    @classmethod
    def of(cls, fileobj) -> "Writeback | None":
        """For an open file positioned where the download's next byte goes; None where it cannot help."""
        if _sync_file_range is None:
            return None
        return cls(fileobj.fileno(), fileobj.tell())

    def written(self, n: int) -> None:
        end = (self._start + n) // _PAGE * _PAGE
        if end - self._done >= STEP:
            # the return value is ignored on purpose: the final fsync reports any write error
            self._call(self._fd, self._done, end - self._done, _SYNC_FILE_RANGE_WRITE)
            self._done = end

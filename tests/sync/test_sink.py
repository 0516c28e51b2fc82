"""The download sink (reviewer/sync/sink.py): what reaches the disk and the hash is exactly what arrived, in order,
whatever the sizes of the network reads; a write failure reaches the downloading thread."""

from __future__ import annotations

import errno
import hashlib
import os

import pytest

from reviewer.sync.sink import BATCH, Sink


def test_every_byte_is_written_and_hashed_in_order(tmp_path):
    # small reads gathered into batches, reads of a whole batch or more handed on as they are, and a tail
    pieces = [os.urandom(n) for n in (1, 70_000, BATCH, 3, BATCH * 3 + 5, 100, 2 * BATCH, 17)]
    h = hashlib.sha256()
    with open(tmp_path / "out.part", "wb", buffering=0) as out:
        sink = Sink(out, h)
        for p in pieces:
            sink.put(p)
        written = sink.close()
    data = b"".join(pieces)
    assert written == len(data)
    assert (tmp_path / "out.part").read_bytes() == data
    assert h.hexdigest() == hashlib.sha256(data).hexdigest()


class _FullDisk:
    def __init__(self, room: int):
        self.room = room

    def write(self, view) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = min(len(view), self.room)
        self.room -= n
        return n


def test_a_write_failure_is_raised_to_the_downloading_thread():
    sink = Sink(_FullDisk(BATCH + 10), hashlib.sha256())
    with pytest.raises(OSError, match="No space left"):
        for _ in range(64):  # keeps receiving until the writer's failure is seen
            sink.put(os.urandom(BATCH))
        sink.close()

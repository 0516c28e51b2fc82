"""UUIDv7 operation ids (RFC 9562): time-ordered, so ids made on one workstation sort roughly by creation,
with 74 random bits so two workstations never collide."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last = [0, 0]  # ms, sequence within that ms: ids from one process stay strictly increasing


def uuid7() -> uuid.UUID:
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last[0]:
            ms, seq = _last[0], _last[1] + 1
        else:
            seq = 0
        if seq >= 1 << 12:  # 4096 ids in one ms: borrow the next ms
            ms, seq = ms + 1, 0
        _last[0], _last[1] = ms, seq
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | seq << 64 | 0b10 << 62 | rand
    return uuid.UUID(int=value)

"""Audit checkpoints, kept apart from the chain: an append-only JSON-lines file under the library home.

A hash chain cannot see its own tail cut off; a checkpoint (event count + head hash) written somewhere else
can. Each checkpoint line is itself chained to the previous line, so removing or editing one is visible too.
Lines are appended under an exclusive file lock and fsynced before the call returns. A line torn by a crash
(no final newline) was never complete and is dropped before the next append.

Sync pushes these records to the central store later (the real "somewhere the chain cannot rewrite"): every
appended record is handed to the registered sinks, and `records()` replays the file for a first upload.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from reviewer.atomic import fsync_dir
from reviewer.govern.audit_chain import GENESIS, Checkpoint

try:
    import fcntl
except ImportError:  # Windows: appends are serialised by the library's write lock only
    fcntl = None


@dataclass(frozen=True)
class CheckpointRecord:
    count: int
    head_hash: str
    at: str
    workstation: str
    prev: str  # hash of the previous record (GENESIS for the first)
    hash: str
    # the workstation key's Ed25519 signature over `hash` (signing.py); None in checkpoints written before keys
    signature: dict | None = None

    @property
    def checkpoint(self) -> Checkpoint:
        return Checkpoint(self.count, self.head_hash, self.at)

    def to_json(self) -> dict:
        d = {"count": self.count, "head_hash": self.head_hash, "at": self.at, "workstation": self.workstation,
             "prev": self.prev, "hash": self.hash}
        if self.signature is not None:
            d["signature"] = self.signature
        return d


def record_hash(count: int, head_hash: str, at: str, workstation: str, prev: str) -> str:
    body = {"count": count, "head_hash": head_hash, "at": at, "workstation": workstation, "prev": prev}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class CheckpointLog:
    def __init__(self, path: Path):
        self.path = Path(path)

    def read(self) -> tuple[list[CheckpointRecord], str | None]:
        """(records, problem). A problem names the first damaged line; the records before it are returned."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return [], None
        lines = data.split(b"\n")
        if lines and lines[-1] != b"":
            lines = lines[:-1]  # torn by a crash mid-append: never completed, never counted
        out: list[CheckpointRecord] = []
        prev = GENESIS
        for n, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            where = f"{self.path} line {n}"
            try:
                d = json.loads(raw)
                rec = CheckpointRecord(int(d["count"]), str(d["head_hash"]), str(d["at"]), str(d["workstation"]),
                                       str(d["prev"]), str(d["hash"]), d.get("signature"))
            except (ValueError, KeyError, TypeError):
                return out, f"{where}: checkpoint unreadable (the checkpoint file was damaged or edited)"
            if rec.hash != record_hash(rec.count, rec.head_hash, rec.at, rec.workstation, rec.prev):
                return out, f"{where}: checkpoint content does not match its hash (edited)"
            if rec.prev != prev:
                return out, f"{where}: checkpoint does not follow the one before it (a checkpoint was removed)"
            prev = rec.hash
            out.append(rec)
        return out, None

    def append(self, count: int, head_hash: str, at: str, workstation: str,
               sign: Callable[[bytes], dict] | None = None) -> CheckpointRecord | None:
        """Append a checkpoint unless the last one already covers `count`; returns the new record or None.
        `sign(record hash)` gives its signature block (Governance signs with the workstation key)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        with self._locked() as fh:
            self._drop_torn_tail(fh)
            last_count, prev = self._last(fh)
            if last_count >= count:
                return None
            h = record_hash(count, head_hash, at, workstation, prev)
            rec = CheckpointRecord(count, head_hash, at, workstation, prev, h, sign(h.encode()) if sign else None)
            fh.seek(0, os.SEEK_END)
            fh.write((json.dumps(rec.to_json(), sort_keys=True, separators=(",", ":")) + "\n").encode())
            fh.flush()
            os.fsync(fh.fileno())
        if new:
            fsync_dir(self.path.parent)
        return rec

    def _last(self, fh) -> tuple[int, str]:
        """(count, hash) of the last record, read from the end of the file so appends stay cheap as it grows."""
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        if size == 0:
            return 0, GENESIS
        fh.seek(max(0, size - 4096))
        tail = fh.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
        try:
            d = json.loads(tail)
            return int(d["count"]), str(d["hash"])
        except (ValueError, KeyError, TypeError):
            records, _problem = self.read()  # a damaged end: chain on from the last sound record
            return (records[-1].count, records[-1].hash) if records else (0, GENESIS)

    @contextlib.contextmanager
    def _locked(self) -> Iterator:
        with open(self.path, "a+b") as fh:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield fh
            finally:
                if fcntl is not None:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    @staticmethod
    def _drop_torn_tail(fh) -> None:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        if size == 0:
            return
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return
        fh.seek(0)
        data = fh.read()
        fh.truncate(data.rfind(b"\n") + 1)
        fh.flush()
        os.fsync(fh.fileno())


def signature_problem(records: list[CheckpointRecord], known: dict[str, str], keyed_from: int | None) -> str | None:
    """Every checkpoint covering events from `keyed_from` on (the seq of the first workstation-key registration)
    must carry a valid signature by a key the library knows; a signed one must verify whatever its count."""
    from reviewer.govern.signing import check_signature

    for n, rec in enumerate(records, start=1):
        if rec.signature is None:
            if keyed_from is not None and rec.count >= keyed_from:
                return (f"checkpoint {n} (of {rec.count} events) is unsigned although the library had a workstation "
                        "key by then (the checkpoints were rewritten)")
            continue
        problem = check_signature(rec.signature, rec.hash.encode(), known)
        if problem:
            return f"checkpoint {n} (of {rec.count} events): {problem}"
    return None

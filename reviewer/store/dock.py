"""`reviewer store dock WATCH_DIR --server URL`: the docking station's uploader (issue 10, section 3; docs/dock.md).

A camera file is complete when its size and modification time (and its sidecar's) have not changed for `settle`
seconds, or, with `done_marker`, as soon as `NAME.done` exists. It is then hashed, uploaded over tus in chunks
(each chunk acknowledged by the store before the next), and confirmed with GET /api/v1/blobs/{sha256}. Only a
confirmed file may be deleted, and only with `delete_confirmed`; otherwise it is kept and marked confirmed in the
state file. Every step is recorded in the state file first, so a killed dock resumes from the store's offset.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from reviewer.library.originals import sha256_file
from reviewer.store.dock_client import (ContentMismatch, DockError, OffsetConflict, StoreClient, StoreUnreachable,
                                        UploadGone)
from reviewer.store.dock_state import CONFIRMED, HASHED, UPLOADING, DockState, Entry

MiB = 1024 * 1024
DEFAULT_CHUNK = 32 * MiB  # one PATCH: the store writes its first parts to S3 while the rest arrive (ADR 0008);
# a cut or a killed store costs at most this much again
SIDECAR_INLINE_MAX = 4096  # sent in Upload-Metadata (an HTTP header); real sidecars are a few hundred bytes
SKIP_SUFFIXES = (".json", ".done", ".part", ".partial", ".tmp")


class Stopped(Exception):
    """The dock was asked to stop (SIGTERM) between two chunks; the state file already says where to resume."""


@dataclass(frozen=True)
class Event:
    kind: str  # waiting, hashed, created, progress, sent, confirmed, kept, deleted, warning, error, offline
    name: str
    message: str
    entry: Entry | None = None


class Dock:
    def __init__(self, watch: Path, client: StoreClient, *, state_dir: Path | None = None, settle: float = 2.0,
                 done_marker: bool = False, delete_confirmed: bool = False, chunk_size: int = DEFAULT_CHUNK,
                 on_event: Callable[[Event], None] | None = None):
        self.watch = Path(watch)
        if not self.watch.is_dir():
            raise DockError(f"{self.watch}: not a folder")
        self.client = client
        self.state = DockState(state_dir or self.watch / ".dock").open()
        self.settle, self.done_marker, self.delete_confirmed = settle, done_marker, delete_confirmed
        self.chunk = max(1, int(chunk_size))
        self.on_event = on_event or (lambda e: None)
        self._seen: dict[str, tuple[tuple, float]] = {}  # name -> (signature, monotonic time first seen so)
        self._stop: threading.Event | None = None

    def close(self) -> None:
        self.state.close()
        self.client.close()

    def emit(self, kind: str, name: str, message: str, entry: Entry | None = None) -> None:
        self.on_event(Event(kind, name, message, entry))

    # ---- which files are complete ------------------------------------------------------------------------------
    def candidates(self) -> list[str]:
        out = []
        for p in sorted(self.watch.iterdir()):
            n = p.name
            # a symlink is not camera output: it could offer any file on the machine as evidence
            if n.startswith((".", "~")) or n.lower().endswith(SKIP_SUFFIXES) or p.is_symlink() or not p.is_file():
                continue
            out.append(n)
        return out

    def sidecar_of(self, name: str) -> Path | None:
        from reviewer.library.sidecar import find_sidecar

        return find_sidecar(self.watch / name)

    def _signature(self, name: str) -> tuple:
        st = os.stat(self.watch / name)
        sig = (st.st_size, st.st_mtime_ns)
        side = self.sidecar_of(name)
        if side is not None:
            s2 = os.stat(side)
            sig += (side.name, s2.st_size, s2.st_mtime_ns)
        return sig

    def complete(self, name: str, now: float) -> bool:
        if self.done_marker:
            return (self.watch / (name + ".done")).is_file()
        sig = self._signature(name)
        seen = self._seen.get(name)
        if seen is None or seen[0] != sig:
            self._seen[name] = (sig, now)
            return self.settle <= 0
        return now - seen[1] >= self.settle

    # ---- one pass ----------------------------------------------------------------------------------------------
    def poll(self) -> int:
        """Look at the folder once and carry every complete file as far as the store allows; returns how many
        files still wait (incomplete, or unconfirmed). StoreUnreachable ends the pass early."""
        names = self.candidates()
        self.state.forget_missing(set(names))
        self._seen = {n: v for n, v in self._seen.items() if n in names}
        waiting = 0
        now = time.monotonic()
        for name in names:
            entry = self.state.files.get(name)
            try:
                if entry is not None and entry.state == CONFIRMED and self._unchanged(name, entry):
                    if self.delete_confirmed:
                        self._delete(name, entry)
                    continue
                if not self.complete(name, now):
                    waiting += 1
                    continue
                self.process(name)
            except FileNotFoundError:
                continue  # taken away by the station between listing and reading
            except StoreUnreachable:
                raise
            except DockError as exc:
                waiting += 1
                self.emit("error", name, str(exc))
        return waiting

    def _unchanged(self, name: str, entry: Entry) -> bool:
        st = os.stat(self.watch / name)
        return (st.st_size, st.st_mtime_ns) == (entry.size, entry.mtime_ns)

    def process(self, name: str) -> Entry:
        entry = self.state.files.get(name)
        if entry is None or not self._unchanged(name, entry):
            entry = self._hash(name)
        if entry.state != CONFIRMED:
            held = self.client.blob(entry.sha256)
            if held is None or held.size != entry.size:
                self._upload(name, entry)
                held = self.client.blob(entry.sha256)
            if held is None or held.size != entry.size:
                raise DockError(f"{name}: the store acknowledged every byte but does not list blob {entry.sha256}"
                                "; the file is kept and will be sent again")
            entry.state, entry.upload = CONFIRMED, None
            entry.confirmed_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            self.state.save()
            self.emit("confirmed", name, f"{name}: the store holds sha256 {entry.sha256} ({entry.size} bytes)",
                      entry)
        if self.delete_confirmed:
            self._delete(name, entry)
        else:
            self.emit("kept", name, f"{name}: kept in the camera folder (marked confirmed in {self.state.path})",
                      entry)
        return entry

    def _hash(self, name: str) -> Entry:
        path = self.watch / name
        before = os.stat(path)
        digest = sha256_file(path)
        after = os.stat(path)
        if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
            self._seen.pop(name, None)
            raise DockError(f"{path}: changed while it was being hashed; waiting for it to settle")
        side = self.sidecar_of(name)
        entry = Entry(size=after.st_size, mtime_ns=after.st_mtime_ns, sha256=digest,
                      sidecar=side.name if side else None)
        self.state.files[name] = entry
        self.state.save()
        self.emit("hashed", name, f"{name}: sha256 {entry.sha256} ({entry.size} bytes)", entry)
        return entry

    def metadata(self, name: str, entry: Entry) -> dict[str, str]:
        meta = {"sha256": entry.sha256, "filename": name}
        if entry.sidecar is None:
            return meta
        path = self.watch / entry.sidecar
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            self.emit("warning", name, f"{path}: sidecar gone before the upload; sending the footage without it")
            entry.sidecar = None
            return meta
        entry.sidecar_sha256 = hashlib.sha256(raw).hexdigest()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
        if text is None or len(raw) > SIDECAR_INLINE_MAX:
            # the footage goes regardless (never held back by its description); the sidecar stays in the folder
            self.emit("warning", name, f"{path}: sidecar not sent (not UTF-8 or over {SIDECAR_INLINE_MAX} bytes)")
            entry.sidecar_sha256 = None
            return meta
        from reviewer.library.sidecar import SidecarError, read_sidecar

        try:
            read_sidecar(self.watch / name)
        except SidecarError as exc:  # sent as it is: the importer reports it against the recording
            self.emit("warning", name, str(exc))
        meta["sidecar"] = text
        return meta

    def _upload(self, name: str, entry: Entry) -> None:
        path = self.watch / name
        for _attempt in range(3):
            if entry.upload is None:
                entry.upload = self.client.create(entry.size, self.metadata(name, entry))
                entry.state, entry.acked = UPLOADING, 0
                self.state.save()
                self.emit("created", name, f"{name}: upload {entry.upload}", entry)
            try:
                self._send(path, entry)
                return
            except UploadGone as exc:
                self.emit("warning", name, f"{exc}; starting a new upload")
            except ContentMismatch as exc:
                # the bytes on disk no longer hash to what was declared: forget and hash again next pass
                del self.state.files[name]
                self.state.save()
                self._seen.pop(name, None)
                raise DockError(f"{path}: {exc}; the file will be hashed again") from None
            entry.upload, entry.state, entry.acked = None, HASHED, 0
            self.state.save()
        raise DockError(f"{path}: the store kept losing its upload; will try again")

    def _send(self, path: Path, entry: Entry) -> None:
        offset = self.client.offset(entry.upload)
        with open(path, "rb") as fh:
            while offset < entry.size:
                if self._stop is not None and self._stop.is_set():
                    raise Stopped()
                fh.seek(offset)
                body = fh.read(min(self.chunk, entry.size - offset))
                if len(body) != min(self.chunk, entry.size - offset):
                    raise DockError(f"{path}: shorter than when it was hashed; waiting for it to settle")
                try:
                    offset = self.client.append(entry.upload, offset, body)
                except OffsetConflict:
                    offset = self.client.offset(entry.upload)
                    continue
                entry.acked = offset
                self.state.save()
                self.emit("progress", path.name, f"{path.name}: {offset}/{entry.size} bytes", entry)
        self.emit("sent", path.name, f"{path.name}: all {entry.size} bytes acknowledged", entry)

    def _delete(self, name: str, entry: Entry) -> None:
        """Only what the store confirmed goes: the file if unchanged, its sidecar if it is what was sent.

        The state file is not trusted for this (anyone at the station can edit it): the file is hashed again and
        the store asked about that hash right before the file is deleted."""
        path = self.watch / name
        if not self._unchanged(name, entry):
            return
        sha = sha256_file(path)
        held = self.client.blob(sha)
        if sha != entry.sha256 or held is None or held.size != os.stat(path).st_size:
            self.state.files.pop(name, None)
            self.state.save()
            self._seen.pop(name, None)
            raise DockError(f"{path}: not deleted: the store does not hold this file's content "
                            f"(sha256 {sha}); it will be sent again")
        side = self.watch / entry.sidecar if entry.sidecar else None
        if side is not None and side.is_file() and entry.sidecar_sha256 is not None \
                and hashlib.sha256(side.read_bytes()).hexdigest() == entry.sidecar_sha256:
            side.unlink()
        marker = self.watch / (name + ".done")
        path.unlink()
        if marker.is_file():
            marker.unlink()
        del self.state.files[name]
        self.state.save()
        self.emit("deleted", name, f"{name}: deleted from the camera folder (confirmed by the store)", entry)

    # ---- the loop ----------------------------------------------------------------------------------------------
    def run(self, stop: threading.Event, poll_interval: float = 0.5, max_backoff: float = 10.0) -> None:
        backoff = 0.0
        self._stop = stop
        while not stop.is_set():
            try:
                self.poll()
                backoff = 0.0
                stop.wait(poll_interval)
            except Stopped:
                return
            except OSError as exc:  # the camera folder unmounted, a full disk: say so and look again later
                where = f"{exc.filename}: " if exc.filename else ""
                self.emit("error", "", f"{where}{exc.strerror or exc}; retrying in {max_backoff:.0f} s")
                stop.wait(max_backoff)
            except StoreUnreachable as exc:
                # the first retry is immediate: a cut connection is usually back at once
                self.emit("offline", "", f"{exc}; retrying" + (f" in {backoff:.1f} s" if backoff else ""))
                stop.wait(backoff)
                backoff = min(max(backoff * 2, 0.25), max_backoff)

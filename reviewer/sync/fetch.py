"""One recording's bytes from the store: GET /api/v1/recordings/{sha}/content into `<folder>/<sha>.part`.

Resumable across restarts with no state but the partial file itself: its length is where the next request starts
(Range), and If-Range carries the ETag (the SHA-256), so the store sends the rest only if the content is still
the one whose beginning we hold. Every network read is written at once through an unbuffered file, so a process
killed with -9 loses at most what was in flight; the next run re-hashes the prefix on disk and asks for the rest.
The whole is hashed as it arrives and must equal the SHA-256 it was asked for: a wrong hash removes the partial.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import httpx

try:
    import fcntl
except ImportError:  # Windows: no flock; one download per recording is then up to the caller
    fcntl = None  # type: ignore[assignment]

from reviewer.errors import ReviewerError
from reviewer.progress import NO_TASK, Task
from reviewer.sync.body import body
from reviewer.sync.sink import Sink
from reviewer.sync.writeback import Writeback

CHUNK = 1024 * 1024  # the unit of progress and of the resume promise: a restart re-fetches at most this much
READ_TIMEOUT_S = 60.0
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")

OnBytes = Callable[[int, int], None]  # (bytes held, total)


class DownloadError(ReviewerError):
    """A download that failed; the message names the recording (and the partial file when it matters)."""


class Interrupted(DownloadError):
    """The connection broke or ended early: the partial is kept and the next attempt resumes from its end."""


@dataclass(frozen=True)
class Fetched:
    sha256: str
    path: Path  # the verified file (still the partial's name; the caller moves it into the originals store)
    size: int
    received: int  # bytes this call received from the network (0 when the partial was already whole)
    resumed_from: int  # bytes already on disk when this call began


def partial_path(folder: Path, sha256: str) -> Path:
    return Path(folder) / f"{sha256}.part"


def discard_partial(folder: Path, sha256: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        partial_path(folder, sha256).unlink()


def _hash_prefix(path: Path, task: Task) -> tuple["hashlib._Hash", int]:
    h = hashlib.sha256()
    done = 0
    with contextlib.suppress(FileNotFoundError), open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            h.update(block)
            done += len(block)
            task.check("download")
    return h, done


def _refusal(sha256: str, r: httpx.Response) -> DownloadError:
    r.read()
    try:
        detail = r.json().get("detail", "")
    except ValueError:
        detail = r.text[:200]
    if r.status_code == 404:
        return DownloadError(f"recording {sha256}: not in the central store, or not visible to you ({detail})")
    if r.status_code in (401, 403):
        return DownloadError(f"recording {sha256}: the store refused the download ({r.status_code}): {detail}; "
                             "sign in again (reviewer sync login)")
    return DownloadError(f"recording {sha256}: the store answered {r.status_code}: {detail}")


def fetch(client: httpx.Client, sha256: str, folder: Path, task: Task = NO_TASK,
          on_bytes: OnBytes | None = None) -> Fetched:
    """Download (or finish downloading) `sha256` into folder/<sha>.part and check its SHA-256.

    Raises Cancelled when the task is cancelled (the partial stays, for a later resume: that is "pause"),
    DownloadError for a refusal, a broken connection (partial kept) or a wrong hash (partial removed)."""
    if not _SHA_RE.match(sha256):
        raise DownloadError(f"{sha256!r}: not a SHA-256 hex digest")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    part = partial_path(folder, sha256)
    with _exclusive(part, sha256):
        return _fetch(client, sha256, folder, part, task, on_bytes)


@contextlib.contextmanager
def _exclusive(part: Path, sha256: str):
    """One download of a recording at a time (another window, the queue or another process would interleave
    their writes): an exclusive flock on the partial file itself. An empty partial left by a refusal goes."""
    fd = os.open(part, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DownloadError(f"recording {sha256}: already being downloaded (by another window or "
                                    "process); wait for that download to finish") from None
        try:
            yield
        finally:
            with contextlib.suppress(FileNotFoundError):
                if os.path.samestat(os.fstat(fd), part.stat()) and part.stat().st_size == 0:
                    part.unlink()
    finally:
        os.close(fd)


def _fetch(client: httpx.Client, sha256: str, folder: Path, part: Path, task: Task,
           on_bytes: OnBytes | None) -> Fetched:
    h, held = _hash_prefix(part, task)
    resumed_from = held
    headers = {"Accept-Encoding": "identity"}
    if held:
        headers.update({"Range": f"bytes={held}-", "If-Range": f'"{sha256}"'})
    received = 0
    try:
        with client.stream("GET", f"/api/v1/recordings/{sha256}/content", headers=headers,
                           timeout=httpx.Timeout(30.0, read=READ_TIMEOUT_S)) as r:
            if r.status_code == 416 and held:
                total = int((r.headers.get("content-range") or "*/-1").rsplit("/", 1)[1])
                if total != held:  # longer than the content: not ours; start again from nothing
                    discard_partial(folder, sha256)
                    raise DownloadError(f"{part}: partial download longer than the recording; removed, try again")
                return _verified(part, sha256, h, held, 0, resumed_from)
            if r.status_code not in (200, 206):
                raise _refusal(sha256, r)
            if r.headers.get("etag", "").strip() != f'"{sha256}"':
                raise DownloadError(f"recording {sha256}: the store sent content with ETag "
                                    f"{r.headers.get('etag')!r}, not this recording's SHA-256; nothing kept")
            if r.status_code == 200:  # the whole content: what we held is not continued (or nothing was held)
                h, held = hashlib.sha256(), 0
                total = int(r.headers.get("content-length", "-1"))
            else:
                m = _CONTENT_RANGE.match(r.headers.get("content-range", ""))
                if not m or int(m.group(1)) != held:
                    raise DownloadError(f"recording {sha256}: the store resumed at the wrong place "
                                        f"({r.headers.get('content-range')!r}, wanted byte {held})")
                total = int(m.group(3))
            if on_bytes:
                on_bytes(held, total)
            fd = os.open(part, os.O_WRONLY | os.O_CREAT, 0o600)
            with open(fd, "wb", buffering=0) as out:
                out.truncate(held)
                out.seek(held)
                start, last_report = held, 0.0
                sink = Sink(out, h, Writeback.of(out))
                try:
                    for data in body(r, READ_TIMEOUT_S):
                        sink.put(data)
                        received += len(data)
                        task.check("download")
                        now = time.monotonic()
                        if now - last_report >= 0.1:
                            last_report = now
                            task.report((start + received) / total if total > 0 else 1.0, "downloading")
                            if on_bytes:
                                on_bytes(start + received, total)
                finally:
                    try:
                        held = start + sink.close()  # what is on disk, whatever ended the loop
                    except OSError as exc:
                        raise DownloadError(f"{part}: cannot write the download ({exc.strerror or exc})") from None
                task.report(held / total if total > 0 else 1.0, "downloading")
                if on_bytes:
                    on_bytes(held, total)
    except httpx.ConnectError as exc:
        raise Interrupted(f"recording {sha256}: cannot reach the central store at {client.base_url} ({exc}); "
                          "the download resumes when it can") from None
    except httpx.HTTPError as exc:
        raise Interrupted(f"recording {sha256}: connection to the store lost after {held} bytes "
                            f"({type(exc).__name__}: {exc}); the download resumes from there") from None
    if total >= 0 and held != total:
        raise Interrupted(f"recording {sha256}: the store ended the transfer at {held} of {total} bytes; "
                            "the download resumes from there")
    return _verified(part, sha256, h, held, received, resumed_from)


def _verified(part: Path, sha256: str, h, size: int, received: int, resumed_from: int) -> Fetched:
    got = h.hexdigest()
    if got != sha256:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        raise DownloadError(f"{part}: downloaded content has SHA-256 {got}, expected {sha256}; "
                            "refused and removed (download again)")
    with open(part, "rb") as fh:
        os.fsync(fh.fileno())  # durable before the file is moved into the originals store
    return Fetched(sha256, part, size, received, resumed_from)


def fetch_with_retries(client: httpx.Client, sha256: str, folder: Path, task: Task = NO_TASK,
                       on_bytes: OnBytes | None = None, attempts: int = 3, backoff_s: float = 1.0) -> Fetched:
    """fetch(), resumed after a lost connection up to `attempts` times; a refusal or wrong hash is final."""
    for attempt in range(1, attempts + 1):
        try:
            return fetch(client, sha256, folder, task, on_bytes)
        except Interrupted:
            if attempt == attempts:
                raise
        deadline = time.monotonic() + backoff_s * attempt
        while time.monotonic() < deadline:
            task.check("download")
            time.sleep(0.05)
    raise AssertionError("unreachable")

"""Serving a blob over HTTP: the SHA-256 as a strong ETag, one byte range (RFC 9110 Range), and If-Range so a
client resumes a download only if the content is still the one it started with."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from typing import AsyncIterator, Iterator

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from reviewer.store.blobs.base import BlobStore

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
READ_AHEAD = 3  # chunks read from the blob store ahead of the client (memory: this many chunks per download)
_DONE = object()


async def read_ahead(chunks: Iterator[bytes], depth: int = READ_AHEAD) -> AsyncIterator[bytes]:
    """Stream a blocking chunk iterator with its reading (S3 or disk, and the re-hash) on a thread of its own,
    a few chunks ahead: reading overlaps sending, where a plain sync iterator alternates between them. A client
    that hangs up stops the reader at its next chunk."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    room, stop = threading.Semaphore(depth), threading.Event()

    def hand_over(item) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has gone away: nobody is listening
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def produce() -> None:
        try:
            for chunk in chunks:
                while not room.acquire(timeout=0.5):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
                hand_over(chunk)
            hand_over(_DONE)
        except BaseException as exc:  # noqa: BLE001 - raised again on the event loop's side
            hand_over(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()

    threading.Thread(target=produce, name="blob-read-ahead", daemon=True).start()
    try:
        while (item := await queue.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            room.release()
            yield item
    finally:
        stop.set()


def etag(sha256: str) -> str:
    return f'"{sha256}"'


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """(start, length) of a satisfiable single range, None to send the whole (no or unusable Range header: RFC
    9110 lets a server ignore it), "unsatisfiable" for a range past the end."""
    if not header:
        return None
    m = RANGE_RE.match(header.strip())
    if not m or m.group(1) == m.group(2) == "":
        return None  # several ranges or another unit: answer with the whole content
    first, last = m.group(1), m.group(2)
    if first == "":  # suffix: the last N bytes
        n = int(last)
        if n == 0:
            return "unsatisfiable"
        return max(0, size - n), min(n, size)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return "unsatisfiable"
    return start, end - start + 1


def blob_response(request: Request, blobs: BlobStore, sha256: str, size: int, media_type: str,
                  file_name: str) -> tuple[Response, dict]:
    """The response, and what it revealed (for the audit event)."""
    headers = {"ETag": etag(sha256), "Accept-Ranges": "bytes", "Cache-Control": "private, no-store",
               "Content-Disposition": f'attachment; filename="{_ascii(file_name)}"'}
    wanted = parse_range(request.headers.get("range"), size)
    if_range = request.headers.get("if-range")
    if wanted is not None and if_range is not None and if_range.strip() != etag(sha256):
        wanted = None  # the client's partial copy is of other content: start again with the whole
    if wanted == "unsatisfiable":
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"}), \
            {"range": request.headers.get("range"), "bytes": 0}
    if wanted is None:
        body = read_ahead(blobs.read(sha256)) if size else iter([b""])
        return StreamingResponse(body, media_type=media_type,
                                 headers={**headers, "Content-Length": str(size)}), {"bytes": size}
    start, length = wanted
    headers.update({"Content-Range": f"bytes {start}-{start + length - 1}/{size}", "Content-Length": str(length)})
    body = read_ahead(blobs.read_range(sha256, start, length))
    return StreamingResponse(body, status_code=206, media_type=media_type, headers=headers), \
        {"range": [start, start + length - 1], "bytes": length}


def _ascii(name: str) -> str:
    return "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name) or "recording"

"""A download's response body off the network with as little Python per byte as possible.

httpx hands a body over through httpcore and h11, and each read passes through h11's receive buffer: appended to a
bytearray, sliced out twice and copied once more into bytes, four copies in Python per network read. For a
Content-Length body over HTTP/1.1, once h11 has handed over what it received with the headers, the rest of the
body is exactly the next `length` bytes of the connection, so those are read straight from httpcore's network
stream (the response's documented "network_stream" extension; TLS included, since it decrypts). On 512 MiB this
saved about 0.15 s of CPU of the 0.85 s a hashed download spent (bench/bench_download.py, load 16 on 2 cores).

The connection is then not reused (httpcore sees a response whose body it never finished and closes it). Any other
response (chunked, HTTP/2, a test transport) goes through httpx as before. A byte out of place could not be
accepted: the whole file must still match its SHA-256.
"""

from __future__ import annotations

from typing import Iterator

import httpcore
import httpx

NETWORK_READ = 256 * 1024  # per read: a read returns what has arrived, so larger only means fewer calls


def _larger_network_reads() -> None:
    # The reads httpcore itself still makes (the headers, the first body bytes, the other responses) are 64 KiB
    # by default, each through h11; httpcore has no per-client setting, so this raises its class default.
    try:
        from httpcore._sync.http11 import HTTP11Connection
    except ImportError:  # another httpcore layout: its own read size, only slower
        return
    if getattr(HTTP11Connection, "READ_NUM_BYTES", NETWORK_READ) < NETWORK_READ:
        HTTP11Connection.READ_NUM_BYTES = NETWORK_READ


_larger_network_reads()


def body(r: httpx.Response, read_timeout: float) -> Iterator[bytes]:
    """The raw (undecoded) body of a streamed response, as the network delivers it. Ends early, with no error,
    if the server closes the connection first (the caller compares what it got with the length it expects);
    a broken connection or a read timeout raises httpx.ReadError / httpx.ReadTimeout as httpx would."""
    stream = r.extensions.get("network_stream")
    length = r.headers.get("content-length")
    if (stream is None or r.http_version != "HTTP/1.1" or length is None or not length.isdigit()
            or "transfer-encoding" in r.headers):
        yield from r.iter_raw()
        return
    left = int(length)
    # h11 reads a Content-Length body by handing over all it holds (up to the length) as one event, and httpcore
    # reads the network only when h11 holds nothing: after the first piece, h11 holds none of this body. The
    # iterator stays referenced, unfinished, until the end: closing it would close the connection.
    buffered = r.iter_raw()
    for first in buffered:
        left -= len(first)
        yield first
        break
    while left > 0:
        try:
            data = stream.read(min(NETWORK_READ, left), read_timeout)
        except httpcore.TimeoutException as exc:
            raise httpx.ReadTimeout(str(exc) or "timed out reading the response") from None
        except httpcore.NetworkError as exc:
            raise httpx.ReadError(str(exc) or "the connection broke") from None
        if not data:
            return
        left -= len(data)
        yield data

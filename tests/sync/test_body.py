"""A download's body read straight off the connection (reviewer/sync/body.py), against a scripted HTTP/1.1 server
that controls exactly how the bytes arrive: the first body bytes in the same packet as the headers (h11 holds
them), the rest in pieces, then stalls, a clean close or a reset mid-body. The file must be the exact content, and
every way the connection can fail must end as fetch()'s one-line Interrupted, with the partial kept to resume."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import struct
import threading
import time

import h11
import httpx
import pytest

from reviewer.sync import fetch as fetch_module
from reviewer.sync.body import NETWORK_READ
from reviewer.sync.fetch import Interrupted, fetch, partial_path

CONTENT = os.urandom(1_500_000)  # several 256 KiB reads
SHA = hashlib.sha256(CONTENT).hexdigest()
HALF = 700_001


class ScriptedServer:
    """One connection at a time on loopback. `then` says how a response ends after `upto` body bytes: "close",
    "reset" (RST), "stall" (silence until the test ends) or "junk" (the whole body, then bytes that are not ours)."""

    def __init__(self, upto: int = len(CONTENT), then: str = "junk"):
        self.upto, self.then = upto, then
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._done.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                if not self._done.is_set():
                    self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            request += conn.recv(65536)
        m = re.search(rb"(?i)\r\nrange: bytes=(\d+)-", request)
        start = int(m.group(1)) if m else 0
        body = CONTENT[start:]
        head = (f"HTTP/1.1 {206 if start else 200} OK\r\nContent-Length: {len(body)}\r\n"
                f'ETag: "{SHA}"\r\nContent-Type: video/mp4\r\n'
                + (f"Content-Range: bytes {start}-{len(CONTENT) - 1}/{len(CONTENT)}\r\n" if start else "")
                + "\r\n").encode()
        body = body[:max(0, self.upto - start)]
        conn.sendall(head + body[:1000])  # headers and the first body bytes in one packet: h11 holds those
        for i in range(1000, len(body), 300_000):
            time.sleep(0.01)  # separate arrivals, so the direct reads see several pieces
            conn.sendall(body[i:i + 300_000])
        if self.then == "junk":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nnope!")
        elif self.then == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif self.then == "stall":
            self._done.wait(30)

    def close(self) -> None:
        self._done.set()
        socket.create_connection(self._sock.getsockname()).close()  # wakes accept(): closing does not
        self._sock.close()
        self._thread.join(30)


@pytest.fixture
def serve():
    servers = []

    def start(**kw) -> ScriptedServer:
        servers.append(ScriptedServer(**kw))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def test_the_body_is_exactly_the_content_whatever_follows_it_on_the_connection(serve, tmp_path, monkeypatch):
    parsed = []  # what passes through h11 in Python: after the first read, nothing of the body should
    real = h11.Connection.receive_data
    monkeypatch.setattr(h11.Connection, "receive_data", lambda self, data: (parsed.append(len(data)),
                                                                            real(self, data))[1])
    server = serve()
    with httpx.Client(base_url=server.url) as client:
        got = fetch(client, SHA, tmp_path)
    assert (got.size, got.received, got.resumed_from) == (len(CONTENT), len(CONTENT), 0)
    assert got.path.read_bytes() == CONTENT
    assert 0 < sum(parsed) <= NETWORK_READ, f"h11 parsed {sum(parsed)} bytes of a {len(CONTENT)}-byte body"


def test_a_connection_closed_mid_body_is_interrupted_and_resumes_from_what_was_written(serve, tmp_path):
    server = serve(upto=HALF, then="close")
    with httpx.Client(base_url=server.url) as client:
        with pytest.raises(Interrupted) as exc:
            fetch(client, SHA, tmp_path)
        assert str(exc.value) == (f"recording {SHA}: the store ended the transfer at {HALF} of {len(CONTENT)} "
                                  "bytes; the download resumes from there")
        assert partial_path(tmp_path, SHA).read_bytes() == CONTENT[:HALF]
        server.upto, server.then = len(CONTENT), "junk"
        got = fetch(client, SHA, tmp_path)
    assert (got.received, got.resumed_from) == (len(CONTENT) - HALF, HALF)
    assert got.path.read_bytes() == CONTENT


def test_a_connection_reset_mid_body_is_interrupted_in_one_line(serve, tmp_path):
    server = serve(upto=HALF, then="reset")
    with httpx.Client(base_url=server.url) as client, pytest.raises(Interrupted) as exc:
        fetch(client, SHA, tmp_path)
    held = partial_path(tmp_path, SHA).stat().st_size
    assert 0 < held <= HALF
    assert str(exc.value).startswith(f"recording {SHA}: connection to the store lost after {held} bytes (ReadError: ")
    assert str(exc.value).endswith("); the download resumes from there")


def test_a_stalled_connection_times_out_as_interrupted(serve, tmp_path, monkeypatch):
    monkeypatch.setattr(fetch_module, "READ_TIMEOUT_S", 0.5)
    server = serve(upto=HALF, then="stall")
    with httpx.Client(base_url=server.url) as client, pytest.raises(Interrupted) as exc:
        fetch(client, SHA, tmp_path)
    assert str(exc.value).startswith(f"recording {SHA}: connection to the store lost after {HALF} bytes "
                                     "(ReadTimeout: ")
    assert partial_path(tmp_path, SHA).read_bytes() == CONTENT[:HALF]

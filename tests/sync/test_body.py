"""A download's body read straight off the connection (reviewer/sync/body.py), against a scripted HTTP/1.1 server
that controls exactly how the bytes arrive, over TLS too (as a store behind HTTPS sends them): the first body
bytes in the same packet as the headers (h11 holds them), the rest in pieces, then stalls, a clean close or a
reset mid-body. The file must be the exact content, and every way the connection can fail must end as fetch()'s
one-line Interrupted, with the partial kept to resume."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os
import re
import socket
import ssl
import struct
import threading
import time
from pathlib import Path

import h11
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
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

    def __init__(self, upto: int = len(CONTENT), then: str = "junk", tls: ssl.SSLContext | None = None):
        self.upto, self.then, self._tls = upto, then, tls
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http{'s' if tls else ''}://127.0.0.1:{self._sock.getsockname()[1]}"
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._done.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            if self._done.is_set():
                conn.close()
                return
            with self._tls.wrap_socket(conn, server_side=True) if self._tls else conn as conn:
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


def _self_signed(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A certificate for 127.0.0.1: (the server's context, a client context that trusts only it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return server, ssl.create_default_context(cafile=str(folder / "cert.pem"))


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_body_is_exactly_the_content_whatever_follows_it_on_the_connection(serve, tmp_path, monkeypatch,
                                                                               scheme):
    server_tls, client_tls = _self_signed(tmp_path) if scheme == "https" else (None, True)
    parsed = []  # what passes through h11 in Python: after the first read, nothing of the body should
    real = h11.Connection.receive_data
    monkeypatch.setattr(h11.Connection, "receive_data", lambda self, data: (parsed.append(len(data)),
                                                                            real(self, data))[1])
    server = serve(tls=server_tls)
    with httpx.Client(base_url=server.url, verify=client_tls) as client:
        got = fetch(client, SHA, tmp_path / "downloads")
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

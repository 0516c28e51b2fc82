"""The store keeps an idle connection open longer than its clients do (httpx lets one go after 5 s): otherwise a
client's next request can be written onto a connection the server is closing at that moment, and a POST that
cannot be retried blindly fails with "server disconnected" (seen under load in CI)."""

from __future__ import annotations

import socket
import threading

from reviewer.cli_store import KEEP_ALIVE_S

CLIENT_IDLE_S = 5.0  # httpx's keepalive_expiry default
IDLE_S = CLIENT_IDLE_S + 1.5


def get_health(sock: socket.socket, host: str) -> bytes:
    sock.sendall(f"GET /api/v1/health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_an_idle_connection_outlives_the_clients_own_idle_expiry(embedded_store):
    assert KEEP_ALIVE_S > CLIENT_IDLE_S
    host, port = embedded_store.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        assert get_health(sock, host).startswith(b"HTTP/1.1 200")
        threading.Event().wait(IDLE_S)  # the idle period itself is what is tested
        again = get_health(sock, host)
    assert again.startswith(b"HTTP/1.1 200"), f"the store closed an idle connection within {IDLE_S} s"

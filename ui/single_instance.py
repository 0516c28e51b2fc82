"""One window per library: a second `bwv-reviewer FILE` hands FILE to the window already open on that library.

The running app listens on a Unix socket in the library home (owned by the user, so another account cannot
answer in its place); a new launch first tries to connect with plain Python sockets, before any Qt object exists,
so a hand-over costs no Qt start-up. One message: a JSON line {"target": ..., "frame": N}. A stale socket left
by a crash refuses the connection, and the new process then takes the name over.
Windows and macOS: not wired (QLocalServer uses named pipes there); each launch opens its own window.
"""

from __future__ import annotations

import hashlib
import json
import socket
import sys
import tempfile
from pathlib import Path

MAX_MESSAGE = 64 * 1024
SOCKET_NAME = "bwv-reviewer.sock"


def socket_path(home: Path) -> Path:
    path = home / SOCKET_NAME
    if len(str(path)) < 100:  # sun_path holds 108 bytes
        return path
    digest = hashlib.sha256(str(home).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"bwv-reviewer-{digest}.sock"


def supported() -> bool:
    return sys.platform.startswith("linux")


def hand_over(home: Path, target: str | None, frame: int) -> bool:
    """True when a running app on this library took the request (it raises its window and opens target)."""
    path = socket_path(home)
    if not supported() or not path.exists():
        return False
    message = json.dumps({"target": target, "frame": frame}).encode() + b"\n"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(path))
            s.sendall(message)
            return s.recv(16).startswith(b"ok")
    except OSError:
        return False  # nobody listening (a crash left the file): this launch becomes the app


def parse(data: bytes) -> tuple[str | None, int] | None:
    try:
        msg = json.loads(data.decode("utf-8"))
        target, frame = msg.get("target"), int(msg.get("frame") or 0)
    except (ValueError, AttributeError, TypeError):
        return None
    if target is not None and not isinstance(target, str):
        return None
    return target, frame


def serve(home: Path, on_request, parent=None):
    """Listen for hand-overs; on_request(target, frame) runs on the UI thread. Returns the server (or None)."""
    if not supported():
        return None
    from PySide6.QtNetwork import QLocalServer

    path = str(socket_path(home))
    server = QLocalServer(parent)
    server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
    QLocalServer.removeServer(path)  # hand_over() found nobody there, so any file left is stale
    if not server.listen(path):
        return None

    def accept() -> None:
        while server.hasPendingConnections():
            conn = server.nextPendingConnection()
            buf = bytearray()

            def read(conn=conn, buf=buf) -> None:
                buf.extend(bytes(conn.readAll().data()))
                if b"\n" not in buf and len(buf) < MAX_MESSAGE:
                    return
                request = parse(bytes(buf).split(b"\n", 1)[0])
                conn.write(b"ok\n" if request else b"bad\n")
                conn.flush()
                conn.disconnectFromServer()
                if request:
                    on_request(*request)

            conn.readyRead.connect(read)
            conn.disconnected.connect(conn.deleteLater)

    server.newConnection.connect(accept)
    return server

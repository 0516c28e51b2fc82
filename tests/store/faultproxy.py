"""A fault-injecting TCP proxy for the store's tests, on loopback only: it passes bytes, drops new connections,
delays or throttles what it forwards, or cuts a connection after N more bytes towards the server. Faults switch
at run time, and the upstream can be re-pointed (a restarted server comes back on another port) while the client
keeps one address. It counts the bytes it forwards each way, so tests can prove how much was sent again."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

READ = 64 * 1024


class FaultProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1"):
        self._lock = threading.Lock()
        self.upstream = (upstream_host, upstream_port)
        self.mode = "pass"  # or "drop": new connections are accepted and closed at once
        self.delay = 0.0  # seconds slept before forwarding each read, both ways
        self.rate = 0.0  # bytes per second towards the server (0: unlimited)
        self._cut_left: int | None = None  # bytes towards the server before the carrying connection is cut
        self.up_bytes = 0  # client -> server, forwarded
        self.down_bytes = 0  # server -> client, forwarded
        self.connections = 0
        self.cuts = 0
        self._socks: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="faultproxy", daemon=True)
        self._thread.start()

    # ---- switches ----------------------------------------------------------------------------------------------
    def set_upstream(self, port: int, host: str = "127.0.0.1") -> None:
        with self._lock:
            self.upstream = (host, port)

    def passing(self) -> None:
        with self._lock:
            self.mode, self.delay, self.rate, self._cut_left = "pass", 0.0, 0.0, None

    def drop(self) -> None:
        with self._lock:
            self.mode = "drop"

    def set_delay(self, seconds: float) -> None:
        with self._lock:
            self.delay = seconds

    def throttle(self, bytes_per_s: float) -> None:
        with self._lock:
            self.rate = bytes_per_s

    def cut_after(self, n: int) -> None:
        """One shot: the connection carrying the n-th next byte towards the server is cut right after it."""
        with self._lock:
            self._cut_left = n

    def reset_counts(self) -> None:
        with self._lock:
            self.up_bytes = self.down_bytes = 0

    def open_connections(self) -> int:
        """Sockets still open, both sides counted (a finished exchange has closed both)."""
        with self._lock:
            return len(self._socks)

    def cut_all(self) -> None:
        """Cut every open connection now (as a dead server or a pulled cable would)."""
        with self._lock:
            socks = list(self._socks)
        for s in socks:
            _shut(s)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(5)
        self._listener.close()
        self.cut_all()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- plumbing ----------------------------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            with self._lock:
                mode, upstream = self.mode, self.upstream
                self.connections += 1
            if mode == "drop":
                _shut(client)
                continue
            try:
                server = socket.create_connection(upstream, timeout=10)
            except OSError:
                _shut(client)
                continue
            for s in (client, server):
                s.settimeout(None)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._socks |= {client, server}
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, upward: bool) -> None:
        try:
            while True:
                data = src.recv(READ)
                if not data:
                    with contextlib.suppress(OSError):
                        dst.shutdown(socket.SHUT_WR)
                    return
                with self._lock:
                    delay, rate = self.delay, self.rate if upward else 0.0
                if delay or rate:
                    time.sleep(delay + (len(data) / rate if rate else 0.0))
                cut = False
                with self._lock:
                    if upward and self._cut_left is not None:
                        if len(data) >= self._cut_left:
                            data, cut = data[:self._cut_left], True
                            self._cut_left = None
                            self.cuts += 1
                        else:
                            self._cut_left -= len(data)
                    if upward:
                        self.up_bytes += len(data)
                    else:
                        self.down_bytes += len(data)
                if data:
                    dst.sendall(data)
                if cut:
                    _shut(src)
                    _shut(dst)
                    return
        except OSError:
            _shut(src)
            _shut(dst)
        finally:
            with self._lock:
                self._socks.discard(src)


def _shut(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        s.close()

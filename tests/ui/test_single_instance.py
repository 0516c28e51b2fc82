"""A second launch on the same library hands its file to the running window and exits; a stale socket left by a
crash does not stop the next app from starting."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ui import single_instance

pytestmark = [pytest.mark.gui, pytest.mark.skipif(not single_instance.supported(), reason="Linux only")]
ROOT = Path(__file__).resolve().parents[2]


def test_a_second_launch_hands_its_file_to_the_running_app_and_exits(qtbot, home, tmp_path):
    got = []
    server = single_instance.serve(home, lambda target, frame: got.append((target, frame)))
    assert server is not None
    clip = tmp_path / "footage" / "clip.mp4"
    clip.parent.mkdir()
    clip.write_bytes(b"not opened here")
    env = {**os.environ, "REVIEWER_HOME": str(home), "PYTHONPATH": str(ROOT)}
    result = {}

    def second_launch() -> None:  # a thread, so this test's event loop can answer it
        result["p"] = subprocess.run([sys.executable, "-m", "ui.launch", "footage/clip.mp4", "--frame", "12"],
                                     capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)

    t = threading.Thread(target=second_launch)
    t.start()
    qtbot.waitUntil(lambda: bool(got) and not t.is_alive(), timeout=60000)
    t.join()
    p = result["p"]
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")
    assert got == [(str(clip), 12)]  # made absolute: the running app has another working directory
    server.close()


def test_a_stale_socket_from_a_crash_is_taken_over(qtbot, home):
    stale = single_instance.socket_path(home)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(stale))
    s.close()  # the file stays, nobody listens: what a killed app leaves behind
    assert stale.exists()
    assert single_instance.hand_over(home, None, 0) is False
    got = []
    server = single_instance.serve(home, lambda target, frame: got.append((target, frame)))
    assert server is not None and server.isListening()
    t = threading.Thread(target=lambda: got.append(single_instance.hand_over(home, None, 0)))
    t.start()
    qtbot.waitUntil(lambda: not t.is_alive(), timeout=60000)
    assert sorted(got, key=str) == [(None, 0), True]
    server.close()


def test_garbage_on_the_socket_is_refused_without_opening_anything(qtbot, home):
    got = []
    server = single_instance.serve(home, lambda target, frame: got.append((target, frame)))
    reply = {}

    def send() -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
            c.settimeout(30)
            c.connect(str(single_instance.socket_path(home)))
            c.sendall(b'{"target": 5}\n')
            reply["r"] = c.recv(16)

    t = threading.Thread(target=send)
    t.start()
    qtbot.waitUntil(lambda: not t.is_alive(), timeout=60000)
    assert reply["r"] == b"bad\n" and got == []
    server.close()

"""Exports are sealed with a workstation key kept in the OS keyring (ADR 0012). A benchmark run on a machine
without a desktop session gets its own throwaway Secret Service, the same one the tests use, for this run only."""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def ensure_keyring() -> None:
    """Leave a working session keyring alone; otherwise start a private one and point this process and its
    children at it."""
    if os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return
    from tests.fixtures.keyring_session import KeyringSession

    session = KeyringSession()
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = session.address
    atexit.register(session.stop)

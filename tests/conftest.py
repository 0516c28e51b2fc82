"""Shared fixtures: generated clips (cached per generator version), an isolated library home."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

# Qt tests run offscreen; set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.fixtures import clips as clipgen  # noqa: E402
from tests.fixtures.keyring_session import KeyringSession  # noqa: E402
from tests.fixtures.testlib import make_test_library  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def secure_keyring():
    """Checkpoints and manifests are sealed with a key kept in the OS keyring, so every test session runs its
    own unlocked Secret Service (gnome-keyring on a private D-Bus bus); subprocesses inherit the bus address."""
    session = KeyringSession()
    old = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = session.address
    yield session
    if old is None:
        os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
    else:
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = old
    session.stop()


pytest_plugins = ["pytester"]  # tests/ui/test_slot_exceptions.py runs a small suite of its own


def _clip_root() -> Path:
    env = os.environ.get("REVIEWER_TEST_CLIPS")
    root = Path(env) if env else Path.home() / ".cache" / "bwv-reviewer-test-clips"
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture(scope="session")
def clip_dir() -> Path:
    return _clip_root()


@pytest.fixture(scope="session")
def make_clip(clip_dir):
    """make_clip("cfr_h264") -> Clip; built once per machine and generator version."""

    def make(name: str) -> clipgen.Clip:
        return clipgen.make(name, clip_dir)

    return make


@pytest.fixture(params=clipgen.ALL_CLIPS)
def any_clip(request, make_clip) -> clipgen.Clip:
    return make_clip(request.param)


@pytest.fixture
def fresh_home(tmp_path, monkeypatch) -> Path:
    """An empty folder for a library nobody has initialised; REVIEWER_HOME points at it."""
    monkeypatch.delenv("REVIEWER_USER", raising=False)
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("REVIEWER_HOME", str(h))
    return h


@pytest.fixture
def home(fresh_home) -> Path:
    """A new, empty test library whose supervisor is this OS account (REVIEWER_USER may act as others)."""
    return make_test_library(fresh_home)


@pytest.fixture
def test_home(home) -> Path:
    """The same as `home`, named for what it is."""
    return home


@pytest.fixture(autouse=True)
def fail_on_unhandled_exceptions(monkeypatch):
    """An exception nobody handles fails the test that caused it. pytest-qt already routes sys.excepthook (Qt
    slots and virtual methods) into a failure; this adds exceptions that end a Python thread and those Python can
    only report as "unraisable" (raised in __del__ or in a callback with no caller left to receive them)."""
    caught: list[str] = []

    def on_thread(args):
        name = getattr(args.thread, "name", "?")
        caught.append(f"thread {name}: {args.exc_type.__name__}: {args.exc_value}")

    def on_unraisable(u):
        caught.append(f"unraisable in {u.object!r}: {type(u.exc_value).__name__}: {u.exc_value}")

    monkeypatch.setattr(threading, "excepthook", on_thread)
    monkeypatch.setattr(sys, "unraisablehook", on_unraisable)
    yield
    if caught:
        pytest.fail("unhandled exception(s) during the test:\n" + "\n".join(caught), pytrace=False)


@pytest.fixture(scope="session")
def pg():
    """The session's one throwaway PostgreSQL cluster (the store's and the sync tests share it). Not under
    pytest's tmp folder: that is private to root, and PostgreSQL runs as an unprivileged user."""
    import tempfile

    from tests.store import services

    with tempfile.TemporaryDirectory(prefix="bwv-store-pg-") as root:
        with services.postgres(Path(root)) as server:
            yield server

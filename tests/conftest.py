"""Shared fixtures: generated clips (cached per generator version), an isolated library home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Qt tests run offscreen; set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.fixtures import clips as clipgen  # noqa: E402


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
def home(tmp_path, monkeypatch) -> Path:
    """An empty library home; REVIEWER_HOME points at it for code that reads the environment."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("REVIEWER_HOME", str(h))
    return h

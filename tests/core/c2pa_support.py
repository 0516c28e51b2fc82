"""Shared by the Content Credentials tests: a test CA on disk, an approved mask over the burned-in frame code."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from reviewer.govern.roles import Role
from reviewer.provenance.certs import make_test_ca
from reviewer.redact import approval
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore
from tests.core.test_govern_support import user_with_role
from tests.fixtures import framecode


@dataclass(frozen=True)
class TestCA:
    ca: Path  # the root: a trust anchor
    chain: Path
    key: Path
    ca_pem: str


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory) -> TestCA:
    root = tmp_path_factory.mktemp("c2pa-ca")
    ca, chain, key = make_test_ca(org="Test Constabulary")
    for name, data in (("ca.pem", ca), ("chain.pem", chain), ("key.pem", key)):
        (root / name).write_bytes(data)
    return TestCA(root / "ca.pem", root / "chain.pem", root / "key.pem", ca.decode())


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def approved_code_mask(lib, home, monkeypatch, rid: str) -> MaskTrack:
    """A solid mask over the frame code on every frame, reason "personal data", approved by a second user."""
    opened = lib.open_recording(rid, reason="test setup")
    x, y, w, h = framecode.code_rect(opened.info.width)
    pts = opened.table.pts
    box = ((float(x), float(y)), (float(x + w), float(y + h)))
    track = MaskTrack(ShapeKind.RECT, (Keyframe(int(pts[0]), box), Keyframe(int(pts[-1]), box)),
                      Effect(EffectKind.SOLID), reason="personal data", label="code")
    MaskStore(lib).save_track(rid, track)
    second = user_with_role(lib, home, monkeypatch, Role.INVESTIGATOR)
    try:
        assert approval.approve(second, rid).approved
    finally:
        second.close()
    return track

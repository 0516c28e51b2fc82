"""The bundle's SBOM and licence list (packaging/bom.py, native_libs.py): the GPL FFmpeg and encoders that ADR
0011 is about are named as GPL, LGPL builds as LGPL, nothing unknown is guessed, and only shipped packages are in."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import bom  # noqa: E402
import native_libs  # noqa: E402


def touch(bundle: Path, rel: str, size: int = 10) -> None:
    path = bundle / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)


def test_native_libraries_get_their_origin_and_licence(tmp_path):
    for rel in ("_internal/av.libs/libx264-d6533a8d.so.165", "_internal/av.libs/libavcodec-5e6b81c2.so.62.28.102",
                "_internal/opencv_contrib_python_headless.libs/libavcodec-c4204469.so.62.28.101",
                "_internal/PySide6/Qt/plugins/platforms/libqxcb.so", "_internal/libmystery.so.3",
                "_internal/numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so", "_internal/libz.so.1"):
        touch(tmp_path, rel)
    got = {lib.path: (lib.name, lib.version, lib.origin, lib.licence) for lib in native_libs.scan(tmp_path)}
    assert got == {
        "_internal/av.libs/libx264-d6533a8d.so.165": ("libx264", "165", "av", "GPL-2.0-or-later"),
        "_internal/av.libs/libavcodec-5e6b81c2.so.62.28.102": ("libavcodec", "62.28.102", "av", "GPL-3.0-or-later"),
        "_internal/opencv_contrib_python_headless.libs/libavcodec-c4204469.so.62.28.101":
            ("libavcodec", "62.28.101", "opencv-contrib-python-headless", "LGPL-2.1-or-later"),
        "_internal/PySide6/Qt/plugins/platforms/libqxcb.so": ("libqxcb", "unknown", "PySide6", "LGPL-3.0-only"),
        "_internal/libmystery.so.3": ("libmystery", "3", "build host", None),  # not guessed
        "_internal/libz.so.1": ("libz", "1", "build host", "Zlib"),
    }


def test_the_sbom_keeps_shipped_packages_adds_native_libraries_and_validates(tmp_path):
    pytest.importorskip("cyclonedx.validation.json", reason="needs the packaging extra (cyclonedx-bom)")
    touch(tmp_path, "_internal/av.libs/libx265-f5385bb8.so.216")
    env = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "metadata": {},
           "components": [{"type": "library", "bom-ref": "av==18", "name": "av", "version": "18"},
                          {"type": "library", "bom-ref": "pytest==8", "name": "pytest", "version": "8"}],
           "dependencies": [{"ref": "av==18", "dependsOn": ["pytest==8"]}, {"ref": "pytest==8"}]}
    out = bom.make_sbom(env, {"av": object()}, native_libs.scan(tmp_path))
    names = [c["name"] for c in out["components"]]
    assert names == ["av", "libx265"]  # the build venv's pytest is not in the bundle
    assert out["components"][1]["licenses"] == [{"expression": "GPL-2.0-or-later"}]
    assert out["metadata"]["component"]["licenses"] == [{"expression": "GPL-3.0-or-later"}]
    text = json.dumps(out)
    assert bom.schema_errors(text) is None
    out["components"][0]["type"] = "not-a-type"
    assert bom.schema_errors(json.dumps(out)) is not None


def test_a_stub_in_place_of_an_encoder_is_listed_as_ours_and_the_encoder_as_not_shipped(tmp_path):
    """packaging/shared_libs.py's STUBS: av.libs/libx265-... becomes a link to the stub, so the SBOM must not claim
    x265 (nor its GPL-2.0 licence) and must say what the stub replaces."""
    pytest.importorskip("cyclonedx.validation.json", reason="needs the packaging extra (cyclonedx-bom)")
    touch(tmp_path, "_internal/bwv_reviewer.libs/libx265_stub.so")
    (tmp_path / "_internal" / "av.libs").mkdir()
    os.symlink("../bwv_reviewer.libs/libx265_stub.so", tmp_path / "_internal/av.libs/libx265-f5385bb8.so.216")
    libs = native_libs.scan(tmp_path)
    from reviewer import __version__

    assert [(lib.name, lib.version, lib.origin, lib.licence) for lib in libs] == [
        ("libx265_stub", __version__, "bwv-reviewer", "GPL-3.0-or-later")]
    env = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "metadata": {}, "components": [],
           "dependencies": []}
    out = bom.make_sbom(env, {}, libs)
    assert out["components"][0]["description"].startswith("stub built by BWV Reviewer in place of libx265 ")
    assert bom.schema_errors(json.dumps(out)) is None
    text = bom.third_party_text({}, libs)
    assert "_internal/bwv_reviewer.libs/libx265_stub.so stands in for libx265 (the HEVC encoder)" in text
    assert "GPL-2.0" not in text

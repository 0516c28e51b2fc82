"""The tus protocol core, without a server: header parsing and the SHA-256 declaration."""

from __future__ import annotations

import base64
import hashlib

import pytest

from reviewer.store.tus import TusError, check_resumable, declared_sha256, parse_metadata, parse_non_negative


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_metadata_pairs_decode_and_a_bare_key_is_empty():
    sha = hashlib.sha256(b"x").hexdigest()
    meta = parse_metadata(f"sha256 {b64(sha)},filename {b64('cam 1 ✓.mp4')},is_confidential")
    assert meta == {"sha256": sha, "filename": "cam 1 ✓.mp4", "is_confidential": ""}
    assert declared_sha256(meta) == sha
    assert declared_sha256({"sha256": sha.upper()}) == sha


@pytest.mark.parametrize("header, message", [
    ("sha256 !!notbase64", "not base64"),
    (f"a {b64('1')},a {b64('2')}", "bad or repeated key 'a'"),
])
def test_bad_metadata_is_a_400_naming_the_key(header, message):
    with pytest.raises(TusError, match=message) as refused:
        parse_metadata(header)
    assert refused.value.status == 400


@pytest.mark.parametrize("meta", [{}, {"sha256": "abc"}, {"sha256": "g" * 64}])
def test_the_sha256_declaration_is_required(meta):
    with pytest.raises(TusError, match="must declare the file's SHA-256") as refused:
        declared_sha256(meta)
    assert refused.value.status == 400


def test_numbers_and_version():
    assert parse_non_negative("Upload-Offset", "42") == 42
    for bad in (None, "-1", "1.5", "x"):
        with pytest.raises(TusError, match="Upload-Offset"):
            parse_non_negative("Upload-Offset", bad)
    check_resumable("1.0.0")
    with pytest.raises(TusError, match="0.2.2") as refused:
        check_resumable("0.2.2")
    assert refused.value.status == 412

"""A stored version hashed whole once is served without hashing again (blobs/verified.py), and any change to the
stored object after that is still caught: filesystem and S3 (real SeaweedFS)."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from reviewer.store.blobs import FileBlobStore
from reviewer.store.blobs import hashing
from reviewer.store.blobs.base import CHUNK
from reviewer.store.blobs.verified import Verified
from reviewer.store.errors import ChecksumMismatch

SETTLE_S = 0.05


@pytest.fixture(params=["filesystem", "s3"])
def blobs(request, tmp_path):
    if request.param == "filesystem":
        return FileBlobStore(tmp_path / "blobs", settle_s=SETTLE_S)
    return request.getfixturevalue("s3_store")


@pytest.fixture
def hashed(monkeypatch):
    """How many full reads were hashed."""
    count = []
    real = hashing.BackgroundSha256

    def counting(*a, **kw):
        count.append(1)
        return real(*a, **kw)
    monkeypatch.setattr(hashing, "BackgroundSha256", counting)
    return count


def stored(blobs, tmp_path, size: int):
    data = os.urandom(size)
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    blobs.put(sha, path)
    if blobs.kind == "filesystem":  # its times must be older than one timestamp tick before they name a version
        while os.stat(blobs.path(sha)).st_ctime_ns > time.time_ns() - int(SETTLE_S * 1e9):
            time.sleep(SETTLE_S / 5)
    return data, sha


def tamper(blobs, sha: str, data: bytes) -> None:
    """Bit rot or a write that bypassed the store: the last byte changes (S3: a new version of the key)."""
    bad = data[:-1] + bytes([data[-1] ^ 1])
    if blobs.kind == "filesystem":
        os.chmod(blobs.path(sha), 0o644)
        blobs.path(sha).write_bytes(bad)
    else:
        blobs.client.put_object(Bucket=blobs.bucket, Key=blobs.key(sha), Body=bad)


def test_a_verified_version_is_served_again_without_hashing(blobs, tmp_path, hashed):
    data, sha = stored(blobs, tmp_path, 2 * CHUNK + 5)
    assert blobs.read_bytes(sha) == data and len(hashed) == 1
    assert blobs.read_bytes(sha) == data and len(hashed) == 1  # the same stored version: no second hash
    blobs.verified.forget(sha)
    assert blobs.read_bytes(sha) == data and len(hashed) == 2


def test_a_blob_altered_after_it_was_verified_is_still_caught(blobs, tmp_path, hashed):
    data, sha = stored(blobs, tmp_path, 2 * CHUNK + 5)
    blobs.verify(sha)
    tamper(blobs, sha, data)
    received = bytearray()
    with pytest.raises(ChecksumMismatch, match=f"blob {sha}"):
        for chunk in blobs.read(sha):
            received += chunk
    assert len(hashed) == 2  # the new version was hashed, not trusted
    assert bytes(received) == data[:2 * CHUNK]  # cut short: the damaged last chunk never left
    with pytest.raises(ChecksumMismatch):  # and it stays refused
        blobs.read_bytes(sha)


def test_a_file_written_while_a_verified_read_streams_it_is_cut_short(tmp_path, hashed):
    blobs = FileBlobStore(tmp_path / "blobs", settle_s=SETTLE_S)
    data, sha = stored(blobs, tmp_path, 3 * CHUNK + 5)
    blobs.verify(sha)
    reader, received = blobs.read(sha), bytearray()
    received += next(reader)  # served unhashed: a known version
    os.chmod(blobs.path(sha), 0o644)
    with open(blobs.path(sha), "r+b") as fh:  # in place, same inode, same length
        fh.seek(3 * CHUNK)
        fh.write(b"X")
    with pytest.raises(ChecksumMismatch, match="changed while it was read"):
        for chunk in reader:
            received += chunk
    assert len(hashed) == 1 and bytes(received) == data[:3 * CHUNK]
    with pytest.raises(ChecksumMismatch, match=f"blob {sha}"):  # next time it is hashed, and refused
        blobs.read_bytes(sha)


def test_a_file_changed_within_a_timestamp_tick_is_not_remembered(tmp_path, hashed):
    """A file written moments ago could be written again without its times moving: every read is hashed."""
    blobs = FileBlobStore(tmp_path / "blobs", settle_s=60)
    data, sha = stored(blobs, tmp_path, 5000)
    assert blobs.read_bytes(sha) == data and blobs.read_bytes(sha) == data
    assert len(hashed) == 2


def test_a_verification_expires():
    memo = Verified(reverify_after_s=0.05)
    memo.remember("a" * 64, ("v1",))
    assert memo.holds("a" * 64, ("v1",))
    time.sleep(0.06)
    assert not memo.holds("a" * 64, ("v1",))
    memo = Verified(max_entries=2)
    for key in "abc":
        memo.remember(key * 64, (key,))
    assert [memo.holds(k * 64, (k,)) for k in "abc"] == [False, True, True]
    assert not memo.holds("b" * 64, ("other version",)) and not memo.holds("b" * 64, ("b",))


def test_the_store_can_be_told_to_hash_every_full_read(tmp_path, hashed):
    from reviewer.store.config import load_config

    config = tmp_path / "store.toml"
    config.write_text('[server]\nhome = "home"\n[blobs]\nreverify_after_seconds = 0\n')
    blobs = load_config(config).blob_store()
    blobs.settle_s = 0
    data, sha = stored(blobs, tmp_path, 5000)
    assert blobs.read_bytes(sha) == data and blobs.read_bytes(sha) == data
    assert len(hashed) == 2


def test_a_negative_reverify_time_is_refused_in_one_line(tmp_path):
    from reviewer.store.config import load_config
    from reviewer.store.errors import ConfigError

    config = tmp_path / "store.toml"
    config.write_text("[blobs]\nreverify_after_seconds = -1\n")
    with pytest.raises(ConfigError) as exc:
        load_config(config)
    assert str(exc.value) == f"{config}: [blobs] reverify_after_seconds must be 0 (hash every read) or more"

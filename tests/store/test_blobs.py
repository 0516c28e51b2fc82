"""Blob stores keyed by SHA-256: the same behaviour from the filesystem store and the S3 store (real SeaweedFS)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import pytest

from reviewer.store.blobs import FileBlobStore
from reviewer.store.blobs.base import CHUNK
from reviewer.store.errors import BlobLocked, BlobNotFound, ChecksumMismatch, RetentionShortened

UTC = dt.timezone.utc


@pytest.fixture(params=["filesystem", "s3"])
def blobs(request, tmp_path):
    if request.param == "filesystem":
        return FileBlobStore(tmp_path / "blobs")
    return request.getfixturevalue("s3_store")


def sample(tmp_path, size: int, name: str = "clip.mp4"):
    data = os.urandom(size)
    path = tmp_path / name
    path.write_bytes(data)
    return path, data, hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("size", [0, 1000, 11 * 1024 * 1024], ids=["empty", "small", "multipart"])
def test_put_then_read_gives_the_same_bytes(blobs, tmp_path, size):
    path, data, sha = sample(tmp_path, size)
    if size > 1000 and blobs.kind == "filesystem":
        pass  # one code path on disk; the large case matters for S3's multipart upload
    blobs.put(sha, path)
    assert blobs.exists(sha)
    assert blobs.size(sha) == size
    assert hashlib.sha256(blobs.read_bytes(sha)).hexdigest() == sha
    blobs.put(sha, path)  # idempotent
    assert blobs.read_bytes(sha) == data


@pytest.mark.parametrize("size", [1000, 11 * 1024 * 1024], ids=["single", "multipart"])
def test_bytes_that_do_not_match_their_key_are_refused(blobs, tmp_path, size):
    path, _data, _sha = sample(tmp_path, size)
    claimed = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(ChecksumMismatch, match=f"expected {claimed}"):
        blobs.put(claimed, path)
    assert not blobs.exists(claimed)


def test_missing_blob_is_named(blobs):
    sha = "0" * 64
    assert not blobs.exists(sha)
    with pytest.raises(BlobNotFound, match=f"blob {sha}: not in the store"):
        blobs.read_bytes(sha)


def test_legal_hold_refuses_delete_until_released(blobs, tmp_path):
    path, _data, sha = sample(tmp_path, 5000)
    blobs.put(sha, path)
    assert blobs.lock(sha, legal_hold=True).legal_hold
    with pytest.raises(BlobLocked, match="under legal hold"):
        blobs.delete(sha)
    assert blobs.exists(sha)
    blobs.lock(sha, legal_hold=False)
    blobs.delete(sha)
    assert not blobs.exists(sha)


def test_retention_date_can_be_extended_never_shortened(blobs, tmp_path):
    path, _data, sha = sample(tmp_path, 5000)
    blobs.put(sha, path)
    first = dt.datetime.now(UTC).replace(microsecond=0) + dt.timedelta(days=2)
    assert blobs.lock(sha, retain_until=first).retain_until == first
    with pytest.raises(RetentionShortened, match="can only be extended"):
        blobs.lock(sha, retain_until=first - dt.timedelta(days=1))
    later = first + dt.timedelta(days=30)
    assert blobs.lock(sha, retain_until=later).retain_until == later
    with pytest.raises(BlobLocked, match="retained until"):
        blobs.delete(sha)
    assert blobs.exists(sha)


def test_a_damaged_blob_fails_its_hash_on_read(blobs, tmp_path):
    path, _data, sha = sample(tmp_path, 5000)
    blobs.put(sha, path)
    # bit rot, or a write that bypassed the store: the stored bytes no longer hash to their key
    if blobs.kind == "filesystem":
        stored = blobs.path(sha)
        os.chmod(stored, 0o644)
        stored.write_bytes(b"X" + stored.read_bytes()[1:])
    else:
        blobs.client.put_object(Bucket=blobs.bucket, Key=blobs.key(sha), Body=b"tampered")
    with pytest.raises(ChecksumMismatch, match=f"blob {sha}"):
        blobs.read_bytes(sha)


def test_a_damaged_blob_never_reaches_a_reader_complete(tmp_path):
    """The last chunk is held back until the hash matched: a streamed download of damaged content stops short."""
    blobs = FileBlobStore(tmp_path / "blobs")
    path, data, sha = sample(tmp_path, 3 * CHUNK + 10)
    blobs.put(sha, path)
    stored = blobs.path(sha)
    os.chmod(stored, 0o644)
    stored.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # only the very last byte rots
    received = bytearray()
    with pytest.raises(ChecksumMismatch, match=f"blob {sha}"):
        for chunk in blobs.read(sha):
            received += chunk
    assert len(received) == 3 * CHUNK and bytes(received) == data[:3 * CHUNK]


def test_s3_storage_verifies_what_arrived(s3_store, tmp_path, monkeypatch):
    """Bytes that change between our hash and the upload are refused by the storage's own SHA-256 check."""
    from reviewer.store.blobs import s3 as s3mod

    path, _data, sha = sample(tmp_path, 3000)
    claimed = hashlib.sha256(b"the bytes we hashed a moment ago").hexdigest()
    monkeypatch.setattr(s3mod, "sha256_file", lambda _p: claimed)  # our local check is fooled...
    with pytest.raises(ChecksumMismatch, match="refused by the storage"):
        s3_store.put(claimed, path)  # ...the storage's is not
    assert not s3_store.exists(claimed)
    assert not s3_store.exists(sha)


def test_read_range_gives_exactly_the_requested_bytes(blobs, tmp_path):
    from reviewer.store.blobs.base import CHUNK, BlobStore

    path, data, sha = sample(tmp_path, 2 * CHUNK + 123)
    blobs.put(sha, path)
    for start, length in [(0, 1), (CHUNK - 1, 2), (CHUNK, CHUNK), (5, 2 * CHUNK + 118), (2 * CHUNK + 122, 1)]:
        assert b"".join(blobs.read_range(sha, start, length)) == data[start:start + length]
        # the generic path (skipping whole chunks) that any new backend inherits
        assert b"".join(BlobStore.read_range(blobs, sha, start, length)) == data[start:start + length]
    with pytest.raises(BlobNotFound):
        b"".join(blobs.read_range("0" * 64, 0, 1))

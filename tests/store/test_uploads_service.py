"""The upload state machine without HTTP: what is acknowledged when the move into the blob store fails."""

from __future__ import annotations

import hashlib
import os

import pytest

from reviewer.store.blobs.fs import FileBlobStore
from reviewer.store.db import open_store_database
from reviewer.store.tus import TusError


class FlakyBlobs(FileBlobStore):
    """A blob store whose first completion fails, as an S3 outage at the last request would."""

    failures = 1

    def stage_finish(self, state, sha256, parts, length):
        if self.failures:
            self.failures -= 1
            raise OSError("storage unavailable")
        super().stage_finish(state, sha256, parts, length)


@pytest.fixture
def service(tmp_path):
    from reviewer.store.uploads import Uploads

    engine, sessions = open_store_database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    blobs = FlakyBlobs(tmp_path / "blobs")
    yield Uploads(sessions, blobs, tmp_path / "staging", expiry_s=3600, max_size=1 << 30), blobs
    engine.dispose()


def b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def test_a_failed_move_into_the_blob_store_leaves_the_tail_unacknowledged(service):
    uploads, blobs = service
    data = os.urandom(300_000)
    sha = hashlib.sha256(data).hexdigest()
    up = uploads.create(len(data), f"sha256 {b64(sha)}")
    first = uploads.appender(up.id, 0)
    first.write(data[:100_000])
    assert first.close().offset == 100_000
    second = uploads.appender(up.id, 100_000)
    second.write(data[100_000:])
    with pytest.raises(OSError, match="storage unavailable"):
        second.close()
    assert uploads.get(up.id).offset == 100_000  # HEAD would send the client back here
    assert not blobs.exists(sha)
    again = uploads.appender(up.id, 100_000)
    again.write(data[100_000:])
    done = again.close()
    assert (done.state, done.offset) == ("complete", len(data))
    assert blobs.read_bytes(sha) == data
    with pytest.raises(TusError, match="already complete"):
        uploads.appender(up.id, len(data))


def test_an_empty_upload_completes_at_creation(service):
    uploads, blobs = service
    blobs.failures = 0
    empty = hashlib.sha256(b"").hexdigest()
    up = uploads.create(0, f"sha256 {b64(empty)}")
    assert (up.state, up.offset) == ("complete", 0)
    assert blobs.exists(empty) and blobs.read_bytes(empty) == b""
    wrong = hashlib.sha256(b"not empty").hexdigest()
    with pytest.raises(Exception, match=f"expected {wrong}"):
        uploads.create(0, f"sha256 {b64(wrong)}")
    assert not blobs.exists(wrong)


def test_sweep_expires_incomplete_uploads_and_removes_orphaned_staging(service):
    import datetime as dt

    uploads, blobs = service
    data = os.urandom(1000)
    up = uploads.create(len(data), f"sha256 {b64(hashlib.sha256(data).hexdigest())}")
    w = uploads.appender(up.id, 0)
    w.write(data[:10])
    w.close()
    orphan = uploads.staging / ("f" * 32 + ".part")  # left by a crash: no upload row owns it
    orphan.write_bytes(b"x")
    os.utime(orphan, (0, 0))
    staged = blobs.root / f".incoming-{up.id}"  # the blob store's temp the upload is written into
    assert uploads.sweep() == 0 and not orphan.exists() and staged.exists()
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)
    assert uploads.sweep(later) == 1
    assert not staged.exists()
    with pytest.raises(TusError, match="expired before it was completed") as gone:
        uploads.get(up.id)
    assert gone.value.status == 410


def test_parts_are_written_in_place_and_another_process_continues_the_hash(tmp_path):
    """Whole parts go to the blob store as they arrive; a second Uploads (another process, or a restart) resumes
    from the database alone, and the verified temp is renamed into place rather than copied."""
    from reviewer.store.uploads import Uploads

    engine, sessions = open_store_database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        blobs = FileBlobStore(tmp_path / "blobs")
        blobs.part_size = 64 * 1024
        first = Uploads(sessions, blobs, tmp_path / "staging-a", expiry_s=3600, max_size=1 << 30)
        data = os.urandom(300 * 1024 + 5)
        sha = hashlib.sha256(data).hexdigest()
        up = first.create(len(data), f"sha256 {b64(sha)}")
        w = first.appender(up.id, 0)
        w.write(data[:150 * 1024])
        assert w.close().offset == 150 * 1024
        staged = blobs.root / f".incoming-{up.id}"
        assert staged.read_bytes() == data[:128 * 1024]  # two whole parts; the 22 KiB tail is in the database
        inode = staged.stat().st_ino
        second = Uploads(sessions, FileBlobStore(tmp_path / "blobs"), tmp_path / "staging-b", 3600, 1 << 30)
        second.blobs.part_size = 64 * 1024
        w = second.appender(up.id, 150 * 1024)
        for at in range(150 * 1024, len(data), 50_000):
            w.write(data[at:at + 50_000])
        done = w.close()
        assert (done.state, done.offset) == ("complete", len(data))
        assert blobs.read_bytes(sha) == data
        assert blobs.path(sha).stat().st_ino == inode and not staged.exists()
    finally:
        engine.dispose()

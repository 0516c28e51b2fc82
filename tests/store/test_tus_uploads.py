"""Resumable uploads with tus 1.0 against the real server process, embedded (SQLite + files) and production
(PostgreSQL + SeaweedFS), with tuspy as the client."""

from __future__ import annotations

import hashlib
import os
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError, TusUploadFailed

from tests.store import services

TUS = {"Tus-Resumable": "1.0.0"}
MB = 1024 * 1024


def footage(tmp_path, size: int, name: str = "cam1_0001.mp4"):
    data = os.urandom(size)
    path = tmp_path / name
    path.write_bytes(data)
    return path, data, hashlib.sha256(data).hexdigest()


def uploader(store, path, sha, **kw):
    kw.setdefault("chunk_size", MB)
    return tus_client.TusClient(store.uploads, headers=store.auth).uploader(
        file_path=str(path), metadata={"sha256": sha, "filename": path.name}, **kw)


def head(url: str) -> httpx.Response:
    return httpx.head(url, headers={**TUS, **services.auth(url)}, timeout=30)


def test_tuspy_upload_lands_as_a_verified_blob(store, store_blobs, tmp_path):
    path, data, sha = footage(tmp_path, 3 * MB + 12345)
    up = uploader(store, path, sha)
    up.upload()
    info = httpx.get(f"{store.url}/api/v1/blobs/{sha}", headers=store.auth, timeout=30)
    assert info.status_code == 200, info.text
    assert info.json()["size"] == len(data)
    assert store_blobs.read_bytes(sha) == data  # re-hashed on the way out too
    done = head(up.url)
    assert done.status_code == 200 and int(done.headers["Upload-Offset"]) == len(data)
    if store.kind == "embedded":  # renamed into place, not copied
        assert not (store.home / "blobs" / f".incoming-{up.url.rsplit('/', 1)[1]}").exists()


def test_a_body_that_does_not_match_the_declared_sha256_is_refused(store, store_blobs, tmp_path):
    path, _data, _sha = footage(tmp_path, 2 * MB)
    claimed = hashlib.sha256(b"what the camera really recorded").hexdigest()
    up = uploader(store, path, claimed)
    with pytest.raises(TusUploadFailed) as refused:
        up.upload()
    assert refused.value.status_code == 460
    assert f"expected {claimed}" in refused.value.response_content.decode()
    assert httpx.get(f"{store.url}/api/v1/blobs/{claimed}", headers=store.auth, timeout=30).status_code == 404
    assert not store_blobs.exists(claimed)
    assert head(up.url).status_code == 410


def _send_part_then_cut(url: str, body: bytes, sent: int) -> None:
    """A PATCH that promises the whole body but the connection drops after `sent` bytes."""
    u = urlsplit(url)
    with socket.create_connection((u.hostname, u.port), timeout=30) as sock:
        sock.sendall((f"PATCH {u.path} HTTP/1.1\r\nHost: {u.netloc}\r\nTus-Resumable: 1.0.0\r\n"
                      f"Authorization: {services.auth(url)['Authorization']}\r\n"
                      f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                      f"Content-Length: {len(body)}\r\n\r\n").encode() + body[:sent])


def test_an_upload_resumes_after_a_cut_connection(store, store_blobs, tmp_path):
    path, data, sha = footage(tmp_path, 4 * MB)
    first = uploader(store, path, sha)
    url = first.create_url()
    cut_at = 1 * MB + 777
    _send_part_then_cut(url, data, cut_at)
    # the server keeps exactly the bytes it received before the cut
    deadline = time.monotonic() + 60
    while int(head(url).headers["Upload-Offset"]) != cut_at:
        assert time.monotonic() < deadline, f"offset stuck at {head(url).headers['Upload-Offset']}"
        time.sleep(0.1)
    resumed = uploader(store, path, sha, url=url, retries=5, retry_delay=1)
    assert resumed.offset == cut_at  # tuspy asked the server where to continue: nothing is sent twice
    resumed.upload()
    assert store_blobs.read_bytes(sha) == data


def test_termination_frees_an_incomplete_upload(store, tmp_path):
    path, _data, sha = footage(tmp_path, 3 * MB)
    up = uploader(store, path, sha)
    up.upload(stop_at=MB)
    assert int(head(up.url).headers["Upload-Offset"]) == MB
    assert httpx.delete(up.url, headers={**TUS, **store.auth}, timeout=30).status_code == 204
    assert head(up.url).status_code == 404
    if store.kind == "embedded":  # the blob store's temp the upload was being written into is gone
        assert not (store.home / "blobs" / f".incoming-{up.url.rsplit('/', 1)[1]}").exists()


def test_protocol_errors_are_named(store, tmp_path):
    no_sha = httpx.post(store.uploads, headers={**TUS, **store.auth, "Upload-Length": "10"}, timeout=30)
    assert no_sha.status_code == 400
    assert "declare the file's SHA-256" in no_sha.json()["detail"]
    old = httpx.post(store.uploads, headers={**store.auth, "Tus-Resumable": "0.2.2", "Upload-Length": "10"}, timeout=30)
    assert old.status_code == 412 and old.headers["Tus-Version"] == "1.0.0"
    path, data, sha = footage(tmp_path, 1000)
    up = uploader(store, path, sha)
    url = up.create_url()
    patch = {**TUS, **store.auth, "Content-Type": "application/offset+octet-stream"}
    wrong = httpx.patch(url, headers={**patch, "Upload-Offset": "5"}, content=data, timeout=30)
    assert wrong.status_code == 409 and "does not match the upload's offset 0" in wrong.json()["detail"]
    bad_type = httpx.patch(url, headers={**patch, "Content-Type": "text/plain", "Upload-Offset": "0"},
                           content=data, timeout=30)
    assert bad_type.status_code == 415
    assert httpx.head(store.uploads + "/" + "0" * 32, headers={**TUS, **store.auth}, timeout=30).status_code == 404


def test_openapi_document_is_published(store):
    doc = httpx.get(f"{store.url}/api/v1/openapi.json", timeout=30).json()
    assert doc["info"]["title"] == "BWV Reviewer central store"
    assert set(doc["paths"]["/api/v1/uploads/{upload_id}"]) == {"head", "patch", "delete"}
    assert {"post", "options"} <= set(doc["paths"]["/api/v1/uploads"])
    assert "/api/v1/health" in doc["paths"] and "/api/v1/blobs/{sha256}" in doc["paths"]
    assert httpx.get(f"{store.url}/api/v1/health", timeout=30).json()["database"] == (
        "sqlite" if store.kind == "embedded" else "postgresql")


def test_incomplete_uploads_expire(tmp_path):
    config = services.write_store_config(tmp_path / "srv", expire_s=1.5, sweep_s=0.3)
    with services.store_server(config) as store:
        path, _data, sha = footage(tmp_path, 2 * MB)
        up = uploader(store, path, sha)
        up.upload(stop_at=MB)
        first = head(up.url)
        assert first.status_code == 200 and "GMT" in first.headers["Upload-Expires"]
        part = store.home / "blobs" / f".incoming-{up.url.rsplit('/', 1)[1]}"
        deadline = time.monotonic() + 60
        while part.exists():  # the sweeper deletes the staged bytes once the upload has expired
            assert time.monotonic() < deadline, "the incomplete upload was never swept"
            time.sleep(0.2)
        assert head(up.url).status_code == 410
        with pytest.raises((TusUploadFailed, TusCommunicationError)):
            uploader(store, path, sha, url=up.url).upload()


def test_an_empty_file_uploads(store, store_blobs, tmp_path):
    path, _data, sha = footage(tmp_path, 0, "empty.mp4")
    uploader(store, path, sha).upload()  # tuspy only POSTs for an empty file: creation completes it
    assert httpx.get(f"{store.url}/api/v1/blobs/{sha}", headers=store.auth, timeout=30).json()["size"] == 0
    assert store_blobs.read_bytes(sha) == b""


def test_a_client_that_restarts_resumes_from_its_stored_url(store, store_blobs, tmp_path):
    """A dock that crashed: tuspy's URL storage remembers the upload, and the new process continues it."""
    from tusclient.storage.filestorage import FileStorage

    path, data, sha = footage(tmp_path, 3 * MB)
    urls = FileStorage(str(tmp_path / "tus-urls.json"))
    uploader(store, path, sha, store_url=True, url_storage=urls).upload(stop_at=2 * MB)
    urls.close()
    urls = FileStorage(str(tmp_path / "tus-urls.json"))  # the restarted process reads what the last one stored
    again = uploader(store, path, sha, store_url=True, url_storage=urls)
    assert again.offset == 2 * MB
    again.upload()
    urls.close()
    assert store_blobs.read_bytes(sha) == data


def test_an_upload_continues_on_a_restarted_server(tmp_path):
    """Killed between PATCHes, a new server process rebuilds the running hash from the staged bytes."""
    import signal

    config = services.write_store_config(tmp_path / "srv")
    path, data, sha = footage(tmp_path, 3 * MB)
    with services.store_server(config) as first:
        up = uploader(first, path, sha)
        up.upload(stop_at=2 * MB)
        upload_path = urlsplit(up.url).path
        services.stop(first.proc, signal.SIGKILL)
    with services.store_server(config) as second:
        resumed = uploader(second, path, sha, url=second.url + upload_path)
        assert resumed.offset == 2 * MB
        resumed.upload()
        info = httpx.get(f"{second.url}/api/v1/blobs/{sha}", headers=second.auth, timeout=30)
        assert info.json()["size"] == len(data)
    from reviewer.store.blobs.fs import FileBlobStore

    assert FileBlobStore(second.home / "blobs").read_bytes(sha) == data


def test_one_patch_at_a_time_per_upload(store, tmp_path):
    path, data, sha = footage(tmp_path, 2 * MB)
    url = uploader(store, path, sha).create_url()
    u = urlsplit(url)
    patch = {**TUS, **store.auth, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
    with socket.create_connection((u.hostname, u.port), timeout=30) as slow:
        slow.sendall((f"PATCH {u.path} HTTP/1.1\r\nHost: {u.netloc}\r\nTus-Resumable: 1.0.0\r\n"
                      f"Authorization: {store.auth['Authorization']}\r\n"
                      f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                      f"Content-Length: {len(data)}\r\n\r\n").encode() + data[:1000])
        deadline = time.monotonic() + 60
        while True:  # an empty PATCH is harmless if it gets in first; once the slow one holds the upload: 423
            second = httpx.patch(url, headers=patch, content=b"", timeout=30)
            if second.status_code == 423:
                break
            assert second.status_code == 204 and time.monotonic() < deadline, second.text
            time.sleep(0.05)
        assert "another request is writing to it" in second.json()["detail"]
    deadline = time.monotonic() + 60
    while int(head(url).headers["Upload-Offset"]) != 1000:
        assert time.monotonic() < deadline
        time.sleep(0.1)

"""Two store processes sharing one PostgreSQL and one S3 (issue 10, scale-out): an upload's state lives only in
those two, so its PATCHes may go to either process, and its one-writer lock is in the database."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from tests.store import services

MiB = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def pair(pg_database, s3_settings, tmp_path):
    """Two servers on different ports: one database, one bucket, one signing key, but each its own local folder
    for anything staged, as on two machines."""
    config = services.write_store_config(tmp_path / "srv", database_url=pg_database, s3=s3_settings)
    configs = []
    for name in ("a", "b"):
        own = config.with_name(f"store-{name}.toml")
        own.write_text(config.read_text().replace("[uploads]\n", f'[uploads]\nstaging = "staging-{name}"\n'))
        configs.append(own)
    with services.store_server(configs[0]) as a, services.store_server(configs[1]) as b:
        a.s3 = b.s3 = s3_settings
        a.kind = b.kind = "production"
        yield a, b


def create(server, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    r = httpx.post(server.uploads, timeout=30, headers={
        **TUS, **server.auth, "Upload-Length": str(len(data)),
        "Upload-Metadata": "sha256 " + base64.b64encode(sha.encode()).decode()})
    assert r.status_code == 201, r.text
    return urlsplit(r.headers["Location"]).path


def patch(server, path: str, offset: int, body: bytes) -> httpx.Response:
    return httpx.patch(server.url + path, content=body, timeout=120, headers={
        **TUS, **server.auth, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})


def offset_on(server, path: str) -> int:
    r = httpx.head(server.url + path, headers={**TUS, **server.auth}, timeout=30)
    assert r.status_code == 200, r.text
    return int(r.headers["Upload-Offset"])


def test_patches_alternating_between_two_processes_complete_and_verify(pair):
    a, b = pair
    # 2 whole S3 parts (8 MiB) and a short last one; PATCHes of 3 MiB leave tails that the other process continues
    data = os.urandom(2 * 8 * MiB + 1234567)
    sha = hashlib.sha256(data).hexdigest()
    path = create(a, data)
    offset, turn = 0, 0
    while offset < len(data):
        server, other = (a, b) if turn % 2 == 0 else (b, a)
        r = patch(server, path, offset, data[offset:offset + 3 * MiB])
        assert r.status_code == 204, r.text
        offset = int(r.headers["Upload-Offset"])
        assert offset_on(other, path) == offset  # the other process sees exactly what this one acknowledged
        turn += 1
    assert offset == len(data) and turn >= 6
    for server in (a, b):
        info = httpx.get(f"{server.url}/api/v1/blobs/{sha}", headers=server.auth, timeout=30)
        assert info.status_code == 200 and info.json()["size"] == len(data)
    from reviewer.store.blobs.s3 import S3BlobStore

    assert S3BlobStore(a.s3).read_bytes(sha) == data  # read() re-hashes: the object is exactly the file


def test_a_wrong_file_sent_through_two_processes_is_refused_and_nothing_stored(pair):
    a, b = pair
    data = os.urandom(9 * MiB)
    path = create(a, data)
    assert patch(a, path, 0, data[:5 * MiB]).status_code == 204
    tampered = bytearray(data[5 * MiB:])
    tampered[-1] ^= 1
    r = patch(b, path, 5 * MiB, bytes(tampered))
    assert r.status_code == 460, r.text
    assert httpx.head(a.url + path, headers={**TUS, **a.auth}, timeout=30).status_code == 410
    from reviewer.store.blobs.s3 import S3BlobStore

    assert not S3BlobStore(a.s3).exists(hashlib.sha256(data).hexdigest())


def test_concurrent_patches_on_two_processes_get_423_for_one(pair):
    a, b = pair
    data = os.urandom(2 * MiB)
    path = create(a, data)
    u = urlsplit(a.url)
    with socket.create_connection((u.hostname, u.port), timeout=30) as slow:
        # a PATCH on A that has sent its headers and 1000 bytes of a 2 MiB body: A holds the upload
        slow.sendall((f"PATCH {path} HTTP/1.1\r\nHost: {u.netloc}\r\nTus-Resumable: 1.0.0\r\n"
                      f"Authorization: {a.auth['Authorization']}\r\n"
                      f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                      f"Content-Length: {len(data)}\r\n\r\n").encode() + data[:1000])
        deadline = time.monotonic() + 60
        while True:  # an empty PATCH on B is harmless if it gets in first; once A holds the upload: 423
            second = patch(b, path, 0, b"")
            if second.status_code == 423:
                break
            assert second.status_code == 204 and time.monotonic() < deadline, second.text
            time.sleep(0.05)
        assert "another request is writing to it" in second.json()["detail"]
    # A's connection is cut: it keeps the 1000 bytes, releases the lock, and B continues the upload
    deadline = time.monotonic() + 60
    while offset_on(b, path) != 1000:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    done = patch(b, path, 1000, data[1000:])
    assert done.status_code == 204, done.text
    assert int(done.headers["Upload-Offset"]) == len(data)

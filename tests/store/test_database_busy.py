"""A store whose SQLite database another process holds locked past the busy timeout answers 503 with Retry-After
and says why, instead of a 500 with nothing for the client to act on; once the lock goes, it serves again."""

from __future__ import annotations

import base64
import hashlib
import sqlite3

import httpx

from tests.store import services


def create_upload(server) -> httpx.Response:
    sha = hashlib.sha256(b"x").hexdigest()
    meta = "sha256 " + base64.b64encode(sha.encode()).decode()
    return httpx.post(server.uploads, headers={**server.auth, "Tus-Resumable": "1.0.0", "Upload-Length": "1",
                                               "Upload-Metadata": meta}, timeout=60)


def test_a_database_locked_by_another_process_is_503_then_recovers(tmp_path):
    config = services.write_store_config(tmp_path / "busy")
    with services.store_server(config) as server:
        holder = sqlite3.connect(server.home / "store.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process's writer that does not let go
        try:
            r = create_upload(server)  # authenticates on a reader; its write waits out the 10 s busy timeout
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert r.status_code == 503, r.text
        assert r.headers.get("Retry-After") == "2"
        assert "database is locked" in r.json()["detail"] and "retry" in r.json()["detail"]
        assert create_upload(server).status_code == 201

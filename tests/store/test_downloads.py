"""Footage downloads stream through a reader running ahead of the client (ranges.read_ahead): every byte arrives in
order, ranges are exact, and damaged content is cut short rather than delivered complete."""

from __future__ import annotations

import hashlib
import os

import httpx
import pytest

from reviewer.store.blobs.base import CHUNK
from tests.store import services
from tests.store.world import upload


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """An embedded store holding one recording of several read chunks, and a professional_standards token."""
    config = services.write_store_config(tmp_path_factory.mktemp("downloads") / "srv")
    with services.store_server(config) as store:
        def token(role: str) -> dict:
            code = services.add_user(config, f"dl-{role}", role)
            return {"Authorization": "Bearer " + services.enrol(store.url, code)["access_token"]}

        sup, ps = token("supervisor"), token("professional_standards")
        data = os.urandom(5 * CHUNK + 4321)  # more chunks than are read ahead
        sha = upload(store, data)
        api = store.url + "/api/v1"
        inc = httpx.post(f"{api}/admin/incidents", json={"reference": "DL-1"}, headers=sup, timeout=30).json()
        r = httpx.post(f"{api}/admin/recordings", headers=sup, timeout=30,
                       json={"sha256": sha, "incident_id": inc["id"], "file_name": "dl.mp4"})
        assert r.status_code in (200, 201), r.text
        yield store, ps, sha, data


def test_whole_and_ranged_downloads_are_exact(served):
    store, ps, sha, data = served
    url = f"{store.url}/api/v1/recordings/{sha}/content"
    whole = httpx.get(url, headers=ps, timeout=60)
    assert whole.status_code == 200 and hashlib.sha256(whole.content).hexdigest() == sha
    start = CHUNK - 7  # across chunk boundaries, most of the file
    part = httpx.get(url, headers={**ps, "Range": f"bytes={start}-"}, timeout=60)
    assert part.status_code == 206 and part.content == data[start:]


def test_a_damaged_recording_is_cut_short_never_delivered_complete(served):
    store, ps, sha, data = served
    stored = store.home / "blobs" / sha[:2] / sha
    os.chmod(stored, 0o644)
    stored.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # the last byte rots
    try:
        got = bytearray()
        with pytest.raises(httpx.RemoteProtocolError):
            with httpx.stream("GET", f"{store.url}/api/v1/recordings/{sha}/content", headers=ps, timeout=60) as r:
                assert r.status_code == 200 and int(r.headers["Content-Length"]) == len(data)
                for chunk in r.iter_bytes():
                    got += chunk
        assert len(got) < len(data) and bytes(got) == data[:len(got)]
    finally:
        stored.write_bytes(data)
        os.chmod(stored, 0o444)

"""Footage on demand from both deployments of the store: embedded (SQLite + files) and production (PostgreSQL +
SeaweedFS S3): listed, resumed from a partial with a Range request the S3 backend serves, verified, opened."""

from __future__ import annotations

import hashlib
import os

import httpx

from reviewer.library import Library
from reviewer.sync import catalog
from reviewer.sync.downloads import downloads_dir, ensure_local
from reviewer.sync.fetch import partial_path
from tests.fixtures import framecode
from tests.store import services
from tests.store.footage_world import FootageStore


def test_a_partial_download_resumes_and_opens_on_each_deployment(store, home, make_clip):
    tag = os.urandom(3).hex()  # the session's store is shared with other tests
    code = services.add_user(store.config, f"fd-boss-{tag}", "supervisor")
    sup = {"Authorization": "Bearer " + services.enrol(store.url, code)["access_token"]}
    boss = httpx.get(store.url + "/api/v1/auth/me", headers=sup, timeout=30).json()["id"]
    w = FootageStore(store, store.config, sup, boss)
    w.user(f"fd-inv-{tag}", "investigator")
    clip = make_clip("cfr_h264")
    data = clip.path.read_bytes()
    sha = w.add_recording(data, f"DEP-{tag}", "dep.mp4")
    w.incident(f"DEP-{tag}", assign=(f"fd-inv-{tag}",))
    with w.client(f"fd-inv-{tag}") as client, Library(home) as lib:
        catalog.refresh(lib, client)
        rid = catalog.recording_id_for(sha)
        part = partial_path(downloads_dir(lib), sha)
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(data[:len(data) // 3])  # an earlier session stopped a third of the way
        before = lib.gov.audit.count()
        view = ensure_local(lib, client, rid)
        (ev,) = [e for e in lib.gov.audit.events() if e.seq > before]
        assert ev.action == "recording.download" and ev.details["resumed_from"] == len(data) // 3
        assert ev.details["received"] == len(data) - len(data) // 3
        assert hashlib.sha256(view.original_path.read_bytes()).hexdigest() == sha
        opened = lib.open_recording(rid, reason=f"{store.kind} check")
        reader = opened.reader()
        try:
            assert framecode.read(reader.frame(5).rgb(), clip.width) == clip.first_code + 5
        finally:
            reader.close()

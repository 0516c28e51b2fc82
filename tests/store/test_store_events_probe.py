"""Live notification and probe on registration, against the real server (SQLite + files; PostgreSQL + SeaweedFS),
read by a real HTTP client on the event stream."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from tests.fixtures import clips, framecode
from tests.store.retention_world import people, rstore  # noqa: F401  (fixture)
from tests.store.sse import Listener


@pytest.fixture(scope="module")
def p(rstore):  # noqa: F811
    return people(rstore)


def test_a_registration_reaches_every_entitled_listener_at_once_and_no_one_else(p):
    inv, sup, psd, inv2, trainer = (Listener(p.store.url, p.tokens[w]) for w in ("inv", "sup", "psd", "inv2",
                                                                                   "trainer"))
    try:
        assert inv.status == 200 and inv.content_type.startswith("text/event-stream")
        mine = p.file(os.urandom(5000), "a", name="mine.mp4")
        theirs = p.file(os.urandom(5001), "b", name="theirs.mp4")
        for listener in (inv, sup, psd):
            ev = listener.next("recording_registered", mine)
            assert ev["data"]["incident_id"] == p.incident["a"] and ev["data"]["file_name"] == "mine.mp4"
        # inv2 sees its own incident's registration, which came later: so the earlier one was filtered, not late
        got = inv2.next("recording_registered")
        assert got["data"]["sha256"] == theirs
        assert psd.next("recording_registered", theirs)
        # a trainer sees no incident: the probe events of both recordings come and go without reaching them
        inv.next("recording_probed", mine)
        inv2.next("recording_probed", theirs)
        assert all(e["data"]["sha256"] != mine for e in inv2.seen)
        assert trainer.seen == []
    finally:
        for listener in (inv, sup, psd, inv2, trainer):
            listener.close()


def test_a_reconnecting_client_resumes_after_its_last_event_id(p):
    first = Listener(p.store.url, p.tokens["inv"])
    sha = p.file(os.urandom(4000), "a")
    seen = first.next("recording_registered", sha)
    first.close()
    # what happened while it was away (the probe's result) arrives on reconnecting with Last-Event-ID
    missed = p.file(os.urandom(4001), "a")
    again = Listener(p.store.url, p.tokens["inv"], last_event_id=seen["id"])
    try:
        ev = again.next("recording_registered", missed)
        assert ev["id"] > seen["id"]
        assert again.next("recording_probed", missed)["data"]["state"] == "failed"  # random bytes are not video
    finally:
        again.close()


def test_the_stream_needs_sign_in(p):
    import httpx

    r = httpx.get(p.store.url + "/api/v1/events", timeout=30)
    assert r.status_code == 401 and r.json()["detail"].startswith("sign-in required")


def test_registration_probes_with_the_core_and_serves_the_exact_thumbnail(p, tmp_path):
    clip = clips.make("cfr_noaudio", tmp_path)
    data = clip.path.read_bytes()
    listener = Listener(p.store.url, p.tokens["inv"])
    try:
        sha = p.file(data, "a", name="real.mp4")
        # metadata first: listed before the probe has run
        assert any(r["sha256"] == sha for r in p.ok("inv", "GET", f"/api/v1/incidents/{p.incident['a']}/recordings"))
        ev = listener.next("recording_probed", sha, timeout=120)
    finally:
        listener.close()
    assert ev["data"]["state"] == "ok" and ev["data"]["frame_count"] == clip.frames == 150
    probe = p.ok("inv", "GET", f"/api/v1/recordings/{sha}/probe")
    assert (probe["state"], probe["width"], probe["height"], probe["frame_count"]) == ("ok", 320, 240, 150)
    r = p.call("inv", "GET", f"/api/v1/recordings/{sha}/thumbnail")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    rgb = cv2.cvtColor(cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    assert rgb.shape == (240, 320, 3)
    assert framecode.read(rgb) == 15  # the exact frame 10% in, as the desktop library's thumbnail
    # the same access rules and 404 as the recording: unassigned and nonexistent look alike
    other = p.call("inv2", "GET", f"/api/v1/recordings/{sha}/thumbnail")
    missing = p.call("inv2", "GET", f"/api/v1/recordings/{'0' * 64}/thumbnail")
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"].replace(sha, "X") == missing.json()["detail"].replace("0" * 64, "X")


def test_footage_that_is_not_video_fails_its_probe_with_a_clear_reason(p):
    listener = Listener(p.store.url, p.tokens["inv"])
    try:
        sha = p.file(b"not a video at all" * 100, "a", name="junk.mp4")
        listener.next("recording_probed", sha, timeout=60)
    finally:
        listener.close()
    r = p.call("inv", "GET", f"/api/v1/recordings/{sha}/thumbnail")
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert detail.startswith(f"recording {sha}: no thumbnail: recording {sha}") and "\n" not in detail


def test_a_disabled_account_stops_hearing_at_once(p, rstore):  # noqa: F811
    """The stream re-reads the account on every poll: disabling someone ends their open stream."""
    from tests.store import services

    tag = os.urandom(3).hex()
    code = services.add_user(rstore.config, f"leaver-{tag}", "investigator")
    token = services.enrol(rstore.url, code)["access_token"]
    uid = services_me(rstore.url, token)
    p.ok("sup", "PUT", f"/api/v1/admin/incidents/{p.incident['a']}/assignments/{uid}")
    listener = Listener(rstore.url, token)
    try:
        sha = p.file(os.urandom(3100), "a")
        listener.next("recording_registered", sha)
        p.ok("sup", "PATCH", f"/api/v1/admin/users/{uid}", json={"active": False})
        assert listener.ended(60)
        later = p.file(os.urandom(3101), "a")
        assert all(e["data"]["sha256"] != later for e in listener.drain())
    finally:
        listener.close()


def services_me(url: str, token: str) -> str:
    import httpx

    return httpx.get(url + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()["id"]

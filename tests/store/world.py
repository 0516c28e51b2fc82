"""A populated store for the access tests: one user per role, incidents assigned and not, recordings and training
clips, all made through the real server's API (and `reviewer store user add`), as an administrator would."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from dataclasses import dataclass, field

import httpx

from tests.store import services

ROLES = ("investigator", "professional_standards", "trainer", "supervisor", "dock")


def upload(store, data: bytes) -> str:
    """Upload bytes with tus as the store's dock user; returns their SHA-256."""
    sha = hashlib.sha256(data).hexdigest()
    tus = {"Tus-Resumable": "1.0.0", **store.auth}
    meta = "sha256 " + base64.b64encode(sha.encode()).decode()
    r = httpx.post(store.uploads, headers={**tus, "Upload-Length": str(len(data)), "Upload-Metadata": meta},
                   timeout=30)
    assert r.status_code == 201, r.text
    p = httpx.patch(store.url + r.headers["Location"], content=data, timeout=30,
                    headers={**tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    assert p.status_code == 204, p.text
    return sha


@dataclass
class World:
    store: object
    tokens: dict = field(default_factory=dict)  # role (and "supervisor2") -> access token
    ids: dict = field(default_factory=dict)  # role -> user id
    incident: dict = field(default_factory=dict)  # mine / other / none -> id
    recording: dict = field(default_factory=dict)
    share: dict = field(default_factory=dict)
    clip: dict = field(default_factory=dict)  # mine / other -> the shared clip's SHA-256
    data: dict = field(default_factory=dict)  # sha256 -> bytes
    temp_user: str = ""

    def h(self, who: str | None) -> dict:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}

    def call(self, who, method: str, path: str, **kw) -> httpx.Response:
        return httpx.request(method, self.store.url + path, headers={**self.h(who), **kw.pop("headers", {})},
                             timeout=30, **kw)


def build(store) -> World:
    w = World(store)
    tag = os.urandom(3).hex()  # the session's store is shared: names must not collide with other tests
    env = {"REVIEWER_STORE_HOME": str(store.home)} if store.config is None else None
    for role in (*ROLES, "supervisor2"):
        code = services.add_user(store.config, f"{role}-{tag}", role.rstrip("2"), env=env)
        got = services.enrol(store.url, code)
        w.tokens[role] = got["access_token"]
        w.ids[role] = w.call(role, "GET", "/api/v1/auth/me").json()["id"]
    boss = "supervisor"

    def admin(method, path, **kw):
        r = w.call(boss, method, "/api/v1/admin" + path, **kw)
        assert r.status_code in (200, 201, 204), (path, r.status_code, r.text)
        return r.json() if r.status_code != 204 else None

    for which in ("mine", "other"):
        w.incident[which] = admin("POST", "/incidents", json={"reference": f"{which}-{tag}"})["id"]
    for role in ROLES:  # every role is assigned to "mine": only the role decides what that assignment opens
        admin("PUT", f"/incidents/{w.incident['mine']}/assignments/{w.ids[role]}")
    for which in ("mine", "other"):
        rec, clip = os.urandom(3000 + len(which)), os.urandom(2000 + len(which))
        w.recording[which], w.clip[which] = upload(store, rec), upload(store, clip)
        clip_sha = w.clip[which]
        w.data[w.recording[which]], w.data[clip_sha] = rec, clip
        admin("POST", "/recordings", json={"sha256": w.recording[which], "incident_id": w.incident[which],
                                           "file_name": f"{which}.mp4", "camera": "BWV-1"})
        w.share[which] = admin("POST", "/training-shares", json={
            "recording_sha256": w.recording[which], "clip_sha256": clip_sha, "title": which})["id"]
    # the clip of "mine" is approved by a second supervisor; that of "other" is not
    r = w.call("supervisor2", "POST", f"/api/v1/admin/training-shares/{w.share['mine']}/approve")
    assert r.status_code == 204, r.text
    w.incident["none"], w.share["none"] = str(uuid.uuid4()), str(uuid.uuid4())
    w.recording["none"] = hashlib.sha256(os.urandom(16)).hexdigest()
    w.temp_user = admin("POST", "/users", json={"name": f"temp-{tag}", "role": "investigator"})["id"]
    return w

"""A store and workstations for the sync tests: one real `reviewer store serve` process with users, incidents and
two registered recordings, and real libraries (copies of one template that imported the same two clips) signed
in as those users, each talking to the store through its own fault proxy."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from reviewer.store.client_auth import StoreAuth, Tokens
from tests.store import services
from tests.store.faultproxy import FaultProxy
from tests.store.world import upload

CLIPS = ("cfr_h264", "cfr_noaudio")
# who works where: store role, and whether assigned to the first incident ("a"; "b" is nobody's at first)
PEOPLE = {"alice": "investigator", "bob": "professional_standards", "carol": "supervisor", "dave": "investigator",
          "tina": "trainer"}


@dataclass
class SyncWorld:
    store: services.StoreServer
    tag: str
    tokens: dict = field(default_factory=dict)  # person -> Tokens
    ids: dict = field(default_factory=dict)  # person -> store user id
    incident: dict = field(default_factory=dict)  # "a" / "b" -> id
    sha: dict = field(default_factory=dict)  # clip name -> SHA-256 (registered: cfr_h264 in a, cfr_noaudio in b)

    def user(self, person: str) -> str:
        return f"{person}-{self.tag}"

    def admin(self, method: str, path: str, **kw) -> httpx.Response:
        r = httpx.request(method, self.store.url + "/api/v1/admin" + path, timeout=30, **kw,
                          headers={"Authorization": f"Bearer {self.tokens['boss'].access_token}"})
        assert r.status_code in (200, 201, 204), (path, r.status_code, r.text)
        return r

    def assign(self, person: str, incident: str) -> None:
        self.admin("PUT", f"/incidents/{self.incident[incident]}/assignments/{self.ids[person]}")

    def http(self, person: str, url: str | None = None) -> httpx.Client:
        """A client as the sync loop gets it from sign-in: base URL and StoreAuth."""
        base = url or self.store.url
        return httpx.Client(base_url=base, auth=StoreAuth(base, self.tokens[person]), timeout=30)


def build(store: services.StoreServer, clip_paths: dict[str, Path]) -> SyncWorld:
    w = SyncWorld(store, os.urandom(3).hex())
    env = {"REVIEWER_STORE_HOME": str(store.home)} if store.config is None else None
    for person, role in (("boss", "supervisor"), *PEOPLE.items()):
        code = services.add_user(store.config, w.user(person), role, env=env)
        w.tokens[person] = Tokens.from_json(services.enrol(store.url, code))
        r = httpx.get(store.url + "/api/v1/auth/me", timeout=30,
                      headers={"Authorization": f"Bearer {w.tokens[person].access_token}"})
        w.ids[person] = r.json()["id"]
    for which in ("a", "b"):
        w.incident[which] = w.admin("POST", "/incidents", json={"reference": f"sync-{which}-{w.tag}"}).json()["id"]
    for person, role in PEOPLE.items():
        if role != "professional_standards":  # who sees all
            w.assign(person, "a")
    for name, which in zip(CLIPS, ("a", "b")):
        data = clip_paths[name].read_bytes()
        w.sha[name] = upload(store, data)
        registered = httpx.post(store.url + "/api/v1/admin/recordings", timeout=30, json={
            "sha256": w.sha[name], "incident_id": w.incident[which], "file_name": clip_paths[name].name,
            "camera": "BWV-1"}, headers={"Authorization": f"Bearer {w.tokens['boss'].access_token}"})
        if registered.status_code == 409:  # the same clip registered by an earlier store fixture's world
            raise RuntimeError("each sync world needs its own store")
        assert registered.status_code in (200, 201), registered.text
    return w


def make_template(root: Path, clip_paths: dict[str, Path], people: dict[str, str]) -> Path:
    """A test library with both clips imported, where each of `people` (local user name -> role, the role the
    store gives them) may work."""
    from reviewer.govern.identity import USER_ENV
    from reviewer.govern.roles import Role
    from reviewer.govern.users import Users
    from reviewer.library import Library
    from tests.fixtures.testlib import make_test_library

    home = make_test_library(root / "template", "sup")
    old = os.environ.get(USER_ENV)
    os.environ[USER_ENV] = "sup"
    try:
        with Library(home) as lib:
            report = lib.import_paths([clip_paths[c] for c in CLIPS])
            assert not report.errors, report.errors
            for name, role in people.items():
                Users(lib.gov).set_role(name, Role(role))
    finally:
        if old is None:
            os.environ.pop(USER_ENV, None)
        else:
            os.environ[USER_ENV] = old
    return home


def copy_library(template: Path, dest: Path) -> Path:
    """A copy of the template that is a workstation of its own (a new workstation id, made at first open)."""
    shutil.copytree(template, dest, symlinks=True)
    (dest / "workstation_id").unlink()
    return dest


def open_as(home: Path, username: str):
    from reviewer.govern.identity import USER_ENV
    from reviewer.library import Library

    old = os.environ.get(USER_ENV)
    os.environ[USER_ENV] = username
    try:
        return Library(home)
    finally:
        if old is None:
            os.environ.pop(USER_ENV, None)
        else:
            os.environ[USER_ENV] = old


@dataclass
class Workstation:
    """One library signed in as one person, its store traffic through its own fault proxy."""

    name: str
    person: str
    home: Path
    lib: object
    proxy: FaultProxy
    http: httpx.Client

    def loop(self, **kw):
        from reviewer.sync.loop import SyncLoop

        kw.setdefault("listen", False)
        return SyncLoop(self.lib, self.http, **kw)

    def close(self) -> None:
        self.http.close()
        self.lib.close()
        self.proxy.close()


def workstation(world: SyncWorld, template: Path, folder: Path, person: str, name: str | None = None) -> Workstation:
    name = name or person
    home = copy_library(template, folder / name)
    lib = open_as(home, world.user(person))
    proxy = FaultProxy(int(world.store.url.rsplit(":", 1)[1]))
    return Workstation(name, person, home, lib, proxy, world.http(person, proxy.url))

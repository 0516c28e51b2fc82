"""A real store with footage in it, and a workstation user's httpx client, for the footage-on-demand tests."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from reviewer.store.client_auth import StoreAuth, Tokens
from tests.store import services
from tests.store.world import upload


@dataclass
class FootageStore:
    server: object
    config: Path
    sup: dict  # supervisor's headers (assigned to every incident made here, so it may read probes)
    boss_id: str = ""
    users: dict = field(default_factory=dict)  # name -> (user id, Tokens)
    incidents: dict = field(default_factory=dict)  # reference -> id

    @property
    def api(self) -> str:
        return self.server.url + "/api/v1"

    def admin(self, method: str, path: str, **kw):
        r = httpx.request(method, f"{self.api}/admin{path}", headers=self.sup, timeout=30, **kw)
        assert r.status_code in (200, 201, 204), (path, r.status_code, r.text)
        return r.json() if r.status_code != 204 else None

    def user(self, name: str, role: str) -> Tokens:
        code = services.add_user(self.config, name, role)
        tokens = Tokens.from_json(services.enrol(self.server.url, code))
        me = httpx.get(f"{self.api}/auth/me", headers={"Authorization": f"Bearer {tokens.access_token}"},
                       timeout=30).json()
        self.users[name] = (me["id"], tokens)
        return tokens

    def client(self, name: str, url: str | None = None) -> httpx.Client:
        """What the sign-in code hands the footage code: base_url and StoreAuth, nothing else."""
        tokens = self.users[name][1]
        return httpx.Client(base_url=url or self.server.url, auth=StoreAuth(self.server.url, tokens))

    def incident(self, reference: str, assign: tuple[str, ...] = ()) -> str:
        if reference not in self.incidents:
            self.incidents[reference] = self.admin("POST", "/incidents", json={"reference": reference})["id"]
            self.admin("PUT", f"/incidents/{self.incidents[reference]}/assignments/{self.boss_id}")
        for name in assign:
            self.admin("PUT", f"/incidents/{self.incidents[reference]}/assignments/{self.users[name][0]}")
        return self.incidents[reference]

    def add_recording(self, data: bytes, reference: str, file_name: str, probed: bool = True) -> str:
        sha = upload(self.server, data)
        self.admin("POST", "/recordings", json={"sha256": sha, "incident_id": self.incident(reference),
                                                "file_name": file_name, "camera": "BWV-7"})
        if probed:
            self.wait_probed(sha)
        return sha

    def wait_probed(self, sha: str, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = httpx.get(f"{self.api}/recordings/{sha}/probe", headers=self.sup, timeout=30).json()
            if r["state"] != "pending":
                return r
            time.sleep(0.2)
        raise AssertionError(f"the store did not probe {sha} within {timeout} s")


def start(folder: Path, config: Path | None = None):
    """A context manager yielding a FootageStore on a fresh embedded store (SQLite + files)."""
    import contextlib

    @contextlib.contextmanager
    def run():
        cfg = config or services.write_store_config(folder)
        with services.store_server(cfg) as server:
            code = services.add_user(cfg, "fs-boss", "supervisor")
            sup = {"Authorization": "Bearer " + services.enrol(server.url, code)["access_token"]}
            boss = httpx.get(server.url + "/api/v1/auth/me", headers=sup, timeout=30).json()["id"]
            yield FootageStore(server, cfg, sup, boss)
    return run()

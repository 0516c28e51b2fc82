"""A store of its own for the retention, events and probe tests (the retention job with a simulated clock would
purge the shared store's recordings), with people in each role and helpers to file recordings."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

import httpx
import pytest

from tests.store import services
from tests.store.world import upload

RETENTION = ["[retention]", "notice_days = 7", "restore_days = 7", "events_poll_seconds = 0.25",
             "interval_seconds = 86400"]


@pytest.fixture(scope="module", params=["embedded", "production"])
def rstore(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"rstore-{request.param}")
    s3 = None
    if request.param == "embedded":
        config = services.write_store_config(folder)
    else:
        from reviewer.store.blobs.s3 import S3Settings

        pg, weed = request.getfixturevalue("pg"), request.getfixturevalue("weed")
        sa = __import__("sqlalchemy")
        name = "r" + os.urandom(6).hex()
        admin = sa.create_engine(pg.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        s3 = S3Settings(endpoint=weed.endpoint, bucket="bwv-ret-" + os.urandom(4).hex(),
                        access_key=weed.access_key, secret_key=weed.secret_key, prefix="blobs/")
        config = services.write_store_config(folder, database_url=pg.url.rsplit("/", 1)[0] + "/" + name, s3=s3)
    config.write_text(config.read_text() + "\n".join(RETENTION) + "\n")
    with services.store_server(config) as server:
        server.kind, server.s3 = request.param, s3
        yield server


@dataclass
class People:
    store: object
    tokens: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)
    incident: dict = field(default_factory=dict)  # "a" (assigned to inv), "b" (assigned to inv2)

    def call(self, who, method, path, **kw) -> httpx.Response:
        return httpx.request(method, self.store.url + path, timeout=30,
                             headers={"Authorization": f"Bearer {self.tokens[who]}"}, **kw)

    def ok(self, who, method, path, **kw):
        r = self.call(who, method, path, **kw)
        assert r.status_code in (200, 201, 204), (path, r.status_code, r.text)
        return r.json() if r.status_code != 204 else None

    def file(self, data: bytes, incident: str = "a", started_at: dt.datetime | None = None,
             name: str = "cam.mp4") -> str:
        sha = upload(self.store, data)
        body = {"sha256": sha, "incident_id": self.incident[incident], "file_name": name, "camera": "BWV-9"}
        if started_at is not None:
            body["started_at"] = started_at.isoformat()
        self.ok("sup", "POST", "/api/v1/admin/recordings", json=body)
        return sha


def people(store) -> People:
    p = People(store)
    tag = os.urandom(3).hex()
    for who, role in (("sup", "supervisor"), ("inv", "investigator"), ("inv2", "investigator"),
                      ("psd", "professional_standards"), ("trainer", "trainer")):
        code = services.add_user(store.config, f"{who}-{tag}", role)
        p.tokens[who] = services.enrol(store.url, code)["access_token"]
        p.ids[who] = p.call(who, "GET", "/api/v1/auth/me").json()["id"]
    for inc, who in (("a", "inv"), ("b", "inv2")):
        p.incident[inc] = p.ok("sup", "POST", "/api/v1/admin/incidents", json={"reference": f"{inc}-{tag}"})["id"]
        for person in (who, "sup"):
            p.ok("sup", "PUT", f"/api/v1/admin/incidents/{p.incident[inc]}/assignments/{p.ids[person]}")
    return p

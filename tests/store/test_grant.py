"""GET /api/v1/grant (ADR 0016): the offline grant is signed with a key of its own, published in GET /keys with
`use` "offline-grant", names the caller, their role, the workstation and the incidents they see, expires after the
configured time, and is audited; against the real server on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from sqlalchemy import select

from reviewer.store.grant_format import GrantError, parse_time, verify_grant
from tests.store.world import build


@pytest.fixture(scope="module")
def world(store):
    return build(store)


def grant(world, who: str, workstation: str | None):
    params = {"workstation": workstation} if workstation else None
    return world.call(who, "GET", "/api/v1/grant", params=params)


def test_the_grant_names_the_caller_role_workstation_and_incidents_and_verifies_against_its_own_key(world):
    ws = "ws-" + os.urandom(4).hex()
    keys = world.call(None, "GET", "/api/v1/keys").json()
    uses = sorted(k["use"] for k in keys["keys"])
    assert uses == ["audit-checkpoint", "offline-grant", "sig"]
    names = {role: world.call(role, "GET", "/api/v1/auth/me").json()["name"] for role in world.tokens}

    r = grant(world, "investigator", ws)
    assert r.status_code == 200, r.text
    doc = r.json()
    g = verify_grant(doc, keys, ws)
    assert (g.user, g.role, g.workstation) == (names["investigator"], "investigator", ws)
    assert g.incidents == (world.incident["mine"],)  # assigned to "mine" only
    assert g.expires_at - g.issued_at == dt.timedelta(hours=12)  # the default
    assert abs(g.issued_at - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=5)
    assert g.kid == next(k["kid"] for k in keys["keys"] if k["use"] == "offline-grant")

    ps = verify_grant(grant(world, "professional_standards", ws).json(), keys, ws)
    assert {world.incident["mine"], world.incident["other"]} <= set(ps.incidents)  # sees every incident
    assert verify_grant(grant(world, "trainer", None).json(), keys).incidents == ()
    assert verify_grant(grant(world, "supervisor", ws).json(), keys, ws).role == "supervisor"

    dock = grant(world, "dock", ws)
    assert dock.status_code == 403 and dock.json()["detail"] == f"{names['dock']} (dock) may not offline grant"
    assert grant(world, None, ws).status_code == 401


def test_an_altered_or_misdirected_grant_is_refused(world):
    ws = "ws-" + os.urandom(4).hex()
    keys = world.call(None, "GET", "/api/v1/keys").json()
    doc = grant(world, "investigator", ws).json()
    for field, value in (("role", "supervisor"), ("expires_at", "2099-01-01T00:00:00Z"),
                         ("incidents", [world.incident["other"]]), ("user", "someone-else")):
        with pytest.raises(GrantError, match=r"^the offline grant's signature does not match \(forged or altered\)$"):
            verify_grant({**doc, field: value}, keys, ws)
    with pytest.raises(GrantError, match=f"^the offline grant is for workstation {ws}, not another$"):
        verify_grant(doc, keys, "another")
    audit_only = {"keys": [{**k, "use": "offline-grant"} for k in keys["keys"] if k["use"] == "audit-checkpoint"]}
    with pytest.raises(GrantError, match="which is not the store's pinned offline-grant key"):
        verify_grant(doc, audit_only, ws)  # the audit key never vouches for a grant
    audit_kid = next(k["kid"] for k in keys["keys"] if k["use"] == "audit-checkpoint")
    with pytest.raises(GrantError, match="which is not the store's pinned offline-grant key"):
        verify_grant({**doc, "kid": audit_kid}, keys, ws)
    with pytest.raises(GrantError, match="malformed"):
        verify_grant({k: v for k, v in doc.items() if k != "expires_at"}, keys, ws)


def test_issuing_a_grant_is_in_the_stores_audit_trail(world):
    from reviewer.store import audit
    from reviewer.store.config import load_config
    from reviewer.store.db import open_store_database
    from reviewer.store.models import AuditEvent

    ws = "ws-" + os.urandom(4).hex()
    doc = grant(world, "investigator", ws).json()
    assert grant(world, "dock", ws).status_code == 403
    engine, sessions = open_store_database(load_config(world.store.config).db_url)
    try:
        with sessions() as s:
            rows = s.scalars(select(AuditEvent).where(AuditEvent.object_id == ws).order_by(AuditEvent.seq)).all()
            assert audit.verify(s) > 0
    finally:
        engine.dispose()
    assert [(e.action, e.outcome) for e in rows] == [("offline_grant", "ok")]
    assert json.loads(rows[0].details) == {"role": "investigator", "expires_at": doc["expires_at"], "incidents": 1}


def test_the_grant_lifetime_is_configurable_and_must_be_positive(tmp_path):
    from reviewer.store.config import load_config
    from reviewer.store.errors import ConfigError

    path = tmp_path / "store.toml"
    path.write_text("[auth]\ngrant_ttl_seconds = 3600\n")
    assert load_config(path).grant_ttl_s == 3600
    path.write_text("[auth]\ngrant_ttl_seconds = 0\n")
    with pytest.raises(ConfigError, match=r"\[auth\] times must be positive"):
        load_config(path)


def test_a_short_grant_expires_when_configured(tmp_path):
    from tests.store import services

    config = services.write_store_config(tmp_path / "short")
    config.write_text(config.read_text().replace("[auth]\n", "[auth]\ngrant_ttl_seconds = 90\n"))
    with services.store_server(config) as server:
        code = services.add_user(config, "short-" + os.urandom(3).hex(), "investigator")
        token = services.enrol(server.url, code)["access_token"]
        import httpx

        doc = httpx.get(server.url + "/api/v1/grant", headers={"Authorization": f"Bearer {token}"},
                        timeout=30).json()
    assert parse_time(doc["expires_at"]) - parse_time(doc["issued_at"]) == dt.timedelta(seconds=90)

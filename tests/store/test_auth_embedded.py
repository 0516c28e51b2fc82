"""The store's own sign-in: `reviewer store user add` prints a one-time code; /auth/enrol turns it into an access
token and a refresh token; refresh tokens rotate and a replayed one ends the whole enrolment; roles are read from
the store on every request, so a change applies to tokens already issued."""

from __future__ import annotations

import datetime as dt
import os

import httpx
import pytest

from reviewer.store import identity
from reviewer.store.db import open_store_database, transact
from reviewer.store.errors import Refused
from reviewer.store.issuer import Issuer, load_or_create_key
from tests.store import services


def new_user(store, role: str) -> tuple[str, str]:
    name = f"{role}-{os.urandom(3).hex()}"
    env = {"REVIEWER_STORE_HOME": str(store.home)} if store.config is None else None
    return name, services.add_user(store.config, name, role, env=env)


def post(store, path: str, body: dict) -> httpx.Response:
    return httpx.post(f"{store.url}/api/v1/auth/{path}", json=body, timeout=30)


def me(store, token: str) -> httpx.Response:
    return httpx.get(f"{store.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_an_enrolment_code_works_once(store):
    name, code = new_user(store, "investigator")
    first = post(store, "enrol", {"code": code.lower().replace("-", "")})  # typed without dashes, lower case
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert (tokens["user"], tokens["role"], tokens["token_type"]) == (name, "investigator", "Bearer")
    assert me(store, tokens["access_token"]).json()["name"] == name
    again = post(store, "enrol", {"code": code})
    assert (again.status_code, again.json()) == (401, {"detail": "enrolment code not valid: unknown, used or expired"})
    assert post(store, "enrol", {"code": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF"}).json() == again.json()


def test_refresh_rotates_and_a_replayed_token_ends_the_enrolment(store):
    _name, code = new_user(store, "investigator")
    t0 = post(store, "enrol", {"code": code}).json()
    t1 = post(store, "refresh", {"refresh_token": t0["refresh_token"]})
    assert t1.status_code == 200 and t1.json()["refresh_token"] != t0["refresh_token"]
    assert me(store, t1.json()["access_token"]).status_code == 200
    # the first refresh token comes back: a copy exists somewhere, so every token of this enrolment dies
    replay = post(store, "refresh", {"refresh_token": t0["refresh_token"]})
    assert replay.status_code == 401 and "already used" in replay.json()["detail"]
    assert post(store, "refresh", {"refresh_token": t1.json()["refresh_token"]}).status_code == 401


def test_a_role_change_or_a_disabled_account_applies_to_tokens_already_issued(store):
    _n, boss_code = new_user(store, "supervisor")
    boss = {"Authorization": f"Bearer {post(store, 'enrol', {'code': boss_code}).json()['access_token']}"}
    _n, code = new_user(store, "professional_standards")
    token = post(store, "enrol", {"code": code}).json()
    psd = {"Authorization": f"Bearer {token['access_token']}"}
    inc = httpx.post(f"{store.url}/api/v1/admin/incidents", json={"reference": "R1"}, headers=boss, timeout=30)
    assert httpx.get(f"{store.url}/api/v1/incidents/{inc.json()['id']}", headers=psd, timeout=30).status_code == 200
    uid = me(store, token["access_token"]).json()["id"]
    r = httpx.patch(f"{store.url}/api/v1/admin/users/{uid}", json={"role": "trainer"}, headers=boss, timeout=30)
    assert r.status_code == 200 and r.json()["role"] == "trainer"
    assert httpx.get(f"{store.url}/api/v1/incidents/{inc.json()['id']}", headers=psd, timeout=30).status_code == 404
    httpx.patch(f"{store.url}/api/v1/admin/users/{uid}", json={"active": False}, headers=boss, timeout=30)
    gone = me(store, token["access_token"])
    assert (gone.status_code, gone.json()["detail"]) == (401, "sign-in required: this account is disabled")
    assert post(store, "refresh", {"refresh_token": token["refresh_token"]}).status_code == 401


@pytest.fixture
def local(tmp_path):
    engine, sessions = open_store_database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    yield sessions, Issuer(load_or_create_key(tmp_path / "keys" / "signing.pem"), "bwv-store", 300)
    engine.dispose()


def test_an_expired_enrolment_code_is_refused(local):
    sessions, issuer = local
    _user, code = transact(sessions, lambda s: identity.add_user(s, "admin", "late", "investigator",
                                                                 enrolment_ttl_s=-1))
    with pytest.raises(Refused, match="enrolment code not valid"):
        transact(sessions, lambda s: identity.enrol(s, issuer, code, 3600))


def test_an_expired_access_token_is_refused_with_a_hint_to_refresh(store, tmp_path):
    import jwt
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key((store.home / "keys" / "signing.pem").read_bytes(), None)
    _n, code = new_user(store, "trainer")
    uid = me(store, post(store, "enrol", {"code": code}).json()["access_token"]).json()["id"]
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    stale = jwt.encode({"iss": "bwv-store", "aud": "bwv-store", "sub": uid, "iat": past,
                        "exp": past + dt.timedelta(minutes=5)}, key, algorithm="EdDSA")
    r = me(store, stale)
    assert (r.status_code, r.json()["detail"]) == (401, "sign-in required: the access token has expired; refresh it")


def test_the_signing_key_is_made_once_and_kept(tmp_path):
    path = tmp_path / "keys" / "signing.pem"
    a = Issuer(load_or_create_key(path), "bwv-store", 300)
    b = Issuer(load_or_create_key(path), "bwv-store", 300)
    assert a.kid == b.kid and oct(path.stat().st_mode & 0o777) == "0o600"
    token, _exp = a.mint("u1", "alice")
    assert b.verify(token)["sub"] == "u1"


def test_an_expired_refresh_token_is_refused(local):
    sessions, issuer = local
    _user, code = transact(sessions, lambda s: identity.add_user(s, "admin", "brief", "trainer"))
    grant = transact(sessions, lambda s: identity.enrol(s, issuer, code, refresh_ttl_s=-1))
    with pytest.raises(Refused, match="refresh token not valid: sign in again"):
        transact(sessions, lambda s: identity.refresh(s, issuer, grant.refresh_token, 3600))


def test_user_add_names_an_unconfigured_issuer_in_one_line(tmp_path):
    config = services.write_store_config(tmp_path)
    r = services.cli("store", "user", "add", "someone", "--role", "trainer", "--issuer", "https://idp.example/t",
                     "--config", str(config))
    assert (r.returncode, r.stderr) == (
        1, "reviewer: issuer https://idp.example/t: not configured in the store's [oidc] section\n")

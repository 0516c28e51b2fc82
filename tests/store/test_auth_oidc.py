"""External OIDC issuers (Entra ID in most forces): the store accepts a token only if the configured issuer's
JWKS, fetched over HTTP, verifies it, the audience is ours, and the store holds a user and role for the name in
the configured claim. A real provider runs on loopback with keys made here."""

from __future__ import annotations

import httpx
import pytest

from tests.store import services
from tests.store.oidc_idp import Idp

AUDIENCE = "api://bwv-store"


@pytest.fixture(scope="module")
def idp():
    with Idp().running() as provider:
        provider.first_kid = provider.add_key()
        yield provider


@pytest.fixture(scope="module")
def oidc_store(idp, tmp_path_factory):
    folder = tmp_path_factory.mktemp("oidc-store")
    config = services.write_store_config(folder)
    with open(config, "a") as fh:
        fh.write(f'[oidc.force]\nissuer = "{idp.issuer}"\naudience = "{AUDIENCE}"\nusername_claim = "oid"\n')
    r = services.cli("store", "user", "add", "oid-psd-1", "--role", "professional_standards", "--issuer",
                     idp.issuer, "--config", str(config))
    assert r.returncode == 0 and "enrolment code" not in r.stdout, r.stderr  # the provider signs them in
    with services.store_server(config) as server:
        yield server


def me(store, token: str) -> httpx.Response:
    return httpx.get(f"{store.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_a_token_of_the_configured_issuer_signs_in_the_user_it_names(oidc_store, idp):
    r = me(oidc_store, idp.token(idp.first_kid, AUDIENCE, {"oid": "oid-psd-1"}))
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["role"]) == ("oid-psd-1", "professional_standards")


@pytest.mark.parametrize("case", ["audience", "issuer", "expired", "foreign key", "no claim"])
def test_tokens_that_are_not_right_in_every_way_are_401(oidc_store, idp, case):
    from cryptography.hazmat.primitives.asymmetric import rsa

    claims = {"oid": "oid-psd-1"}
    token = {
        "audience": lambda: idp.token(idp.first_kid, "api://someone-else", claims),
        "issuer": lambda: idp.token(idp.first_kid, AUDIENCE, claims, issuer="https://evil.example/tenant"),
        "expired": lambda: idp.token(idp.first_kid, AUDIENCE, claims, ttl_s=-3600),
        # the right kid, but signed by a key the provider does not publish
        "foreign key": lambda: idp.token(idp.first_kid, AUDIENCE, claims,
                                         key=rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        "no claim": lambda: idp.token(idp.first_kid, AUDIENCE, {}),
    }[case]()
    r = me(oidc_store, token)
    assert r.status_code == 401 and r.json()["detail"].startswith("sign-in required"), r.text


def test_a_valid_token_for_someone_the_store_does_not_know_is_403(oidc_store, idp):
    r = me(oidc_store, idp.token(idp.first_kid, AUDIENCE, {"oid": "oid-stranger"}))
    assert r.status_code == 403
    assert r.json()["detail"] == (f"oid-stranger ({idp.issuer}) has no account in this store: "
                                  "ask a supervisor to add one")


def test_a_rotated_key_is_fetched_once_and_forged_key_ids_do_not_hammer_the_provider(oidc_store, idp):
    assert me(oidc_store, idp.token(idp.first_kid, AUDIENCE, {"oid": "oid-psd-1"})).status_code == 200
    before = idp.jwks_requests
    new_kid = idp.add_key("EC")  # the provider rotates: a new ES256 key, announced only in its JWKS
    assert me(oidc_store, idp.token(new_kid, AUDIENCE, {"oid": "oid-psd-1"})).status_code == 200
    assert me(oidc_store, idp.token(new_kid, AUDIENCE, {"oid": "oid-psd-1"})).status_code == 200
    assert idp.jwks_requests == before + 1  # fetched again once, then served from the cache
    from cryptography.hazmat.primitives.asymmetric import rsa

    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for i in range(5):
        r = me(oidc_store, idp.token(f"forged-{i}", AUDIENCE, {"oid": "oid-psd-1"}, key=forger))
        assert r.status_code == 401
    assert idp.jwks_requests <= before + 2  # one refetch for the first unknown kid, then a quiet period

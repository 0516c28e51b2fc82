"""Only the store's address, when the store offers Entra ID through MSAL (ADR 0023, addendum): `reviewer sync login
URL` reads the store's Entra method (tenant, client id, scopes) and MSAL's device flow completes against the
loopback provider over https as a generic OIDC authority (the real Entra ID cannot be reached from here)."""

from __future__ import annotations

import json

import httpx
import pytest

from reviewer.library import Library
from reviewer.sync import link
from tests.core.test_govern_support import gov_home, ids, template  # noqa: F401
from tests.core.test_sync_signin_entra import SCOPE, home, idp, trust_the_test_issuer, user  # noqa: F401 - fixtures
from tests.core.test_sync_signin_methods import env_for
from tests.store import services
from tests.store.oidc_device_idp import AUDIENCE, CLIENT_ID, cli_device_login


@pytest.fixture(scope="module")
def store(idp, tmp_path_factory):
    config = services.write_store_config(tmp_path_factory.mktemp("entra-methods-store"))
    with open(config, "a") as fh:
        fh.write(f'[oidc.entra]\nissuer = "{idp.issuer}"\naudience = "{AUDIENCE}"\nusername_claim = "oid"\n'
                 f'jwks_uri = "{idp.plain_jwks}"\nclient_id = "{CLIENT_ID}"\nmsal = "{idp.issuer}"\n'
                 f'scope = "openid offline_access {SCOPE}"\nflows = ["device"]\n')
    with services.store_server(config) as server:
        yield server


def test_login_with_only_the_url_signs_in_through_msal_when_the_store_offers_entra(store, idp, home):
    assert httpx.get(store.url + "/api/v1/signin", timeout=30).json()["methods"][1] == {
        "kind": "entra", "name": "entra", "tenant": idp.issuer, "client_id": CLIENT_ID, "scope": SCOPE,
        "flows": ["device"]}  # MSAL's own scopes left out: it adds them itself and refuses them asked
    oid = user(store, idp, "supervisor")
    rc, out, err = cli_device_login([store.url], env_for(home), idp, oid)
    assert (rc, err) == (0, "")
    assert out.splitlines()[1] == f"user: {oid} (supervisor)"
    with Library(home) as lib:
        assert json.loads(lib.gov.setting(link.AUTH)) == {"kind": "entra", "authority": idp.issuer,
                                                          "client_id": CLIENT_ID, "scopes": [SCOPE]}

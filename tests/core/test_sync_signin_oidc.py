"""Device-code sign-in (RFC 8628) at an external OIDC issuer the store trusts: a real loopback provider, a real
store process; the issuer's refresh token is kept only in the OS keyring and rotates there (ADR 0016)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from reviewer.govern.roles import Role
from reviewer.library import Library
from reviewer.store.client_auth import SignInError
from reviewer.sync import credentials, link
from tests.core.test_govern_support import gov_home, ids, template  # noqa: F401
from tests.store import services
from tests.store.oidc_device_idp import AUDIENCE, CLIENT_ID, DeviceIdp, cli_device_login

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def idp():
    provider = DeviceIdp()
    with provider.running():
        yield provider


@pytest.fixture(scope="module")
def store(idp, tmp_path_factory):
    config = services.write_store_config(tmp_path_factory.mktemp("oidc-signin-store"))
    with open(config, "a") as fh:
        fh.write(f'[oidc.force]\nissuer = "{idp.issuer}"\naudience = "{AUDIENCE}"\nusername_claim = "oid"\n')
    with services.store_server(config) as server:
        yield server


def oidc_user(store, idp, role: str) -> str:
    oid = f"oid-{role}-{os.urandom(3).hex()}"
    assert services.add_user(store.config, oid, role, issuer=idp.issuer) == ""  # no code: the issuer signs in
    return oid


@pytest.fixture
def home(gov_home):
    (gov_home / "workstation_id").unlink()  # a workstation of its own
    return gov_home


def test_device_code_sign_in_links_the_library_and_rotates_the_issuers_token_in_the_keyring(store, idp, home):
    oid = oidc_user(store, idp, "investigator")
    shown = []

    def user_approves(code):
        shown.append(code)
        idp.approve(code.user_code, oid, after_polls=1)  # the workstation polls once before the approval lands

    with Library(home) as lib:
        st = link.login_oidc(lib, store.url, idp.issuer, CLIENT_ID, show=user_approves)
        assert (st["user"], st["role"], st["linked"]) == (oid, "investigator", True)
        assert shown[0].verification_uri == idp.issuer + "/device"
        assert (lib.gov.username, lib.gov.role()) == (oid, Role.INVESTIGATOR)
        entry = f"{lib.gov.workstation} {store.url}"
        first = keyring.get_password(credentials.SERVICE, entry)
        assert first in idp.refresh_tokens and idp.refresh_tokens[first] == oid
        with link.open_client(lib) as client:  # a new process's way in: refresh at the issuer, rotate
            who = client.get("/api/v1/auth/me").json()
            assert (who["name"], who["role"]) == (oid, "investigator")
        second = keyring.get_password(credentials.SERVICE, entry)
        assert second != first and first not in idp.refresh_tokens and second in idp.refresh_tokens
        link.renew_grant(lib)
        assert lib.gov.store_authority().problem is None
    for p in home.rglob("*"):
        if p.is_file() and not p.is_symlink():
            assert second.encode() not in p.read_bytes(), p


def test_a_declined_device_sign_in_leaves_the_library_unlinked(store, idp, home):
    with Library(home) as lib:
        with pytest.raises(SignInError, match=rf"^{idp.issuer}: device sign-in refused: the user declined$"):
            link.login_oidc(lib, store.url, idp.issuer, CLIENT_ID, show=lambda code: idp.deny(code.user_code))
        assert lib.gov.store_authority() is None and lib.gov.role() is Role.SUPERVISOR


def test_the_cli_shows_the_code_and_finishes_once_the_user_approves(store, idp, home):
    oid = oidc_user(store, idp, "professional_standards")
    env = {**os.environ, "REVIEWER_HOME": str(home),
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    rc, out, err = cli_device_login([store.url, "--oidc", idp.issuer, "--client-id", CLIENT_ID], env, idp, oid)
    assert (rc, err) == (0, "")
    assert out.splitlines()[1] == f"user: {oid} (professional_standards)"
    r = subprocess.run([sys.executable, "-m", "reviewer", "sync", "login", store.url, "--oidc", idp.issuer],
                       capture_output=True, text=True, env=env, timeout=120)
    assert (r.returncode, r.stderr) == (1, "reviewer: --oidc needs --client-id (the workstation app's id at the "
                                           "issuer)\n")

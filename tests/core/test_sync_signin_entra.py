"""Entra ID sign-in through MSAL (`reviewer sync login URL --entra TENANT --client-id ID`), tested for real against
what can run here: MSAL's PublicClientApplication driving the loopback provider (over https, as MSAL requires) as
a generic OIDC authority, and a real store process. The real Entra ID cannot be reached from this machine, so
Microsoft's own endpoints, its instance discovery and its client_info are NOT exercised (docs/entra.md says what an
administrator registers). What is proved: MSAL's token cache goes only to the OS keyring, with no access or ID
token in it; a later process signs in from it and the refresh token rotates there; refusals are one line and keep
nothing; the option parsing (ADR 0023)."""

from __future__ import annotations

import json
import os
import re
import ssl
import subprocess
import sys
import threading
import webbrowser
from pathlib import Path

import keyring
import pytest

from reviewer.errors import ReviewerError
from reviewer.govern.roles import Role
from reviewer.library import Library
from reviewer.store.client_auth import SignInError
from reviewer.sync import credentials, entra, link
from tests.core.test_govern_support import gov_home, ids, template  # noqa: F401
from tests.core.test_sync_signin import NO_KEYRING
from tests.store import services
from tests.store.oidc_device_idp import AUDIENCE, CLIENT_ID, browse
from tests.store.oidc_tls_idp import TlsDeviceIdp

REPO = Path(__file__).resolve().parents[2]
SCOPE = f"{AUDIENCE}/.default"


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    provider = TlsDeviceIdp(tmp_path_factory.mktemp("entra-idp"))
    with provider.running():
        yield provider


@pytest.fixture(autouse=True)
def trust_the_test_issuer(idp, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(idp.ca))  # MSAL's HTTP client is requests


@pytest.fixture(scope="module")
def store(idp, tmp_path_factory):
    config = services.write_store_config(tmp_path_factory.mktemp("entra-store"))
    with open(config, "a") as fh:
        fh.write(f'[oidc.entra]\nissuer = "{idp.issuer}"\naudience = "{AUDIENCE}"\nusername_claim = "oid"\n'
                 f'jwks_uri = "{idp.plain_jwks}"\n')
    with services.store_server(config) as server:
        yield server


@pytest.fixture
def home(gov_home):
    (gov_home / "workstation_id").unlink()
    return gov_home


def user(store, idp, role: str) -> str:
    oid = f"oid-{role}-{os.urandom(3).hex()}"
    assert services.add_user(store.config, oid, role, issuer=idp.issuer) == ""
    return oid


def user_code(message: str) -> str:
    return message.rsplit(" ", 1)[1]


def test_msal_device_flow_links_the_library_and_keeps_its_cache_only_in_the_keyring(store, idp, home):
    oid = user(store, idp, "investigator")
    shown = []

    def approve(message: str) -> None:
        shown.append(message)
        idp.approve(user_code(message), oid)

    cfg = entra.configure(idp.issuer, CLIENT_ID, SCOPE)
    assert not cfg.microsoft  # a generic OIDC authority for MSAL: the local issuer
    with Library(home) as lib:
        st = link.login_entra(lib, store.url, cfg, show=approve)
        assert (st["user"], st["role"]) == (oid, "investigator")
        assert (lib.gov.username, lib.gov.role()) == (oid, Role.INVESTIGATOR)
        assert shown[0].startswith(f"To sign in, open {idp.issuer}/device and enter the code ")
        assert json.loads(lib.gov.setting(link.AUTH)) == {"kind": "entra", "authority": idp.issuer,
                                                          "client_id": CLIENT_ID, "scopes": [SCOPE]}
        entry = f"{lib.gov.workstation} {store.url}"
        kept = json.loads(keyring.get_password(credentials.SERVICE, entry))
        assert set(kept) <= set(entra.KEEP) and "AccessToken" not in kept and "IdToken" not in kept
        [first] = [rt["secret"] for rt in kept["RefreshToken"].values()]
        assert idp.refresh_tokens.get(first) == oid
        with link.open_client(lib) as client:  # a later process: MSAL redeems the keyring's refresh token
            who = client.get("/api/v1/auth/me").json()
            assert (who["name"], who["role"]) == (oid, "investigator")
        [second] = [rt["secret"] for rt in json.loads(keyring.get_password(credentials.SERVICE, entry))[
            "RefreshToken"].values()]
        assert second != first and first not in idp.refresh_tokens and idp.refresh_tokens.get(second) == oid
        link.renew_grant(lib)
        assert lib.gov.store_authority().problem is None
    for p in home.rglob("*"):  # MSAL wrote no cache file of its own anywhere in the library
        if p.is_file() and not p.is_symlink():
            assert second.encode() not in p.read_bytes() and first.encode() not in p.read_bytes(), p


class SystemBrowser(webbrowser.BaseBrowser):
    """What MSAL's webbrowser.open() reaches while registered: the test "browser", on a thread of its own."""

    def __init__(self, oid: str | None, ca: Path):
        super().__init__("bwv-test-browser")
        self.oid, self.seen, self.trust = oid, [], ssl.create_default_context(cafile=str(ca))

    def open(self, url, new=0, autoraise=True):
        self.seen.append(url)
        if self.oid is not None:
            threading.Thread(target=browse, args=(url, self.oid), kwargs={"verify": self.trust}, daemon=True).start()
        return True


@pytest.fixture
def system_browser(idp):
    def install(oid: str | None) -> SystemBrowser:
        browser = SystemBrowser(oid, idp.ca)
        webbrowser.register(browser.name, None, browser, preferred=True)
        return browser

    yield install
    while "bwv-test-browser" in webbrowser._tryorder:  # webbrowser has no unregister
        webbrowser._tryorder.remove("bwv-test-browser")


def test_msal_browser_flow_signs_in_through_the_system_browser(store, idp, home, system_browser):
    oid = user(store, idp, "professional_standards")
    browser = system_browser(oid)
    with Library(home) as lib:
        st = link.login_entra(lib, store.url, entra.configure(idp.issuer, CLIENT_ID, SCOPE), browser=True)
        assert (st["user"], st["role"]) == (oid, "professional_standards")
        assert keyring.get_password(credentials.SERVICE, f"{lib.gov.workstation} {store.url}")
    asked = dict(p.split("=", 1) for p in browser.seen[0].split("?", 1)[1].split("&"))
    assert (asked["code_challenge_method"], asked["response_mode"]) == ("S256", "form_post")
    assert asked["redirect_uri"].startswith("http%3A%2F%2Flocalhost%3A")


def test_an_msal_browser_sign_in_never_finished_times_out_in_one_line_and_keeps_nothing(store, idp, home,
                                                                                      system_browser):
    system_browser(None)
    with Library(home) as lib:
        with pytest.raises(SignInError) as refused:
            link.login_entra(lib, store.url, entra.configure(idp.issuer, CLIENT_ID, SCOPE), browser=True, timeout_s=2)
        assert str(refused.value) == f"{idp.issuer}: the browser did not come back within 2 s; sign in again"
        assert keyring.get_password(credentials.SERVICE, f"{lib.gov.workstation} {store.url}") is None
        assert lib.gov.store_authority() is None


def test_a_declined_or_unreachable_msal_sign_in_is_one_line_and_keeps_nothing(store, idp, home):
    cfg = entra.configure(idp.issuer, CLIENT_ID, SCOPE)
    with Library(home) as lib:
        with pytest.raises(SignInError) as refused:
            link.login_entra(lib, store.url, cfg, show=lambda message: idp.deny(user_code(message)))
        assert str(refused.value) == f"{idp.issuer}: device sign-in refused: the user declined"
        gone = entra.configure("https://127.0.0.1:9/tenant", CLIENT_ID, SCOPE)  # nothing listens there
        with pytest.raises(SignInError) as refused:
            link.login_entra(lib, store.url, gone)
        assert str(refused.value) == ("https://127.0.0.1:9/tenant: cannot reach the Entra authority to read its "
                                      "configuration: ConnectionError")
        assert keyring.get_password(credentials.SERVICE, f"{lib.gov.workstation} {store.url}") is None
        assert lib.gov.store_authority() is None and lib.gov.role() is Role.SUPERVISOR


def cli(home: Path, *args: str, **env) -> subprocess.CompletedProcess:
    env = {**os.environ, "REVIEWER_HOME": str(home),
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]), **env}
    return subprocess.run([sys.executable, "-m", "reviewer", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_the_cli_refuses_a_null_keyring_before_msal_asks_the_issuer_and_parses_its_options(store, idp, home):
    pending = len(idp.pending)
    r = cli(home, "sync", "login", store.url, "--entra", idp.issuer, "--client-id", CLIENT_ID, "--scope", SCOPE,
            PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "reviewer: " + NO_KEYRING.format("keyring.backends.null.Keyring") + "\n"
    assert len(idp.pending) == pending  # no device code was asked for
    r = cli(home, "sync", "login", store.url, "--entra", "contoso.onmicrosoft.com")
    assert (r.returncode, r.stderr) == (1, "reviewer: --entra needs --client-id (the workstation app's application "
                                           "id in Entra)\n")
    r = cli(home, "sync", "login", store.url, "--entra", "x", "--oidc", idp.issuer, "--client-id", CLIENT_ID)
    assert r.returncode == 2 and "not allowed with argument" in r.stderr


@pytest.mark.parametrize("tenant, authority", [
    ("contoso.onmicrosoft.com", "https://login.microsoftonline.com/contoso.onmicrosoft.com"),
    ("72f988bf-86f1-41af-91ab-2d7cd011db47", "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47"),
    ("https://login.microsoftonline.us/tenant-id/", "https://login.microsoftonline.us/tenant-id"),
])
def test_entra_tenants_name_microsofts_authorities(tenant, authority):
    cfg = entra.configure(tenant, " app-id ")
    assert (cfg.authority, cfg.client_id, cfg.scopes, cfg.microsoft) == (authority, "app-id", entra.DEFAULT_SCOPES,
                                                                         True)
    assert entra.configure(tenant, "a", "openid api://x/.default offline_access").scopes == ("api://x/.default",)


@pytest.mark.parametrize("tenant, message", [
    ("http://login.microsoftonline.com/t", "http://login.microsoftonline.com/t: not an Entra authority (expected a "
                                           "tenant id or domain, or https://HOST/TENANT)"),
    ("https://login.microsoftonline.com", "https://login.microsoftonline.com: not an Entra authority (expected a "
                                          "tenant id or domain, or https://HOST/TENANT)"),
    ("contoso tenant", "'contoso tenant': not an Entra tenant (a tenant id such as "
                       "00000000-0000-0000-0000-000000000000, or a domain such as contoso.onmicrosoft.com)"),
])
def test_a_malformed_tenant_is_refused_in_one_line(tenant, message):
    with pytest.raises(ReviewerError, match=f"^{re.escape(message)}$"):
        entra.configure(tenant, "app-id")
    with pytest.raises(ReviewerError, match="needs the store's API scope"):
        entra.configure("contoso", "app-id", "openid offline_access")

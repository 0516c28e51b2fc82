"""Sign-in with only the store's address (ADR 0023, addendum): a real store process publishes its sign-in methods
at GET /api/v1/signin (public facts only), and `reviewer sync login URL` with no method flags picks the one the
store offers, completing by device code or in the (test) browser against the loopback OIDC issuer; when the choice
is not plain, or the store is down, it says so in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from reviewer.errors import ReviewerError
from reviewer.library import Library
from reviewer.store.config import load_config
from reviewer.store.errors import ConfigError
from reviewer.store.signin_format import Method, parse
from reviewer.sync import link
from reviewer.sync.signin_methods import choose
from tests.core.test_govern_support import gov_home, ids, template  # noqa: F401
from tests.core.test_sync_signin_browser import assert_nothing_kept
from tests.core.test_sync_signin_oidc import home, idp, oidc_user  # noqa: F401 - fixtures
from tests.store import services
from tests.store.oidc_device_idp import AUDIENCE, CLIENT_ID, browse, cli_device_login

REPO = Path(__file__).resolve().parents[2]
UNOFFERED = '[oidc.service]\nissuer = "https://service.example/tenant"\naudience = "api://bwv-store"\n'


def _store(tmp_path_factory, folder: str, tables: str):
    config = services.write_store_config(tmp_path_factory.mktemp(folder))
    with open(config, "a") as fh:
        fh.write(tables)
    return services.store_server(config)


@pytest.fixture(scope="module")
def store(idp, tmp_path_factory):
    """A store that offers enrolment codes and one organisation (both flows), and trusts an issuer it does not
    offer (a service's tokens: no workstation client id)."""
    with _store(tmp_path_factory, "signin-methods-store", (
            f'[oidc.force]\nissuer = "{idp.issuer}"\naudience = "{AUDIENCE}"\nusername_claim = "oid"\n'
            f'client_id = "{CLIENT_ID}"\n' + UNOFFERED)) as server:
        yield server


@pytest.fixture(scope="module")
def rich_store(idp, tmp_path_factory):
    """Codes, the organisation by browser only, and Entra ID through MSAL by device code."""
    with _store(tmp_path_factory, "signin-methods-rich", (
            f'[oidc.force]\nissuer = "{idp.issuer}"\naudience = "{AUDIENCE}"\nusername_claim = "oid"\n'
            f'client_id = "{CLIENT_ID}"\nflows = ["browser"]\n'
            '[oidc.entra]\nissuer = "https://login.microsoftonline.com/0000-tenant/v2.0"\n'
            'audience = "api://bwv-store"\nusername_claim = "oid"\nclient_id = "11111111-desktop"\n'
            'scope = "openid offline_access api://bwv-store/.default"\nmsal = "0000-tenant"\nflows = ["device"]\n'
            + UNOFFERED)) as server:
        yield server


def env_for(home: Path, **extra) -> dict:
    # BROWSER=true: webbrowser runs /bin/true, so no real browser starts; the test reads the URL from stderr
    return {**os.environ, "REVIEWER_HOME": str(home), "BROWSER": "true",
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]), **extra}


def test_the_store_lists_exactly_its_public_sign_in_facts_to_anyone(store, rich_store, idp):
    r = httpx.get(store.url + "/api/v1/signin", timeout=30)  # no token
    assert r.status_code == 200
    assert r.json() == {"methods": [
        {"kind": "code"},
        {"kind": "oidc", "name": "force", "issuer": idp.issuer, "client_id": CLIENT_ID,
         "scope": "openid offline_access", "flows": ["browser", "device"]}]}
    assert httpx.get(rich_store.url + "/api/v1/signin", timeout=30).json() == {"methods": [
        {"kind": "code"},
        {"kind": "oidc", "name": "force", "issuer": idp.issuer, "client_id": CLIENT_ID,
         "scope": "openid offline_access", "flows": ["browser"]},
        {"kind": "entra", "name": "entra", "tenant": "0000-tenant", "client_id": "11111111-desktop",
         "scope": "api://bwv-store/.default", "flows": ["device"]}]}
    # (exactly these keys: no audience, username claim or JWKS address, which check tokens) and no unoffered issuer
    assert "service.example" not in r.text + httpx.get(rich_store.url + "/api/v1/signin", timeout=30).text
    doc = httpx.get(store.url + "/api/v1/openapi.json", timeout=30).json()
    assert "security" not in doc["paths"]["/api/v1/signin"]["get"]
    assert doc["paths"]["/api/v1/signin"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SignInMethods"}


def test_login_with_only_the_url_completes_by_device_code(store, idp, home):
    oid = oidc_user(store, idp, "investigator")
    rc, out, err = cli_device_login([store.url], env_for(home), idp, oid)
    assert (rc, err) == (0, "")
    assert out.splitlines()[:2] == [f"store: {store.url} (online)", f"user: {oid} (investigator)"]
    with Library(home) as lib:
        assert json.loads(lib.gov.setting(link.AUTH))["issuer"] == idp.issuer  # the store's issuer, not typed
        assert lib.gov.username == oid


def test_login_with_only_the_url_and_browser_completes_in_the_browser(store, idp, home):
    oid = oidc_user(store, idp, "professional_standards")
    proc = subprocess.Popen([sys.executable, "-m", "reviewer", "sync", "login", store.url, "--browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_for(home))
    try:
        line = proc.stderr.readline()
        prefix = "Opening your browser to sign in; if it does not open, visit "
        assert line.startswith(prefix + idp.issuer + "/authorize?"), line
        assert f"client_id={CLIENT_ID}&" in line
        browse(line[len(prefix):].strip(), oid)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (proc.returncode, err) == (0, "")
    assert out.splitlines()[1] == f"user: {oid} (professional_standards)"


def login(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reviewer", "sync", "login", *args], capture_output=True,
                          text=True, env=env_for(home), timeout=120)


def test_when_the_choice_is_not_plain_or_the_store_is_down_the_cli_says_so_in_one_line(rich_store, idp, home):
    r = login(home, rich_store.url)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == (f"reviewer: {rich_store.url}: the store offers 3 ways to sign in; choose one: --code CODE | "
                        f"--oidc {idp.issuer} --client-id {CLIENT_ID} | --entra 0000-tenant --client-id "
                        "11111111-desktop\n")
    port = services.free_port()  # nothing listens there
    r = login(home, f"http://127.0.0.1:{port}")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == f"reviewer: http://127.0.0.1:{port}: cannot reach the store: [Errno 111] Connection refused\n"
    assert_nothing_kept(home, rich_store)


CODE, FORCE = Method("code"), Method("oidc", "force", issuer="https://idp.example/t", client_id="app",
                                     flows=("browser", "device"))
ENTRA = Method("entra", "entra", tenant="T", client_id="desk", flows=("device",))


def test_choose_picks_the_only_organisation_and_names_the_flags_otherwise():
    u = "https://store.example"
    assert choose(u, [CODE, FORCE]) == (FORCE, "device")
    assert choose(u, [CODE, FORCE], browser=True) == (FORCE, "browser")
    assert choose(u, [CODE, FORCE, ENTRA], browser=True) == (FORCE, "browser")  # the only one with a browser flow
    assert choose(u, [CODE, ENTRA]) == (ENTRA, "device")
    with pytest.raises(ReviewerError, match=r"^https://store\.example: this store signs in with a one-time "
                                            r"enrolment code: add --code CODE$"):
        choose(u, [CODE])
    with pytest.raises(ReviewerError) as e:
        choose(u, [CODE, ENTRA], browser=True)
    assert str(e.value) == ("https://store.example: the store offers no browser sign-in this command can pick (it "
                            "offers: --code CODE; --entra T --client-id desk)")


def test_a_listing_from_a_newer_store_keeps_what_this_app_knows_and_a_broken_one_is_refused():
    assert parse({"methods": [{"kind": "code"}, {"kind": "passkey"}, {"kind": "oidc", "name": "f", "issuer": "i",
                                                                      "client_id": "c", "flows": ["qr", "device"]}]}
                 ) == [CODE, Method("oidc", "f", issuer="i", client_id="c", flows=("device",))]
    for bad, why in (([], "not a list of sign-in methods"),
                     ({"methods": [{"kind": "oidc", "issuer": "i", "client_id": "c", "flows": ["qr"]}]},
                      "the oidc method '' lacks its issuer, client id or flows"),
                     ({"methods": [{"kind": "oidc", "issuer": ["i"]}]}, "a oidc method has a field that is not a "
                                                                         "short string")):
        with pytest.raises(ValueError) as e:
            parse(bad)
        assert str(e.value) == why


@pytest.mark.parametrize("table, problem", [
    ('flows = ["browser", "qr"]', "[oidc.x] flows must list one or both of 'browser', 'device'"),
    ('msal = "T"', "[oidc.x] msal needs the client_id of the workstation app"),
    ('client_id = ""', "[oidc.x] client_id must be a non-empty string"),
])
def test_a_bad_sign_in_setting_is_one_line_naming_the_file(tmp_path, table, problem):
    path = tmp_path / "store.toml"
    path.write_text(f'[oidc.x]\nissuer = "https://i.example"\naudience = "a"\n{table}\n')
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert str(e.value) == f"{path}: {problem}"

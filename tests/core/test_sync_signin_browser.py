"""Browser sign-in (authorization code + PKCE S256, loopback redirect on 127.0.0.1, RFC 8252) at an external OIDC
issuer the store trusts: the loopback provider of the device-code tests, extended with /authorize, driven by a test
"browser" (a plain HTTP client following the redirect); a real store process. Success links the library with the
role of the store's grant; each forged, replayed or expired answer is refused in one line with nothing kept in the
keyring and the library left unlinked (ADR 0023)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import keyring
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from reviewer.govern.roles import Role
from reviewer.library import Library
from reviewer.store.client_auth import SignInError
from reviewer.sync import credentials, link
from tests.core.test_govern_support import gov_home, ids, template  # noqa: F401
from tests.core.test_sync_signin import NO_KEYRING
from tests.core.test_sync_signin_oidc import home, idp, oidc_user, store  # noqa: F401 - fixtures
from tests.store.oidc_device_idp import CLIENT_ID, browse, browser_thread

REPO = Path(__file__).resolve().parents[2]


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def replace_param(url: str, name: str, value: str) -> str:
    return re.sub(rf"([?&]{name}=)[^&]*", lambda m: m.group(1) + value, url)


def assert_nothing_kept(home: Path, store) -> None:
    with Library(home) as lib:
        assert keyring.get_password(credentials.SERVICE, f"{lib.gov.workstation} {store.url}") is None
        assert lib.gov.store_authority() is None and lib.gov.role() is Role.SUPERVISOR  # still a local library
        assert lib.gov.setting(link.URL) is None


def test_browser_sign_in_links_the_library_with_the_grants_role_and_keeps_the_token_in_the_keyring(store, idp, home):
    oid = oidc_user(store, idp, "professional_standards")
    seen: list[str] = []
    with Library(home) as lib:
        st = link.login_oidc_browser(lib, store.url, idp.issuer, CLIENT_ID, open_browser=browser_thread(oid, seen=seen))
        assert (st["user"], st["role"], st["linked"]) == (oid, "professional_standards", True)
        assert (lib.gov.username, lib.gov.role()) == (oid, Role.PROFESSIONAL_STANDARDS)
        asked = query(seen[0])
        assert seen[0].startswith(idp.issuer + "/authorize?")
        assert (asked["response_type"], asked["code_challenge_method"], asked["client_id"]) == (
            "code", "S256", CLIENT_ID)
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/callback", asked["redirect_uri"])
        assert len(asked["state"]) >= 32 and len(asked["nonce"]) >= 32 and asked["state"] != asked["nonce"]
        assert json.loads(lib.gov.setting(link.AUTH))["issuer"] == idp.issuer
        entry = f"{lib.gov.workstation} {store.url}"
        first = keyring.get_password(credentials.SERVICE, entry)
        assert idp.refresh_tokens.get(first) == oid
        with link.open_client(lib) as client:  # a later process: the issuer's refresh token rotates in the keyring
            who = client.get("/api/v1/auth/me").json()
            assert (who["name"], who["role"]) == (oid, "professional_standards")
        second = keyring.get_password(credentials.SERVICE, entry)
        assert second != first and first not in idp.refresh_tokens
    for p in home.rglob("*"):
        if p.is_file() and not p.is_symlink():
            assert second.encode() not in p.read_bytes(), p
    # the listener took its one redirect and closed: a late or second redirect finds nobody listening
    with pytest.raises(httpx.ConnectError):
        httpx.get(asked["redirect_uri"] + "?code=x&state=" + asked["state"], timeout=5)


def spent_code(idp, oid: str) -> str:
    """A code someone else already redeemed (intercepted, or from an earlier sign-in)."""
    r = httpx.get(idp.issuer + "/authorize", headers={"Cookie": f"session={oid}"}, params={
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": "http://127.0.0.1:9/callback",
        "state": "s", "nonce": "n", "code_challenge": "x" * 43, "code_challenge_method": "S256"})
    code = query(r.headers["Location"])["code"]
    assert httpx.post(idp.issuer + "/token", data={"grant_type": "authorization_code", "code": code,
                                                   "client_id": CLIENT_ID}).status_code == 400
    return code


REFUSALS = {
    "wrong state": ({"tamper": lambda loc: replace_param(loc, "state", "forged-state")},
                    "{iss}: sign-in refused: the browser's answer does not carry this sign-in's state (a stale or "
                    "forged redirect); sign in again"),
    "replayed code": ({"tamper": "SPENT"},
                      "{iss}: sign-in refused: the issuer would not redeem the code (400): authorization code not "
                      "valid or used"),
    "bad PKCE verifier": ({"rewrite": lambda url: replace_param(url, "code_challenge", "A" * 43)},
                          "{iss}: sign-in refused: the issuer would not redeem the code (400): PKCE verification "
                          "failed"),
    "wrong audience": ({"id_token": {"aud": "another-app"}},
                       "{iss}: sign-in refused: the ID token is for 'another-app', not this app (client id "
                       f"{CLIENT_ID})"),
    "expired ID token": ({"id_token": {"ttl_s": -600}},
                         "re:{iss}: sign-in refused: the ID token expired at 20[0-9-]{{8}}T[0-9:]{{8}}\\+00:00"),
    "forged ID token": ({"id_token": {"key": "FORGER"}},
                        "{iss}: sign-in refused: the ID token does not verify against the issuer's keys"),
    "another sign-in's nonce": ({"id_token": {"nonce": "an-earlier-sign-in"}},
                                "{iss}: sign-in refused: the ID token does not carry this sign-in's nonce (a replayed "
                                "token)"),
    "not signed in at the issuer": ({"oid": None}, "{iss}: sign-in refused: nobody is signed in at the issuer"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_forged_replayed_or_expired_answer_is_refused_in_one_line_and_nothing_is_kept(store, idp, home, case):
    oid = oidc_user(store, idp, "investigator")
    how, message = REFUSALS[case]
    tamper, rewrite = how.get("tamper"), how.get("rewrite")
    if tamper == "SPENT":
        code = spent_code(idp, oid)
        tamper = lambda loc: replace_param(loc, "code", code)  # noqa: E731
    idp.next_id_token = dict(how.get("id_token", {}))
    if idp.next_id_token.get("key") == "FORGER":  # signed by a key of the attacker's, claiming the issuer's kid
        idp.next_id_token["key"] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    before = len(idp.redemptions)
    with Library(home) as lib:
        with pytest.raises(SignInError) as refused:
            link.login_oidc_browser(lib, store.url, idp.issuer, CLIENT_ID, open_browser=browser_thread(
                how.get("oid", oid), tamper=tamper, rewrite=rewrite))
    text, iss = str(refused.value), idp.issuer
    if message.startswith("re:"):  # a time in it
        assert re.fullmatch(message[3:].format(iss=re.escape(iss)), text), text
    else:
        assert text == message.format(iss=iss)
    if case in ("wrong state", "not signed in at the issuer"):
        assert len(idp.redemptions) == before  # the code of a redirect that is not ours is never redeemed
    assert_nothing_kept(home, store)


def test_the_sign_in_times_out_or_is_cancelled_when_the_browser_never_comes_back(store, idp, home):
    with Library(home) as lib:
        with pytest.raises(SignInError, match=rf"^{re.escape(idp.issuer)}: the browser did not come back within "
                                              r"1 s; sign in again$"):
            link.login_oidc_browser(lib, store.url, idp.issuer, CLIENT_ID, timeout_s=1)
        opened = threading.Event()
        with pytest.raises(SignInError, match=rf"^{re.escape(idp.issuer)}: browser sign-in cancelled$"):
            link.login_oidc_browser(lib, store.url, idp.issuer, CLIENT_ID, open_browser=lambda url: opened.set(),
                                    cancelled=opened.is_set)
    assert_nothing_kept(home, store)


def cli_env(home: Path, **extra) -> dict:
    # BROWSER=true: webbrowser runs /bin/true, so no real browser starts; the test reads the URL from stderr
    return {**os.environ, "REVIEWER_HOME": str(home), "BROWSER": "true",
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]), **extra}


def test_the_cli_opens_the_browser_and_finishes_when_the_redirect_arrives(store, idp, home):
    oid = oidc_user(store, idp, "investigator")
    proc = subprocess.Popen([sys.executable, "-m", "reviewer", "sync", "login", store.url, "--oidc", idp.issuer,
                             "--client-id", CLIENT_ID, "--browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=cli_env(home))
    try:
        line = proc.stderr.readline()
        prefix = "Opening your browser to sign in; if it does not open, visit "
        assert line.startswith(prefix + idp.issuer + "/authorize?"), line
        browse(line[len(prefix):].strip(), oid)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (proc.returncode, err) == (0, "")
    assert out.splitlines()[1] == f"user: {oid} (investigator)"


def test_a_cli_refusal_is_one_line_with_exit_1(store, idp, home):
    oid = oidc_user(store, idp, "investigator")
    proc = subprocess.Popen([sys.executable, "-m", "reviewer", "sync", "login", store.url, "--oidc", idp.issuer,
                             "--client-id", CLIENT_ID, "--browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=cli_env(home))
    try:
        url = proc.stderr.readline().rsplit(" ", 1)[1].strip()
        browse(url, oid, tamper=lambda loc: replace_param(loc, "state", "stale"))
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (proc.returncode, out) == (1, "")
    assert err == (f"reviewer: {idp.issuer}: sign-in refused: the browser's answer does not carry this sign-in's "
                   "state (a stale or forged redirect); sign in again\n")
    assert_nothing_kept(home, store)


def test_the_cli_refuses_a_null_keyring_before_opening_the_browser(store, idp, home):
    r = subprocess.run([sys.executable, "-m", "reviewer", "sync", "login", store.url, "--oidc", idp.issuer,
                        "--client-id", CLIENT_ID, "--browser"], capture_output=True, text=True, timeout=120,
                       env=cli_env(home, PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring"))
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "reviewer: " + NO_KEYRING.format("keyring.backends.null.Keyring") + "\n"  # no browser line
    r = subprocess.run([sys.executable, "-m", "reviewer", "sync", "login", store.url, "--code", "X", "--browser"],
                       capture_output=True, text=True, timeout=120, env=cli_env(home))
    assert (r.returncode, r.stderr) == (1, "reviewer: --browser needs --oidc or --entra\n")

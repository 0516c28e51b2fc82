"""Workstation sign-in against a real store process (embedded: SQLite + files): the refresh token only in the OS
keyring, the store's keys pinned, the signed offline grant as the library's authority, read-only past its expiry,
and exact CLI lines and exit codes (ADR 0016)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from sqlalchemy import text

from reviewer.govern.roles import Action, GrantRefused, PermissionDenied, Role
from reviewer.library import Library
from reviewer.sync import credentials, link
from reviewer.sync.grant import GRANT, KEYS
from tests.core.test_govern_support import gov_home, ids, template  # noqa: F401
from tests.store import services

REPO = Path(__file__).resolve().parents[2]
NO_KEYRING = ("no secure OS keyring is available (found: {}); the store's sign-in cannot be kept, so signing in "
              "is refused. Unlock or start the login keyring (Secret Service, e.g. gnome-keyring)")


def _server(folder: Path, grant_ttl: float | None = None):
    config = services.write_store_config(folder)
    if grant_ttl is not None:
        config.write_text(config.read_text().replace("[auth]\n", f"[auth]\ngrant_ttl_seconds = {grant_ttl}\n"))
    return services.store_server(config)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with _server(tmp_path_factory.mktemp("signin-store")) as server:
        yield server


def code(store, role: str, name: str | None = None) -> tuple[str, str]:
    """(user name, one-time enrolment code) of a new store user."""
    name = name or f"{role}-{os.urandom(3).hex()}"
    return name, services.add_user(store.config, name, role)


@pytest.fixture
def home(gov_home):
    """A private library with four recordings, as a workstation of its own (the template's id is shared)."""
    (gov_home / "workstation_id").unlink()
    return gov_home


def cli(home: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "REVIEWER_HOME": str(home),
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]), **(env or {})}
    return subprocess.run([sys.executable, "-m", "reviewer", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def setting(lib, key: str) -> str | None:
    return lib.gov.setting(key)


def put_setting(lib, key: str, value: str) -> None:
    """What anyone with the SQLite file can do."""
    with lib.sessions.begin() as s:
        s.execute(text("UPDATE library_settings SET value = :v WHERE key = :k"), {"v": value, "k": key})


# ---- login, the keyring, the CLI ---------------------------------------------------------------------------------
def test_login_keeps_the_refresh_token_only_in_the_keyring(store, home, ids):
    name, c = code(store, "investigator")
    r = cli(home, "sync", "login", store.url, "--code", c)
    assert r.returncode == 0, r.stderr
    with Library(home) as lib:
        ws = lib.gov.workstation
        grant = json.loads(setting(lib, GRANT))
        cp_seq = lib.gov.audit.head(lib.sessions())[0]
        assert (lib.gov.username, lib.gov.role(), lib.gov.me().role) == (name, Role.INVESTIGATOR, Role.INVESTIGATOR)
    assert r.stdout.splitlines()[:4] == [f"store: {store.url} (online)", f"user: {name} (investigator)",
                                         "signed in: yes", f"offline grant expires: {grant['expires_at']}"]
    assert r.stdout.splitlines()[-1].startswith("audit chain anchored at the store up to event ")
    assert (grant["user"], grant["role"], grant["workstation"]) == (name, "investigator", ws)

    token = keyring.get_password(credentials.SERVICE, f"{ws} {store.url}")
    assert token and len(token) >= 40
    for p in home.rglob("*"):  # no token, refresh or access, in any file of the library home
        if p.is_file() and not p.is_symlink():
            data = p.read_bytes()
            assert token.encode() not in data, p
            assert b"eyJhbGciOiJFZERTQSI" not in data and b'"access_token"' not in data, p

    st = cli(home, "sync", "status", "--json")
    assert st.returncode == 0, st.stderr
    got = json.loads(st.stdout)
    assert {k: got[k] for k in ("linked", "url", "user", "role", "online", "signed_in", "read_only",
                                "grant_expires_at")} == {
        "linked": True, "url": store.url, "user": name, "role": "investigator", "online": True, "signed_in": True,
        "read_only": False, "grant_expires_at": grant["expires_at"]}
    assert cp_seq >= 1 and got["pending_operations"] == 0
    added = cli(home, "bookmark", "add", ids["vfr_h264"], "--frame", "2", "--title", "offline work")
    assert added.returncode == 0, added.stderr
    st = cli(home, "sync", "status")
    assert "operations pending: 1" in st.stdout.splitlines()  # in the outbox until the sync loop pushes it
    with Library(home) as lib:
        ev = lib.gov.audit.events(action="bookmark.create")[-1]
        assert (ev.user, ev.role) == (name, "investigator")  # acting as the store's user, with the grant's role


def test_a_store_user_name_the_library_cannot_carry_is_refused_at_login(store, home):
    name, c = code(store, "investigator", name=f"Jane Smith {os.urandom(2).hex()}")
    r = cli(home, "sync", "login", store.url, "--code", c)
    assert (r.returncode, r.stderr) == (1, f"reviewer: user name {name!r} (from the store {store.url}) is not "
                                           "usable: letters, digits and ._@\\- only, at most 200 characters\n")
    with Library(home) as lib:
        assert lib.gov.store_authority() is None
        assert keyring.get_password(credentials.SERVICE, f"{lib.gov.workstation} {store.url}") is None


@pytest.mark.parametrize("backend", ["keyring.backends.null.Keyring", "keyring.backends.fail.Keyring"])
def test_without_a_secure_keyring_login_fails_closed_and_spends_no_code(store, home, backend):
    name, c = code(store, "investigator")
    r = cli(home, "sync", "login", store.url, "--code", c, env={"PYTHON_KEYRING_BACKEND": backend})
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "reviewer: " + NO_KEYRING.format(backend) + "\n"
    with Library(home) as lib:
        assert setting(lib, link.URL) is None and lib.gov.store_authority() is None  # still a local library
    ok = cli(home, "sync", "login", store.url, "--code", c)  # the code was not spent
    assert ok.returncode == 0, ok.stderr


def test_cli_refusals_are_one_line_with_exit_1(store, home):
    r = cli(home, "sync", "status")
    assert (r.returncode, r.stdout.splitlines()[0]) == (0, "not linked to a store (local library)")
    r = cli(home, "sync", "logout")
    assert (r.returncode, r.stderr) == (1, f"reviewer: {home}: this library is not linked to a store (reviewer sync "
                                           "login URL --code CODE)\n")
    r = cli(home, "sync", "login", store.url, "--code", "NOT-A-CODE")
    assert r.returncode == 1 and r.stderr.startswith(f"reviewer: {store.url}: enrol refused (401): ")
    assert len(r.stderr.splitlines()) == 1
    r = cli(home, "sync", "login", "ftp://example", "--code", "X")
    assert (r.returncode, r.stderr) == (1, "reviewer: ftp://example: not a store URL (expected "
                                           "http(s)://HOST[:PORT])\n")


# ---- the grant is the authority ----------------------------------------------------------------------------------
def test_a_hand_edited_users_table_does_not_change_the_role_of_a_linked_library(store, home):
    name, c = code(store, "investigator")
    with Library(home) as lib:
        link.login(lib, store.url, c)
        with lib.sessions.begin() as s:  # promote the store user, and everyone, in the local users table
            s.execute(text("INSERT INTO users (id, username, display_name, role, created_at, updated_at, "
                           "updated_by, revision) SELECT 'x', :n, :n, 'supervisor', created_at, updated_at, "
                           "updated_by, 1 FROM users LIMIT 1"), {"n": name})
            s.execute(text("UPDATE users SET role = 'supervisor'"))
    with Library(home) as lib:
        assert (lib.gov.username, lib.gov.role()) == (name, Role.INVESTIGATOR)
        assert not lib.gov.can(Action.LEGAL_HOLD) and lib.gov.can(Action.BOOKMARK)
        with pytest.raises(PermissionDenied, match=rf"^permission denied: {name} \(investigator\) may not "
                                                   "legal hold$"):
            lib.gov.require(Action.LEGAL_HOLD, "recording", "r1")
        refused = lib.gov.audit.events(action="legal_hold")
        assert [(e.user, e.role, e.outcome) for e in refused] == [(name, "investigator", "refused")]


def test_a_tampered_grant_or_a_swapped_pinned_key_is_refused(store, home, ids):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from reviewer.store.grant_format import b64url

    name, c = code(store, "investigator")
    rid = ids["vfr_h264"]
    with Library(home) as lib:
        link.login(lib, store.url, c)
        good_grant, good_keys = setting(lib, GRANT), setting(lib, KEYS)
        put_setting(lib, GRANT, good_grant.replace('"role": "investigator"', '"role": "supervisor"'))
        assert lib.gov.role() is Role.UNREGISTERED and not lib.gov.can(Action.VIEW)
        why = ("the offline grant's signature does not match (forged or altered); sign in again (reviewer sync "
               "login URL --code CODE)")
        with pytest.raises(GrantRefused) as got:
            lib.open_recording(rid)
        assert str(got.value) == f"{name} may not view: {why}"
        assert lib.gov.audit.events(action="view")[-1].details["reason"] == str(got.value)

        # a pinned key swapped for the adversary's own, with a grant they signed: still refused at the store
        forged = Ed25519PrivateKey.generate()
        keys = json.loads(good_keys)
        for k in keys["keys"]:
            if k["use"] == "offline-grant":
                k["x"] = b64url(forged.public_key().public_bytes_raw())
        put_setting(lib, KEYS, json.dumps(keys))
        put_setting(lib, GRANT, good_grant)
        assert lib.gov.role() is Role.UNREGISTERED  # the real grant no longer verifies against the swapped key
        with pytest.raises(link.StoreKeyChanged, match=r"the store's offline-grant key changed \(pinned grant-"):
            link.renew_grant(lib)
        r = cli(home, "sync", "status", "--renew")
        kid = next(k["kid"] for k in keys["keys"] if k["use"] == "offline-grant")
        assert r.returncode == 1 and r.stdout == "" and len(r.stderr.splitlines()) == 1
        assert r.stderr.startswith(f"reviewer: {store.url}: the store's offline-grant key changed (pinned {kid} "
                                   "sha256:") and f", now {kid} sha256:" in r.stderr
        assert r.stderr.endswith("): refused; if the store's key was replaced on purpose, its administrator must "
                                 "say so out of band before this library trusts it\n")
        put_setting(lib, KEYS, good_keys)
        assert lib.gov.role() is Role.INVESTIGATOR
    r = cli(home, "sync", "status", "--renew")  # the CLI's exit code with a sound pin
    assert r.returncode == 0, r.stderr


def test_removing_the_link_rows_does_not_return_the_library_to_its_users_table(store, home):
    name, c = code(store, "professional_standards")
    with Library(home) as lib:
        link.login(lib, store.url, c)
        assert lib.gov.role() is Role.PROFESSIONAL_STANDARDS
        with lib.sessions.begin() as s:
            s.execute(text("DELETE FROM library_settings WHERE key LIKE 'sync.%'"))
        auth = lib.gov.store_authority()
        assert auth.role is Role.UNREGISTERED and auth.problem.startswith(
            "this library was linked to a store but its link was removed outside the app")
        verdict = lib.gov.verify_audit()  # and the trail names what was removed
        assert not verdict.ok and any(n.endswith("library_settings row sync.store_url is missing (deleted outside "
                                                 "the app)") for n in verdict.notes), verdict.notes


# ---- offline past the grant's expiry -----------------------------------------------------------------------------
def test_an_expired_grant_refuses_bookmarks_and_audits_it_while_viewing_works(tmp_path_factory, home, ids):
    import time

    from reviewer.annotate.service import Annotations

    rid = ids["vfr_h264"]
    with _server(tmp_path_factory.mktemp("short-grant"), grant_ttl=3) as short:
        name, c = code(short, "investigator")
        with Library(home) as lib:
            link.login(lib, short.url, c)
            ann = Annotations(lib)
            table = lib.open_recording(rid, reason="review").table
            ann.add_bookmark(rid, int(table.pts_of(3)), "before expiry")  # valid grant: allowed
            expires = json.loads(setting(lib, GRANT))["expires_at"]
            deadline = time.monotonic() + 60
            while lib.gov.store_authority().problem is None:  # the condition, not a fixed sleep
                assert time.monotonic() < deadline, "the grant never expired"
                time.sleep(0.2)
            message = f"{name} may not bookmark: offline grant expired at {expires}; reconnect to the store"
            with pytest.raises(GrantRefused) as got:
                ann.add_bookmark(rid, int(table.pts_of(5)), "after expiry")
            assert str(got.value) == message
            ev = lib.gov.audit.events(action="bookmark")[-1]
            assert (ev.user, ev.role, ev.outcome, ev.details["reason"]) == (name, "investigator", "refused", message)
            assert [b.title for b in ann.bookmarks.list(rid)] == ["before expiry"]
            assert lib.open_recording(rid, reason="still viewing").table.pts_of(5) == table.pts_of(5)
            assert not lib.gov.can(Action.BOOKMARK) and lib.gov.can(Action.VIEW)
            assert not lib.gov.can(Action.EXPORT_REDACTED)  # a disclosure is not viewing
        st = cli(home, "sync", "status")
        assert st.returncode == 0 and f"read-only: offline grant expired at {expires}; reconnect to the store" \
            in st.stdout.splitlines()
        r = cli(home, "bookmark", "add", rid, "--frame", "5", "--title", "cli")
        assert (r.returncode, r.stderr) == (1, f"reviewer: {message}\n")
        with Library(home) as lib:  # reconnecting renews the grant; changes are allowed again
            link.renew_grant(lib)
            Annotations(lib).add_bookmark(rid, int(table.pts_of(5)), "renewed")


# ---- signing out, tokens rotating --------------------------------------------------------------------------------
def test_open_client_rotates_the_refresh_token_and_logout_forgets_it(store, home):
    import httpx

    name, c = code(store, "trainer")
    with Library(home) as lib:
        link.login(lib, store.url, c)
        entry = f"{lib.gov.workstation} {store.url}"
        first = keyring.get_password(credentials.SERVICE, entry)
        with link.open_client(lib) as client:
            assert client.get("/api/v1/auth/me").json()["name"] == name
        second = keyring.get_password(credentials.SERVICE, entry)
        assert second and second != first  # rotated, and the spent one is refused by the store
        assert httpx.post(store.url + "/api/v1/auth/refresh", json={"refresh_token": first}).status_code == 401
    r = cli(home, "sync", "logout")
    assert (r.returncode, r.stdout) == (0, f"signed out of {store.url}\n")
    assert keyring.get_password(credentials.SERVICE, entry) is None
    with Library(home) as lib:
        auth = lib.gov.store_authority()
        assert auth.role is Role.UNREGISTERED and auth.problem == (
            f"signed out of the store {store.url}; sign in again (reviewer sync login URL --code CODE)")
        with pytest.raises(link.SignedOut):
            link.open_client(lib)
        assert [e.action for e in lib.gov.audit.events(object_type="store_link")] == ["sync.login", "sync.logout"]


# ---- audit anchoring ---------------------------------------------------------------------------------------------
def _rewrite_event(lib, seq: int, details: dict) -> None:
    """An adversary with the database: edit one event, re-link the rest so the chain verifies on its own, and
    delete the local checkpoints that would betray it."""
    from sqlalchemy import select

    from reviewer.govern.audit_chain import link as relink
    from reviewer.library.models_govern import AuditEvent

    with lib.sessions.begin() as s:
        s.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        s.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        rows = s.scalars(select(AuditEvent).where(AuditEvent.seq >= seq).order_by(AuditEvent.seq)).all()
        prev = s.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq - 1))
        for row in rows:
            ev = {k: getattr(row, k) for k in ("event_id", "at", "user", "role", "workstation", "os_account",
                                               "object_type", "object_id", "action", "outcome", "justification")}
            ev["details"] = details if row.seq == seq else json.loads(row.details)
            linked = relink(ev, prev, row.seq)
            row.details = json.dumps(ev["details"], sort_keys=True, separators=(",", ":"))
            row.prev_hash, row.hash, prev = linked["prev_hash"], linked["hash"], linked["hash"]
    lib.gov.checkpoints.path.unlink(missing_ok=True)


def test_audit_verify_detects_a_rewrite_below_the_store_checkpoint(store, home):
    name, c = code(store, "investigator")
    with Library(home) as lib:
        link.login(lib, store.url, c)
        for i in range(3):
            lib.gov.record_now("recording", f"r{i}", "recording.open", details={"reason": f"review {i}"})
        target = lib.gov.audit.events(action="recording.open")[0].seq
    r = cli(home, "sync", "status", "--push-audit")
    assert r.returncode == 0, r.stderr
    anchored = int(r.stdout.splitlines()[-1].rsplit(" ", 1)[1])
    assert anchored > target
    ok = cli(home, "audit", "verify", "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["store_checked"] is True, ok.stderr

    with Library(home) as lib:
        _rewrite_event(lib, target, {"reason": "nothing to see"})
        assert lib.gov.audit.check().ok  # locally the rewrite is invisible
    r = cli(home, "audit", "verify")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout.splitlines()[0].startswith(f"BROKEN at event {anchored}: event {anchored} differs from the "
                                               "checkpoint of the store (")


def test_audit_verify_of_a_linked_library_that_cannot_reach_the_store_exits_3(store, home):
    name, c = code(store, "investigator")
    with Library(home) as lib:
        link.login(lib, store.url, c)
    assert cli(home, "sync", "logout").returncode == 0
    r = cli(home, "audit", "verify")
    assert r.returncode == 3 and r.stdout.startswith("OK")
    assert r.stderr == (f"reviewer: the audit trail was not checked against the store: {home}: signed out of the "
                        f"store {store.url} (reviewer sync login {store.url} --code CODE)\n")


def test_setting_the_clock_back_does_not_stretch_a_grant(store, home):
    import dataclasses
    import datetime as dt

    from reviewer.govern.audit import parse_at
    from reviewer.store.grant_format import format_time
    from reviewer.sync.grant import _clock_behind, authority

    name, c = code(store, "investigator")
    with Library(home) as lib:
        link.login(lib, store.url, c)
        ws = lib.gov.workstation
        with lib.sessions() as s:
            g = authority(s, ws).grant
            early = g.issued_at - dt.timedelta(hours=1)
            auth = authority(s, ws, now=early)
            assert (auth.role, auth.problem) == (Role.INVESTIGATOR, (
                f"this computer's clock ({format_time(early)}) is behind the grant's issue time "
                f"({format_time(g.issued_at)}), so the offline grant's expiry cannot be trusted; reconnect to the "
                "store"))
            assert authority(s, ws, now=g.issued_at - dt.timedelta(minutes=4)).problem is None  # NTP-sized
            # a grant issued long ago, and the clock wound back to before the last event written here
            old = dataclasses.replace(g, issued_at=g.issued_at - dt.timedelta(days=1))
            last = lib.gov.audit.events(newest_first=True, limit=1)[0].at
            last = parse_at(last) if isinstance(last, str) else last
            assert _clock_behind(s, old, last - dt.timedelta(hours=1)).startswith("the last audit event (")
            assert _clock_behind(s, old, last) is None

"""Identity a workstation user cannot forge: REVIEWER_USER only in a test library, the OS account in every
audit event, and no supervisor by being first (reviewer admin init names one, audited)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.errors import ReviewerError
from reviewer.govern.audit_chain import event_hash, link, verify
from reviewer.govern.bootstrap import initialise
from reviewer.govern.identity import os_account
from reviewer.govern.roles import Action, PermissionDenied, Role
from reviewer.govern.users import Users
from reviewer.library import Library

ME = os_account()


def cli(home: Path, *args: str, user: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "REVIEWER_USER"}
    env["REVIEWER_HOME"] = str(home)
    if user:
        env["REVIEWER_USER"] = user
    return subprocess.run([sys.executable, "-m", "reviewer", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def one_line(p: subprocess.CompletedProcess) -> str:
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 1 and len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    return lines[0]


def test_reviewer_user_is_refused_outside_a_test_library(fresh_home, monkeypatch):
    with Library(fresh_home) as lib:
        initialise(lib.gov, ME)
        assert not lib.gov.test_library
    monkeypatch.setenv("REVIEWER_USER", "mallory")
    with pytest.raises(ReviewerError, match="REVIEWER_USER=mallory refused: acting as another user is allowed "
                                            "only in a test library"):
        Library(fresh_home)
    line = one_line(cli(fresh_home, "user", "show", user="mallory"))
    assert str(fresh_home / "library.sqlite3") in line and "REVIEWER_USER=mallory refused" in line
    monkeypatch.setenv("REVIEWER_USER", ME)  # naming yourself is not impersonation
    with Library(fresh_home) as lib:
        assert lib.gov.username == ME
    # and nothing was written as mallory
    con = sqlite3.connect(fresh_home / "library.sqlite3")
    assert con.execute("SELECT count(*) FROM audit_events WHERE user = 'mallory'").fetchone() == (0,)


def test_a_test_library_honours_reviewer_user_and_records_the_os_account(home, monkeypatch):
    with Library(home) as boss:
        assert boss.gov.test_library
        Users(boss.gov).set_role("alice", Role.INVESTIGATOR)
    monkeypatch.setenv("REVIEWER_USER", "alice")
    with Library(home) as lib:
        assert lib.gov.username == "alice" and lib.gov.os_account == ME
        Users(lib.gov).set_display_name("Alice A")
        ev = lib.gov.audit.events(action="user.set_display_name")[-1]
        assert (ev.user, ev.os_account) == ("alice", ME)
        assert all(e.os_account == ME for e in lib.gov.audit.events())
        assert ev.to_json()["os_account"] == ME  # exported, so an exported trail still verifies
        assert lib.gov.audit.check().ok


def test_the_os_account_is_hashed_and_old_events_still_verify(home):
    with Library(home) as lib:
        Users(lib.gov).set_role("bob", Role.TRAINER)
        assert lib.gov.audit.check().ok
    con = sqlite3.connect(home / "library.sqlite3")
    con.execute("DROP TRIGGER audit_events_no_update")
    con.execute("UPDATE audit_events SET os_account = 'someone_else' WHERE seq = 2")
    con.commit()
    with Library(home) as lib:
        v = lib.gov.audit.check()
        assert not v.ok and v.first_bad_seq == 2 and "edited" in v.problem
    # a format-1 event (written before the OS account was recorded) hashes without the field and verifies
    old = link({"event_id": "e1", "at": "2026-01-01T00:00:00.000000Z", "user": "sup", "role": "supervisor",
                "workstation": "w", "object_type": "user", "object_id": "u", "action": "user.create",
                "outcome": "ok", "details": {}, "justification": None}, "0" * 64, 1)
    assert "os_account" not in old and verify([old]).ok
    new = link({**{k: v for k, v in old.items() if k not in ("hash", "seq", "prev_hash")}, "os_account": ME},
               "0" * 64, 1)
    assert new["hash"] != old["hash"] == event_hash({**new, "os_account": None})


def test_opening_a_new_library_makes_nobody_supervisor(fresh_home, make_clip):
    with Library(fresh_home) as lib:
        assert lib.gov.me().role is Role.UNREGISTERED and not lib.gov.has_supervisor()
        assert not lib.gov.can(Action.VIEW) and not lib.gov.can(Action.IMPORT)
        with pytest.raises(PermissionDenied, match=f"{ME} is not a user of this library"):
            Users(lib.gov).set_role(ME, Role.SUPERVISOR)
        assert Users(lib.gov).list() == []
        src = fresh_home.parent / "src"
        src.mkdir()
        (src / "a.mp4").symlink_to(make_clip("cfr_noaudio").path)
        with pytest.raises(PermissionDenied, match=f"{ME} is not a user of this library and may not import"):
            lib.import_paths([src / "a.mp4"])
        assert lib.recordings() == [] and not any(lib.paths.originals.rglob("*.mp4"))
        refused = lib.gov.audit.events(outcome="refused")
        assert [(e.user, e.role, e.action, e.os_account) for e in refused] == [
            (ME, "unregistered", "set_role", ME), (ME, "unregistered", "import", ME)]


def test_admin_init_names_the_supervisor_once_and_is_audited(fresh_home):
    p = cli(fresh_home, "admin", "init", "--supervisor", "sgt_jones")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f"library {fresh_home}: sgt_jones is its supervisor (set by {ME})"
    with Library(fresh_home) as lib:
        assert not lib.gov.test_library
        assert Users(lib.gov).get("sgt_jones").role is Role.SUPERVISOR
        ev = lib.gov.audit.events(action="library.init")
        assert [(e.user, e.os_account, e.details["supervisor"], e.details["test_library"]) for e in ev] == [
            (ME, ME, "sgt_jones", False)]
        assert lib.gov.me().role is Role.UNREGISTERED  # this account was not made anything
    again = one_line(cli(fresh_home, "admin", "init", "--supervisor", ME))
    assert "already has a supervisor (sgt_jones)" in again


def test_only_a_new_library_can_become_a_test_library(fresh_home):
    with Library(fresh_home) as lib:
        initialise(lib.gov, "sup")  # audit history now exists
    with Library(fresh_home) as lib:
        with lib.gov.write() as s:  # a library whose only supervisor was removed, with history
            from reviewer.library.models_govern import User
            s.query(User).update({"deleted_at": User.created_at})
        with pytest.raises(ReviewerError, match="only a new, empty library can be made a test library"):
            initialise(lib.gov, ME, test_library=True)
        assert not lib.gov.test_library


def test_a_trail_from_before_the_os_account_upgrades_and_still_verifies(tmp_path):
    from alembic import command

    from reviewer.library.db import alembic_config, create_library_engine

    home = tmp_path / "old"
    home.mkdir()
    engine = create_library_engine(home / "library.sqlite3")
    command.upgrade(alembic_config(engine), "0003")  # the schema before workstation identity
    old = link({"event_id": "e1", "at": "2026-01-01T00:00:00.000000Z", "user": ME, "role": "supervisor",
                "workstation": "w", "object_type": "user", "object_id": "u", "action": "user.create",
                "outcome": "ok", "details": {}, "justification": None}, "0" * 64, 1)
    cols = [k for k in old if k != "details"]
    with engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO audit_events ({', '.join(cols)}, details) VALUES "
                             f"({', '.join('?' * len(cols))}, '{{}}')", tuple(old[k] for k in cols))
    engine.dispose()
    with Library(home) as lib:  # migrated to the head on open
        lib.gov.record_now("audit", "", "test.event")  # a format-2 event after the format-1 one
        events = lib.gov.audit.events()
        assert events[0].os_account is None and events[0].hash == old["hash"]
        assert len(events) > 1 and all(e.os_account == ME for e in events[1:])
        assert lib.gov.audit.check().ok


def test_the_os_account_comes_from_the_process_not_from_user_variables(home):
    """$USER and $LOGNAME are the environment's to set; the account is the process's real user id."""
    import pwd

    real = pwd.getpwuid(os.getuid()).pw_name
    env = {k: v for k, v in os.environ.items() if k != "REVIEWER_USER"}
    env.update(REVIEWER_HOME=str(home), USER="mallory", LOGNAME="mallory", LNAME="mallory", USERNAME="mallory")
    p = subprocess.run([sys.executable, "-m", "reviewer", "user", "show", "--json"], capture_output=True, text=True,
                       env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["username"] == real != "mallory"
    with Library(home) as lib:
        ev = lib.gov.audit.events()[-1]
        assert ev.os_account == real

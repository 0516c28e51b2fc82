"""Roles, evidential marks, holds and retention periods are rebuilt from the audit trail by `audit verify`:
a direct sqlite3 edit of any of them is named (exit 2), although the hash chain itself is untouched."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from reviewer.annotate.service import Annotations
from reviewer.govern.retention import Policies
from reviewer.govern.roles import Role
from reviewer.govern.users import Users
from reviewer.library import Library
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401


def verify(home) -> tuple[int, dict]:
    p = subprocess.run([sys.executable, "-m", "reviewer", "audit", "verify", "--json"], capture_output=True,
                       text=True, env={**os.environ, "REVIEWER_HOME": str(home)}, timeout=120)
    assert p.returncode in (0, 2), p.stderr
    return p.returncode, json.loads(p.stdout)


@pytest.fixture
def governed(lib, ids, gov_home):
    """A library with one of each governed row, changed through the app (undo and redo included)."""
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    Users(lib.gov).set_role("bob", Role.TRAINER, reason="course")
    mark = ann.mark_evidential(rid, "CR/1", "assault", category="complaint")
    lib.gov.undo.undo()
    lib.gov.undo.redo()
    hold = ann.set_hold(ids["cfr_noaudio"], "civil claim")
    Policies(lib.gov).set("complaint", 400, reason="force policy")
    Policies(lib.gov).set("non_evidential", 40)
    lib.close()
    return {"home": gov_home, "mark": mark.id, "hold": hold.id}


def sql(home, statement: str, *args) -> None:
    con = sqlite3.connect(home / "library.sqlite3")
    con.execute(statement, args)
    con.commit()
    con.close()


def test_changes_made_through_the_app_replay_exactly(governed):
    code, out = verify(governed["home"])
    assert (code, out["ok"], out["problems"]) == (0, True, [])


def user_id(home, name):
    con = sqlite3.connect(home / "library.sqlite3")
    (uid,) = con.execute("SELECT id FROM users WHERE username = ?", (name,)).fetchone()
    return uid


EDITS = {
    "role raised": (lambda g: sql(g["home"], "UPDATE users SET role = 'supervisor' WHERE username = 'bob'"),
                    lambda g: f"users row {user_id(g['home'], 'bob')}: differs from audit event "),
    "user added": (lambda g: sql(g["home"], "INSERT INTO users VALUES (?, 'eve', 'Eve', 'supervisor', 1, "
                                 "'2026-01-01', '2026-01-01', 'x', NULL)", "e" * 36),
                   lambda g: f"users row {'e' * 36}: no audit event backs it"),
    "mark cleared": (lambda g: sql(g["home"], "UPDATE evidential_marks SET cleared_at = '2026-01-01 00:00:00', "
                                   "cleared_by = 'sup' WHERE id = ?", g["mark"]),
                     lambda g: f"evidential_marks row {g['mark']}: differs from audit event "),
    "hold deleted": (lambda g: sql(g["home"], "DELETE FROM legal_holds WHERE id = ?", g["hold"]),
                     lambda g: f"its legal_holds row {g['hold']} is missing (deleted outside the app)"),
    "hold released": (lambda g: sql(g["home"], "UPDATE legal_holds SET released_at = '2026-01-01 00:00:00' "
                                    "WHERE id = ?", g["hold"]),
                      lambda g: f"legal_holds row {g['hold']}: differs from audit event "),
    "period changed": (lambda g: sql(g["home"], "UPDATE retention_policies SET days = 36500 "
                                     "WHERE category = 'non_evidential'"),
                       lambda g: "days is 36500, the trail says 40"),
    "seeded period changed": (lambda g: sql(g["home"], "UPDATE retention_policies SET days = 9999 "
                                            "WHERE category = 'evidential'"),
                              lambda g: "differs from the default it was created with (days is 9999, the trail "
                                        "says 2557)"),
}


@pytest.mark.parametrize("edit", EDITS)
def test_a_direct_sql_edit_is_named_by_audit_verify(governed, edit):
    change, expect = EDITS[edit]
    change(governed)
    code, out = verify(governed["home"])
    assert code == 2 and not out["ok"] and "governed row(s) disagree with the audit trail" in out["problem"]
    assert any(expect(governed) in line for line in out["problems"]), out["problems"]
    with Library(governed["home"]) as lib:  # the failed run is itself audited, with what it found
        run = lib.gov.audit.events(action="audit.verify")[-1]
        assert run.outcome == "broken" and run.details["problems"] == out["problems"]


def test_the_plain_text_report_names_every_row(governed):
    sql(governed["home"], "UPDATE users SET role = 'supervisor' WHERE username = 'bob'")
    sql(governed["home"], "DELETE FROM legal_holds WHERE id = ?", governed["hold"])
    p = subprocess.run([sys.executable, "-m", "reviewer", "audit", "verify"], capture_output=True, text=True,
                       env={**os.environ, "REVIEWER_HOME": str(governed["home"])}, timeout=120)
    lines = p.stdout.strip().splitlines()
    assert p.returncode == 2 and lines[0].startswith("BROKEN: 2 governed row(s) disagree")
    assert len(lines) == 3 and "users row" in lines[1] and governed["hold"] in lines[2]


def test_forging_the_test_library_mark_is_named(fresh_home, monkeypatch):
    """Someone marks a real library as a test library by hand, to act as a supervisor with REVIEWER_USER."""
    from reviewer.govern.bootstrap import initialise
    from reviewer.govern.identity import os_account

    with Library(fresh_home) as lib:
        initialise(lib.gov, os_account())
    sql(fresh_home, "INSERT INTO library_settings VALUES ('test_library', '1', '2026-01-01 00:00:00', 'x')")
    code, out = verify(fresh_home)
    assert code == 2 and out["problems"] == [
        "library_settings row test_library: no audit event backs it (written outside the app)"]


def test_a_supervisor_can_adopt_rows_from_before_state_was_recorded(governed):
    """An old library's rows have no state events: adopting them is one audited act with a reason."""
    home = governed["home"]
    sql(home, "INSERT INTO users VALUES (?, 'eve', 'Eve', 'investigator', 1, '2026-01-01', '2026-01-01', 'x', NULL)",
        "e" * 36)
    sql(home, "DELETE FROM legal_holds WHERE id = ?", governed["hold"])
    env = {**os.environ, "REVIEWER_HOME": str(home)}
    p = subprocess.run([sys.executable, "-m", "reviewer", "admin", "adopt-state", "--reason", "library from v0.3"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == "adopted 1 governed row(s) into the audit trail", p.stderr
    code, out = verify(home)
    assert code == 2 and len(out["problems"]) == 1 and "legal_holds" in out["problems"][0]  # a deletion stays
    with Library(home) as lib:
        ev = lib.gov.audit.events(action="state.adopt")[-1]
        assert (ev.user, ev.justification, ev.details["rows"]) == ("sup", "library from v0.3", 1)
        assert ev.details["state"]["username"] == "eve"

"""Fixtures shared by the governance tests (imported by them), and the identity/bootstrap tests.

A template library with four imported recordings is built once per importing module and copied per test, so
each test gets a real, private library without paying for imports again.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reviewer.errors import ReviewerError
from reviewer.govern.identity import USER_ENV
from reviewer.govern.roles import Action, PermissionDenied, Role
from reviewer.govern.users import Users
from reviewer.library import Library

SUPERVISOR = "sup"
# camera start per clip; None: unknown, so retention counts from the import time
STARTS = {"cfr_h264": "2024-05-01T10:00:00Z", "cfr_noaudio": "2024-05-01T11:00:00Z",
          "vfr_h264": "2024-05-01T12:00:00Z", "offset_mkv": None}


def stage(folder: Path, make_clip, name: str, start: str | None) -> Path:
    """A symlink to the generated clip, with a sidecar giving its camera start."""
    folder.mkdir(parents=True, exist_ok=True)
    clip = make_clip(name)
    link = folder / clip.path.name
    link.symlink_to(clip.path)
    if start:
        (folder / f"{clip.path.name}.json").write_text(json.dumps({"start_time": start, "officer_id": "PC 7"}))
    return link


@pytest.fixture(scope="module")
def template(tmp_path_factory, make_clip) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("govern-template")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(USER_ENV, SUPERVISOR)
        files = [stage(root / "src", make_clip, name, start) for name, start in STARTS.items()]
        with Library(root / "home") as lib:
            report = lib.import_paths(files)
            assert not report.errors, report.errors
            ids = {v.file_name.rsplit(".", 1)[0]: v.id for v in report.added}
    return root / "home", ids


@pytest.fixture
def gov_home(template, tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    shutil.copytree(template[0], home, symlinks=True)
    monkeypatch.setenv("REVIEWER_HOME", str(home))
    monkeypatch.setenv(USER_ENV, SUPERVISOR)
    return home


@pytest.fixture
def ids(template) -> dict[str, str]:
    return template[1]


@pytest.fixture
def lib(gov_home):
    with Library(gov_home) as lib:
        yield lib


def library_as(home: Path, monkeypatch, username: str) -> Library:
    monkeypatch.setenv(USER_ENV, username)
    lib = Library(home)
    monkeypatch.setenv(USER_ENV, SUPERVISOR)
    return lib


def user_with_role(lib: Library, home: Path, monkeypatch, role: Role) -> Library:
    """A second Library acting as a user who holds `role` (the supervisor `lib` grants it)."""
    name = f"u_{role.value}"
    if role is not Role.SUPERVISOR or name != lib.gov.username:
        Users(lib.gov).set_role(name, role)
    return library_as(home, monkeypatch, name)


# ---- identity and bootstrap -----------------------------------------------------------------------------------
def test_first_user_is_supervisor_and_later_users_are_investigators(tmp_path, monkeypatch):
    home = tmp_path / "fresh"
    alice = library_as(home, monkeypatch, "alice")
    bob = library_as(home, monkeypatch, "bob")
    try:
        assert alice.gov.me().role is Role.SUPERVISOR
        assert bob.gov.me().role is Role.INVESTIGATOR
        events = alice.gov.audit.events(action="user.create")
        assert [(e.user, e.details["role"], e.details["bootstrap_supervisor"]) for e in events] == [
            ("alice", "supervisor", True), ("bob", "investigator", False)]
    finally:
        alice.close()
        bob.close()


def test_os_user_is_the_default_identity(tmp_path, monkeypatch):
    import getpass

    monkeypatch.delenv(USER_ENV, raising=False)
    with Library(tmp_path / "h") as lib:
        assert lib.gov.username == getpass.getuser()
        assert lib.actor == f"{getpass.getuser()}@{lib.gov.workstation}"


def test_set_role_needs_a_supervisor_unless_there_is_none(lib, gov_home, monkeypatch):
    bob = library_as(gov_home, monkeypatch, "bob")
    try:
        with pytest.raises(PermissionDenied):
            Users(bob.gov).set_role("bob", Role.SUPERVISOR)
        refused = lib.gov.audit.events(outcome="refused")
        assert refused[-1].user == "bob" and refused[-1].action == Action.SET_ROLE.value
        assert bob.gov.me().role is Role.INVESTIGATOR

        Users(lib.gov).set_role("bob", "professional standards", reason="joined PSD")
        assert bob.gov.me().role is Role.PROFESSIONAL_STANDARDS
        ev = lib.gov.audit.events(action="user.set_role")[-1]
        assert ev.details == {"username": "bob", "role": "professional_standards", "previous_role": "investigator"}
        assert ev.justification == "joined PSD"

        with pytest.raises(ReviewerError, match="only supervisor"):
            Users(lib.gov).set_role(SUPERVISOR, Role.INVESTIGATOR)
        Users(lib.gov).set_role("bob", Role.SUPERVISOR)
        Users(lib.gov).set_role(SUPERVISOR, Role.INVESTIGATOR)  # bob is supervisor now, so sup may step down
        assert lib.gov.me().role is Role.INVESTIGATOR
    finally:
        bob.close()


def test_a_library_without_supervisor_lets_anyone_claim_the_role(tmp_path, monkeypatch):
    home = tmp_path / "h"
    first = library_as(home, monkeypatch, "first")
    try:
        # an imported user table with no supervisor (e.g. from an older install): simulate by direct edit
        with first.gov.write() as s:
            from reviewer.library.models_govern import User
            s.query(User).update({"role": "investigator"})
        Users(first.gov).set_role("first", "supervisor")
        assert first.gov.me().role is Role.SUPERVISOR
    finally:
        first.close()


def test_display_name_and_user_list(lib, gov_home, monkeypatch):
    Users(lib.gov).set_display_name("  Sgt   Jane  Doe ")
    other = library_as(gov_home, monkeypatch, "carol")
    try:
        other.gov.me()
        listed = {u.username: u for u in Users(lib.gov).list()}
        assert listed[SUPERVISOR].display_name == "Sgt Jane Doe"
        assert listed["carol"].role is Role.INVESTIGATOR
        assert lib.gov.can(Action.RUN_PURGE) and not other.gov.can(Action.RUN_PURGE)
    finally:
        other.close()

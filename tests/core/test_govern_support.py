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
from tests.fixtures.testlib import make_test_library

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
    make_test_library(root / "home", SUPERVISOR)
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


# ---- identity (bootstrap and impersonation: test_identity.py) --------------------------------------------------
def test_os_user_is_the_default_identity(tmp_path, monkeypatch):
    from reviewer.govern.identity import os_account

    monkeypatch.delenv(USER_ENV, raising=False)
    with Library(tmp_path / "h") as lib:
        assert lib.gov.username == os_account()
        assert lib.actor == f"{os_account()}@{lib.gov.workstation}"


def test_set_role_needs_a_supervisor(lib, gov_home, monkeypatch):
    Users(lib.gov).set_role("bob", Role.INVESTIGATOR)
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
        assert {k: ev.details[k] for k in ("username", "role", "previous_role")} == {
            "username": "bob", "role": "professional_standards", "previous_role": "investigator"}
        assert ev.details["state"]["role"] == "professional_standards"
        assert ev.justification == "joined PSD"

        with pytest.raises(ReviewerError, match="only supervisor"):
            Users(lib.gov).set_role(SUPERVISOR, Role.INVESTIGATOR)
        Users(lib.gov).set_role("bob", Role.SUPERVISOR)
        Users(lib.gov).set_role(SUPERVISOR, Role.INVESTIGATOR)  # bob is supervisor now, so sup may step down
        assert lib.gov.me().role is Role.INVESTIGATOR
    finally:
        bob.close()


def test_display_name_and_user_list(lib, gov_home, monkeypatch):
    Users(lib.gov).set_display_name("  Sgt   Jane  Doe ")
    other = library_as(gov_home, monkeypatch, "carol")
    try:
        assert "carol" not in {u.username for u in Users(lib.gov).list()}  # unknown until given a role
        Users(lib.gov).set_role("carol", Role.INVESTIGATOR)
        listed = {u.username: u for u in Users(lib.gov).list()}
        assert listed[SUPERVISOR].display_name == "Sgt Jane Doe"
        assert listed["carol"].role is Role.INVESTIGATOR
        assert lib.gov.can(Action.RUN_PURGE) and not other.gov.can(Action.RUN_PURGE)
    finally:
        other.close()

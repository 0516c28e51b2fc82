"""A workstation signs in to the real store on SQLite and on PostgreSQL + S3: the grant is its authority, and
`audit verify` catches a rewrite below the checkpoint the store signed (ADR 0016)."""

from __future__ import annotations

import os

from sqlalchemy import text

from reviewer.govern.roles import Role
from reviewer.library import Library
from reviewer.sync import link
from reviewer.sync.anchoring import store_anchor
from tests.core.test_sync_signin import _rewrite_event
from tests.fixtures.testlib import make_test_library
from tests.store import services


def test_sign_in_grant_and_anchored_audit_verify(store, tmp_path, monkeypatch):
    monkeypatch.delenv("REVIEWER_USER", raising=False)
    home = make_test_library(tmp_path / "home")
    name = f"ps-{store.kind}-{os.urandom(3).hex()}"
    code = services.add_user(store.config, name, "professional_standards")
    with Library(home) as lib:
        st = link.login(lib, store.url, code)
        assert (st["user"], st["role"], st["read_only"]) == (name, "professional_standards", False)
        with lib.sessions.begin() as s:  # the users table says supervisor; the grant says otherwise
            s.execute(text("UPDATE users SET role = 'supervisor'"))
        assert lib.gov.role() is Role.PROFESSIONAL_STANDARDS
        for i in range(3):
            lib.gov.record_now("recording", f"r{i}", "recording.open", details={"reason": f"review {i}"})
        target = lib.gov.audit.events(action="recording.open")[0].seq
        cp = link.push_audit(lib)
        anchor = store_anchor(lib)
        assert anchor.problem is None and anchor.checkpoints[0].count == cp["seq"] > target
        _rewrite_event(lib, target, {"reason": "nothing to see"})
        verdict = lib.gov.verify_audit(store_anchor(lib).checkpoints)
        assert not verdict.ok and verdict.problem == (f"event {cp['seq']} differs from the checkpoint of the store "
                                                      f"({cp['at']})")

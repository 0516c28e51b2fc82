"""The permission matrix of issue 3, tried through the real core operations for every role: an allowed action
takes effect; a refused one raises PermissionDenied, changes nothing, and leaves one "refused" audit event."""

from __future__ import annotations

import hashlib

import pytest

from reviewer.annotate.service import Annotations
from reviewer.govern.purge import Retention
from reviewer.govern.retention import Policies
from reviewer.govern.roles import PERMISSIONS, Action, PermissionDenied, Role, allowed
from tests.core.test_govern_support import gov_home, ids, lib, template, user_with_role  # noqa: F401

I, P, T, S = Role.INVESTIGATOR, Role.PROFESSIONAL_STANDARDS, Role.TRAINER, Role.SUPERVISOR
# The table in the issue, written out independently of roles.PERMISSIONS.
EXPECTED = {
    Action.VIEW: {I, P, T, S},
    Action.BOOKMARK: {I, P, T, S},
    Action.CLIP: {I, P, T, S},
    Action.MARK_EVIDENTIAL: {I, P, S},
    Action.CLEAR_EVIDENTIAL: {S},
    Action.LEGAL_HOLD: {S},
    Action.CHANGE_RETENTION: {S},
    Action.RUN_PURGE: {S},
    Action.EXPORT_UNREDACTED: {I, P, S},
    Action.IMPORT: {I, P, S},
}


def test_matrix_matches_the_issue():
    for action, roles in EXPECTED.items():
        assert PERMISSIONS[action] == roles, action
        for role in Role:
            assert allowed(role, action) == (role in roles)


def attempts(sup_ann: Annotations, rid: str, clip_id: str):
    """action -> fn(lib) performing it as that library's user."""

    def clear(lib):
        mark = sup_ann.mark_evidential(rid, "CR-1", "to be cleared")  # made by the supervisor each time
        try:
            Annotations(lib).clear_evidential(mark.id, "not needed")
        except PermissionDenied:
            sup_ann.clear_evidential(mark.id, "test cleanup")
            raise

    def mark(lib):
        Annotations(lib).mark_evidential(rid, "CR-2", "shows the arrest", clip_id=clip_id)
        sup_ann.clear_evidential(sup_ann.evidential.active_for(rid, clip_id).id, "test cleanup")

    def hold(lib):
        Annotations(lib).set_hold(rid, "civil claim")
        sup_ann.release_hold(rid, "test cleanup")

    def export_frame(lib):
        from reviewer.export.frame import export_frame as core_export_frame

        out = lib.paths.home.parent / f"frame-{lib.gov.username}.png"  # no masks: an unredacted frame
        core_export_frame(lib, rid, 3, out, overwrite=True)
        assert out.exists()

    return {
        Action.VIEW: lambda lib: lib.open_recording(rid, reason="training"),
        Action.BOOKMARK: lambda lib: Annotations(lib).add_bookmark(rid, 0, "moment"),
        Action.CLIP: lambda lib: Annotations(lib).add_clip(rid, 0, 512, f"clip by {lib.gov.username}", "training"),
        Action.MARK_EVIDENTIAL: mark,
        Action.CLEAR_EVIDENTIAL: clear,
        Action.LEGAL_HOLD: hold,
        Action.CHANGE_RETENTION: lambda lib: Policies(lib.gov).set("complaint", 400, "longer"),
        Action.EXPORT_UNREDACTED: export_frame,
        # already in the library: an allowed import finds the duplicate, a refused one never reads the file
        Action.IMPORT: lambda lib: lib.import_paths([lib.get(rid).original_path]),
        Action.RUN_PURGE: lambda lib: Retention(lib).run(),  # last: it may purge the recording the others use
    }


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_action_for_role(role, lib, gov_home, ids, monkeypatch):
    rid = ids["cfr_h264"]
    sup_ann = Annotations(lib)
    clip = sup_ann.add_clip(rid, 0, 1024, "target", "evidential")
    actor = user_with_role(lib, gov_home, monkeypatch, role)
    try:
        for action, attempt in attempts(sup_ann, rid, clip.id).items():
            before = lib.gov.audit.count()
            if role in EXPECTED[action]:
                attempt(actor)
                assert not [e for e in lib.gov.audit.events(outcome="refused") if e.seq > before], action
            else:
                with pytest.raises(PermissionDenied) as exc:
                    attempt(actor)
                assert exc.value.action is action and exc.value.role is role
                refused = [e for e in lib.gov.audit.events(outcome="refused") if e.seq > before]
                assert [(e.user, e.role, e.action) for e in refused] == [(actor.gov.username, role.value,
                                                                          action.value)], action
        # what a refusal must not leave behind
        if role not in EXPECTED[Action.LEGAL_HOLD]:
            assert not sup_ann.holds.list(rid, active_only=True)
        if role not in EXPECTED[Action.CHANGE_RETENTION]:
            assert "complaint" not in {p.category for p in Policies(lib.gov).list()}
        assert lib.gov.audit.check().ok
    finally:
        actor.close()


def test_refused_frame_export_on_the_cli_is_audited(lib, gov_home, ids, monkeypatch):
    from reviewer.cli import main
    from reviewer.redact.approval import approve
    from reviewer.redact.model import Keyframe, MaskTrack, ShapeKind
    from reviewer.redact.store import MaskStore

    rid = ids["cfr_h264"]
    trainer = user_with_role(lib, gov_home, monkeypatch, Role.TRAINER)
    trainer.close()
    monkeypatch.setenv("REVIEWER_USER", "u_trainer")
    out = gov_home.parent / "f.png"
    assert main(["frame", rid, "3", "-o", str(out)]) == 1
    assert not out.exists()
    # --redacted on a recording without masks would still show everything: refused the same way
    assert main(["frame", rid, "3", "-o", str(out), "--redacted"]) == 1
    assert not out.exists()
    pts = lib.open_recording(rid, reason="test setup").table.pts
    MaskStore(lib).save_track(rid, MaskTrack(ShapeKind.RECT, (Keyframe(int(pts[0]), ((0.0, 0.0), (40.0, 40.0))),),
                                             reason="third-party face"))
    second = user_with_role(lib, gov_home, monkeypatch, Role.INVESTIGATOR)
    try:  # a trainer's redacted frame needs a mask set approved by a second user (reviewer/redact/approval.py)
        approve(second, rid)
    finally:
        second.close()
    monkeypatch.setenv("REVIEWER_USER", "u_trainer")
    assert main(["frame", rid, "3", "-o", str(out), "--redacted", "--reason", "training"]) == 0
    assert out.exists()
    events = lib.gov.audit.events(user="u_trainer")
    assert [(e.action, e.outcome) for e in events] == [
        ("export_unredacted", "refused"), ("export_unredacted", "refused"), ("recording.open", "ok"),
        ("recording.frame_export", "started"), ("recording.frame_export", "ok")]
    assert events[2].justification == events[3].justification == "training"
    assert events[3].details["redacted"] is True and events[3].details["frame"] == 3
    assert events[3].details["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()

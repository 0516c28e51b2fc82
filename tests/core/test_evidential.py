"""Evidential marks and legal holds: who may set and clear them, what they record, and how undo treats them."""

from __future__ import annotations

import pytest

from reviewer.annotate.service import Annotations
from reviewer.errors import ReviewerError
from reviewer.govern.roles import PermissionDenied, Role
from tests.core.test_govern_support import gov_home, ids, lib, template, user_with_role  # noqa: F401


def test_mark_recording_and_clip_with_who_when_why(lib, ids):
    rid = ids["cfr_h264"]
    ann = Annotations(lib)
    whole = ann.mark_evidential(rid, "CR/123/24", "assault on officer", category="criminal investigation")
    clip = ann.add_clip(rid, 512, 2048, "the blow", "evidential")
    part = ann.mark_evidential(rid, "CMP-9", "complaint about force", category="complaint", clip_id=clip.id)
    assert (whole.reference, whole.category, whole.reason, whole.marked_by, whole.clip_id) == (
        "CR/123/24", "criminal investigation", "assault on officer", "sup", None)
    assert whole.marked_at.tzinfo is not None and whole.active
    assert part.clip_name == "the blow" and ann.clips.get(clip.id).evidential
    assert {m.id for m in ann.evidential.list(rid, active_only=True)} == {whole.id, part.id}
    with pytest.raises(ReviewerError, match="already marked evidential"):
        ann.mark_evidential(rid, "CR/999", "again")
    with pytest.raises(ReviewerError, match="unknown evidential category"):
        ann.mark_evidential(ids["cfr_noaudio"], "CR/1", "x", category="hunch")
    with pytest.raises(ReviewerError, match="required"):
        ann.mark_evidential(ids["cfr_noaudio"], "CR/1", "   ")
    with pytest.raises(ReviewerError, match="marked evidential"):
        ann.delete_clip(clip.id)
    ev = lib.gov.audit.events(action="evidential.mark")[-1]
    assert (ev.object_type, ev.object_id, ev.justification) == ("clip", clip.id, "complaint about force")
    assert ev.details["reference"] == "CMP-9" and ev.details["recording_id"] == rid


def test_clearing_needs_a_supervisor_and_a_reason(lib, gov_home, ids, monkeypatch):
    rid = ids["cfr_h264"]
    inv = user_with_role(lib, gov_home, monkeypatch, Role.INVESTIGATOR)
    try:
        mark = Annotations(inv).mark_evidential(rid, "CR/1", "fight")
        with pytest.raises(PermissionDenied):
            Annotations(inv).clear_evidential(mark.id, "mistake")
        assert Annotations(lib).evidential.get(mark.id).active
        with pytest.raises(ReviewerError, match="required"):
            Annotations(lib).clear_evidential(mark.id, "")
        cleared = Annotations(lib).clear_evidential(mark.id, "no offence disclosed")
        assert (cleared.cleared_by, cleared.clear_reason, cleared.active) == ("sup", "no offence disclosed", False)
        assert Annotations(lib).evidential.list(rid) == [cleared], "a cleared mark stays on record"
        assert Annotations(lib).evidential.list(rid, active_only=True) == []
    finally:
        inv.close()


def test_undo_of_a_mark_is_a_clear_and_needs_a_supervisor(lib, gov_home, ids, monkeypatch):
    rid = ids["cfr_h264"]
    inv = user_with_role(lib, gov_home, monkeypatch, Role.INVESTIGATOR)
    try:
        ann = Annotations(inv)
        ann.mark_evidential(rid, "CR/1", "fight")
        with pytest.raises(PermissionDenied):
            inv.gov.undo.undo()
        assert inv.gov.undo.undo_name == "mark evidential", "a refused undo stays on the stack"
        assert ann.evidential.active_for(rid) is not None
        assert inv.gov.audit.events(outcome="refused")[-1].action == "clear_evidential"
    finally:
        inv.close()
    ann = Annotations(lib)
    mark = ann.mark_evidential(ids["cfr_noaudio"], "CR/2", "fight")
    lib.gov.undo.undo()
    assert ann.evidential.get(mark.id).clear_reason == "undo of marking evidential"
    lib.gov.undo.redo()
    assert ann.evidential.get(mark.id).active
    ann.clear_evidential(mark.id, "wrong recording")
    lib.gov.undo.undo()
    assert ann.evidential.get(mark.id).active
    assert [e.action for e in lib.gov.audit.events(object_id=ids["cfr_noaudio"], action="evidential.")] == [
        "evidential.mark", "evidential.clear", "evidential.reinstate", "evidential.clear", "evidential.reinstate"]


def test_legal_hold_set_release_and_undo(lib, ids):
    rid = ids["vfr_h264"]
    ann = Annotations(lib)
    h = ann.set_hold(rid, "civil claim CC-4")
    assert h.active and h.set_by == "sup" and ann.holds.active_for(rid).id == h.id
    with pytest.raises(ReviewerError, match="already on legal hold"):
        ann.set_hold(rid, "again")
    with pytest.raises(ReviewerError, match="required"):
        ann.release_hold(rid, " ")
    released = ann.release_hold(rid, "claim settled")
    assert not released.active and released.release_reason == "claim settled"
    lib.gov.undo.undo()
    assert ann.holds.active_for(rid).id == h.id
    lib.gov.undo.undo()
    assert ann.holds.active_for(rid) is None
    assert [(e.action, e.justification) for e in lib.gov.audit.events(action="hold.")] == [
        ("hold.set", "civil claim CC-4"), ("hold.release", "claim settled"), ("hold.reinstate", "civil claim CC-4"),
        ("hold.release", "undo of setting the legal hold")]

"""Four-eyes approval of mask sets (issue 8): "redacted" means a second user approved exactly these masks.

A hidden 1x1 mask used to make any export "redacted", so a trainer could take out an effectively unredacted copy
and the audit trail called it redacted. These tests go through the real core (MaskStore, approval, run_export)."""

from __future__ import annotations

import json
import subprocess

import pytest

from reviewer.errors import ReviewerError
from reviewer.export import manifest as mf
from reviewer.export.service import ExportJob, run_export
from reviewer.govern.roles import PermissionDenied, Role
from reviewer.redact import approval
from reviewer.redact.approval import ApprovalRequired
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore
from tests.core.test_govern_support import gov_home, ids, lib, template, user_with_role  # noqa: F401


def first_pts(lib, rid: str) -> int:
    return int(lib.open_recording(rid, reason="test").table.pts[0])


def tiny_mask(lib, rid: str) -> MaskTrack:
    """The issue's loophole: a 1x1 solid mask, hidden from its first keyframe on."""
    p = first_pts(lib, rid)
    t = MaskTrack(ShapeKind.RECT, (Keyframe(p, ((0.0, 0.0), (1.0, 1.0)), hidden=True),),
                  Effect(EffectKind.SOLID), reason="other", label="speck")
    MaskStore(lib).save_track(rid, t)
    return t


def events(lib, action: str):
    return [e for e in lib.gov.audit.events() if e.action == action]


@pytest.fixture
def people(lib, gov_home, monkeypatch):
    made = {r: user_with_role(lib, gov_home, monkeypatch, r)
            for r in (Role.TRAINER, Role.INVESTIGATOR, Role.PROFESSIONAL_STANDARDS)}
    yield made
    for other in made.values():
        other.close()


def test_the_author_cannot_approve_and_the_refusal_is_audited(lib, ids):
    rid = ids["cfr_noaudio"]
    tiny_mask(lib, rid)  # the supervisor authored it
    with pytest.raises(ReviewerError, match="sup created or edited these masks"):
        approval.approve(lib, rid)
    assert not approval.status(lib, rid).approved
    ev = events(lib, "masks.approve")[-1]
    assert ev.outcome == "refused" and ev.user == "sup" and "second user" in ev.details["reason"]
    assert lib.gov.audit.check().ok


def test_a_trainer_may_not_approve(lib, ids, people):
    rid = ids["cfr_noaudio"]
    tiny_mask(lib, rid)
    with pytest.raises(PermissionDenied):
        approval.approve(people[Role.TRAINER], rid)
    assert events(lib, "approve_redaction")[-1].outcome == "refused"
    assert not approval.status(lib, rid).approved


def test_approval_pins_the_hash_and_any_later_edit_voids_it(lib, ids, people):
    rid = ids["cfr_noaudio"]
    track = tiny_mask(lib, rid)
    inv = people[Role.INVESTIGATOR]
    st = approval.approve(inv, rid)
    assert st.approved and st.latest.approved_by == "u_investigator" and st.latest.role == "investigator"
    assert st.latest.mask_sha256 == st.current_sha256 == approval.mask_set_hash(MaskStore(lib).load(rid))
    ev = events(lib, "masks.approve")[-1]
    assert ev.outcome == "ok" and ev.details["mask_sha256"] == st.current_sha256 and ev.details["editors"] == ["sup"]

    MaskStore(lib).save_track(rid, track.edited(label="speck 2"))  # any edit, by anyone
    st = approval.status(lib, rid)
    assert not st.approved and st.void and "changed after u_investigator approved" in st.describe()

    # the approver edits the set: it is theirs now, so they can no longer approve it
    MaskStore(inv).save_track(rid, track.edited(label="speck 3"))
    with pytest.raises(ReviewerError, match="u_investigator created or edited"):
        approval.approve(inv, rid)
    assert approval.approve(people[Role.PROFESSIONAL_STANDARDS], rid).approved


def test_a_trainers_export_of_unapproved_masks_is_refused_and_audited(lib, ids, people, tmp_path):
    rid = ids["cfr_noaudio"]
    trainer = people[Role.TRAINER]
    tiny_mask(trainer, rid)
    out = tmp_path / "t.mp4"
    job = ExportJob(rid, out, ranges=((0, 9),), purpose="course", recipient="academy", preset="ultrafast")
    with pytest.raises(ApprovalRequired, match="not approved; a trainer may only export a mask set approved"):
        run_export(trainer, job)
    assert not out.exists() and not events(lib, "recording.export")
    refused = [e for e in lib.gov.audit.events(outcome="refused") if e.user == "u_trainer"]
    assert refused[-1].action == "export_redacted" and refused[-1].details["approval_required"] is True

    approval.approve(people[Role.INVESTIGATOR], rid)
    res = run_export(trainer, job)[0]
    m = json.loads(res.manifest_path.read_text())
    a = m["masks"]["approval"]
    assert a["approved_by"] == "u_investigator" and a["role"] == "investigator"
    assert a["mask_sha256"] == m["masks"]["sha256"] and a["approved_at"].endswith("Z")
    assert mf.verify(res.output).ok
    ev = events(lib, "recording.export")[-1]
    assert ev.user == "u_trainer" and ev.details["redacted"] is True and ev.details["approved_by"] == "u_investigator"
    text = subprocess.run(["pdftotext", str(out) + ".report.pdf", "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "approved by u_investigator (investigator)" in " ".join(text.split())
    assert a["mask_sha256"] in text.replace("\n", "")
    assert lib.gov.audit.check().ok


def test_a_disclosure_needs_approval_and_unapproved_masks_are_not_called_redacted(lib, ids, people, tmp_path):
    rid = ids["cfr_noaudio"]
    inv = people[Role.INVESTIGATOR]
    tiny_mask(lib, rid)
    disclose = ExportJob(rid, tmp_path / "d.mp4", ranges=((0, 4),), purpose="disclosure request: solicitor",
                         recipient="Smith & Co", preset="ultrafast", report=False)
    with pytest.raises(ApprovalRequired, match="a disclosure may only export"):
        run_export(inv, disclose)
    assert not (tmp_path / "d.mp4").exists()

    # an investigator may make an unredacted working copy, but the audit trail says so
    internal = ExportJob(rid, tmp_path / "w.mp4", ranges=((0, 4),), purpose="complaint investigation",
                         preset="ultrafast", report=False)
    res = run_export(inv, internal)[0]
    assert json.loads(res.manifest_path.read_text())["masks"]["approval"] is None
    ev = events(lib, "recording.export")[-1]
    assert ev.details["redacted"] is False and ev.details["approved_by"] is None


def test_cli_approve_and_status(lib, ids, people, gov_home, monkeypatch, capsys):
    from reviewer import cli
    from reviewer.govern.identity import USER_ENV

    rid = ids["cfr_noaudio"]
    tiny_mask(lib, rid)
    assert cli.main(["masks", "status", rid]) == 0
    assert f"{rid}: not approved" in capsys.readouterr().out
    assert cli.main(["masks", "approve", rid]) == 1  # the supervisor authored it
    assert capsys.readouterr().err.strip().endswith("who did not work on it")
    monkeypatch.setenv(USER_ENV, "u_professional_standards")
    assert cli.main(["masks", "approve", rid, "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["approved"] and st["approval"]["approved_by"] == "u_professional_standards"
    assert cli.main(["masks", "status", rid]) == 0
    assert "approved by u_professional_standards (professional_standards)" in capsys.readouterr().out

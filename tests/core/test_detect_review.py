"""The coverage review's possible misses from proposals (issue 14 s.2's core): dips inside a track, a track that
ended abruptly inside the picture, and faces seen at low confidence that were not accepted."""

from __future__ import annotations

from reviewer.detect.proposals import accept, list_proposals, possible_misses, summary
from reviewer.redact.editor import MaskEditor
from reviewer.redact.model import Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore, TrackChange
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401
from tests.core.test_ops_masks import pts


def face(p: list[int], end: str, samples, status="proposed", low=False) -> MaskTrack:
    rec = {"detector": "CenterFace", "version": "v", "settings": {}, "run": "r", "samples": samples, "end": end,
           "peak": max(s for _, s in samples)}
    if low:
        rec["low_confidence"] = True
    kfs = (Keyframe(p[0], ((10.0, 10.0), (50.0, 60.0))), Keyframe(p[1], ((10.0, 10.0), (50.0, 60.0)), True))
    return MaskTrack(ShapeKind.ELLIPSE, kfs, reason="third-party face", status=status, proposal=rec)


def test_possible_misses_and_what_the_review_lists(lib, ids):
    rid = ids["cfr_noaudio"]
    p = [pts(lib, rid, i) for i in range(0, 40, 5)]
    steady = face([p[0], p[4]], "edge", [[p[0], 0.9], [p[1], 0.0], [p[2], 0.35], [p[3], 0.8]])
    gone = face([p[2], p[5]], "abrupt", [[p[2], 0.9], [p[3], 0.9], [p[4], 0.85]])
    faint = face([p[6], p[7]], "abrupt", [[p[6], 0.25]], status="rejected", low=True)
    store = MaskStore(lib)
    store.apply(rid, [TrackChange(None, t) for t in (steady, gone, faint)])
    assert [v.track_id for v in list_proposals(store, rid)] == [steady.id, gone.id]  # by first appearance
    assert summary(store, rid) == {"proposed": 2, "accepted": 0, "rejected": 0}  # a faint face is no proposal
    got = [(m.kind, m.pts, m.track_id) for m in possible_misses(store, rid)]
    # in time order; an abrupt end is placed where the face was last shown (its last visible keyframe)
    assert got == [("dip", p[1], steady.id), ("abrupt end", p[2], gone.id), ("dip", p[2], steady.id),
                   ("low confidence", p[6], faint.id)]
    accept(MaskEditor(store, rid), [faint.id])  # the reviewer decided the faint one is a face: no longer a miss
    assert ("low confidence", p[6], faint.id) not in [(m.kind, m.pts, m.track_id) for m in possible_misses(store, rid)]
    assert faint.id in {t.id for t in store.load(rid).tracks}

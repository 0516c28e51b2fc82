"""A detection pass's tracks as proposed masks, and the review's core API (issue 14 s.1; the UI of s.2 uses these).

A proposal is a mask track with status "proposed" (reviewer/redact/model.py): an ellipse over the face box, padded,
the effect from the settings, reason "third-party face", and `proposal` = the detector's record (name, version,
settings, the run, each sample's confidence, how it started and ended). Creating them is one transaction of
mask_track.create operations with a "detect.run" audit event; accepting or rejecting a batch is one undo step
(MaskEditor.review_proposals) with a "detect.accept"/"detect.reject" event naming the detector, version and settings.
Faces seen at low confidence that made no track are kept as rejected proposals marked low_confidence: never
applied, listed by the coverage review as possible misses.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from reviewer.detect.detector import PassResult, Settings
from reviewer.detect.link import FaceTrack
from reviewer.detect.model_pin import DETECTOR, DETECTOR_VERSION
from reviewer.media.frametable import FrameTable
from reviewer.redact.editor import MaskEditor
from reviewer.redact.model import ACCEPTED, PROPOSED, REJECTED, Effect, Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore, TrackChange
from reviewer.redact.tracking import Sample, thin_keyframes

REASON = "third-party face"
DIP = 0.4  # a sample inside a track below this confidence (or missed) is a possible miss
LOW_CAP = 300  # low-confidence faces kept per pass for the coverage review


def detector_record(settings: Settings, run_id: str) -> dict:
    return {"detector": DETECTOR, "version": DETECTOR_VERSION, "settings": settings.to_json(), "run": run_id}


def _kf(pts: int, box, hidden: bool = False) -> Keyframe:
    return Keyframe(pts, ((round(box[0], 1), round(box[1], 1)), (round(box[2], 1), round(box[3], 1))), hidden)


def to_mask(t: FaceTrack, table: FrameTable, result: PassResult, settings: Settings, run: dict, n: int,
            status: str = PROPOSED, low: bool = False) -> MaskTrack:
    """Keyframes where the face was found and where the tracker bridged between samples (thinned to what linear
    interpolation needs within 2 px), held from the sample before it was first seen (it may have been there since)
    to the sample it was no longer seen on, where the mask hides: where nothing was examined, the mask errs
    on covering."""
    found = t.found
    seen = sorted([Sample(h.index, h.pts, h.box) for h in found + t.bridged], key=lambda s: s.index)
    kept = thin_keyframes(seen, tolerance=2.0)
    kfs = [_kf(s.pts, s.box) for s in kept]
    first, last = seen[0], seen[-1]
    before = max(result.first, found[0].index - settings.stride + 1)
    if before < first.index:
        kfs.insert(0, _kf(table.pts_of(before), first.box))
    after = min(result.last, found[-1].index + settings.stride)
    if after > last.index:
        if after - 1 > last.index:
            kfs.append(_kf(table.pts_of(after - 1), last.box))
        kfs.append(_kf(table.pts_of(after), last.box, hidden=True))
    record = {**run, "samples": [[h.pts, round(h.score, 3)] for h in t.hits], "start": t.start or "appeared",
              "end": t.end or "abrupt", "peak": round(max(h.score for h in found), 3)}
    if t.bridged:
        record["bridged"] = len(t.bridged)  # frames where the tracker placed the mask between samples
    if low:
        record["low_confidence"] = True
    return MaskTrack(ShapeKind.ELLIPSE, tuple(kfs), effect=Effect.from_json(settings.effect),
                     padding=settings.padding, label=f"face {n}", reason=REASON, status=status, proposal=record)


def propose(store: MaskStore, recording_id: str, table: FrameTable, result: PassResult,
            settings: Settings) -> list[MaskTrack]:
    """Write the pass's tracks as proposals (and its low-confidence faces as rejected, low_confidence ones) in one
    transaction with the "detect.run" audit event. Returns the proposals."""
    run_id = str(uuid.uuid4())
    run = detector_record(settings, run_id)
    masks = [to_mask(t, table, result, settings, run, n) for n, t in enumerate(result.tracks, 1)]
    # the most confident of them: a long noisy recording must not bury the review (or the database) in faint hits
    faint = sorted(sorted(result.low, key=lambda h: -h.score)[:LOW_CAP], key=lambda h: h.index)
    lows = [to_mask(FaceTrack([h], end="abrupt", start="appeared"), table, result, settings, run, n, REJECTED, True)
            for n, h in enumerate(faint, len(masks) + 1)]
    note = ("detect.run", {**run, "frames": [result.first, result.last], "samples": result.samples,
                           "proposals": len(masks), "low_confidence": len(lows),
                           "low_confidence_dropped": len(result.low) - len(lows)})
    store.apply(recording_id, [TrackChange(None, m) for m in masks + lows], note=note)
    return masks


# ---- the review -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProposalView:
    """One proposed track as the review lists it: where it first appears and the box to cut a thumbnail from."""

    track_id: str
    label: str
    status: str
    first_pts: int
    first_box: tuple[float, float, float, float]
    last_pts: int
    peak: float
    end: str
    detector: str
    version: str


def _view(t: MaskTrack) -> ProposalView:
    p = t.proposal or {}
    k = next(k for k in t.keyframes if not k.hidden)
    (x0, y0), (x1, y1) = k.points
    return ProposalView(t.id, t.label, t.status, t.start_pts, (x0, y0, x1, y1), t.end_pts, float(p.get("peak", 0)),
                        str(p.get("end", "")), str(p.get("detector", "")), str(p.get("version", "")))


def list_proposals(store: MaskStore, recording_id: str, statuses=(PROPOSED,)) -> list[ProposalView]:
    """Proposals by first appearance (low-confidence faces are not proposals: see possible_misses)."""
    return views_of(store.load_proposals(recording_id, tuple(statuses)), statuses)


def views_of(tracks: list[MaskTrack], statuses=(PROPOSED,)) -> list[ProposalView]:
    """list_proposals from tracks already read (load_proposals' order)."""
    return [_view(t) for t in tracks if t.status in statuses and not (t.proposal or {}).get("low_confidence")]


def summary(store: MaskStore, recording_id: str) -> dict[str, int]:
    """Pending, accepted and rejected proposals: what the export asks about before it runs."""
    return summary_of(store.load_proposals(recording_id))


def summary_of(tracks: list[MaskTrack]) -> dict[str, int]:
    """summary() from every proposal already read."""
    out = {PROPOSED: 0, ACCEPTED: 0, REJECTED: 0}
    for t in tracks:
        if not (t.proposal or {}).get("low_confidence"):
            out[t.status] += 1
    return out


def _note(editor: MaskEditor, track_ids: list[str], event: str) -> tuple[str, dict]:
    runs = {}
    for t in editor.store.load_proposals(editor.recording_id, track_ids=list(track_ids)):
        p = t.proposal or {}
        runs[p.get("run", "")] = {k: p.get(k) for k in ("detector", "version", "settings", "run")}
    return event, {"tracks": sorted(track_ids), "count": len(track_ids), "runs": list(runs.values())}


def accept(editor: MaskEditor, track_ids: list[str]) -> list[MaskTrack]:
    """Accept proposals (one, a track's, or all pending): one undo step, audited with the detector's record."""
    return editor.review_proposals(track_ids, ACCEPTED, _note(editor, track_ids, "detect.accept"))


def reject(editor: MaskEditor, track_ids: list[str]) -> list[MaskTrack]:
    return editor.review_proposals(track_ids, REJECTED, _note(editor, track_ids, "detect.reject"))


def accept_all(editor: MaskEditor) -> list[MaskTrack]:
    return accept(editor, [p.track_id for p in list_proposals(editor.store, editor.recording_id)])


@dataclass(frozen=True)
class PossibleMiss:
    kind: str  # "dip" (confidence fell inside a track), "abrupt end", "low confidence"
    pts: int
    track_id: str
    score: float


def possible_misses(store: MaskStore, recording_id: str) -> list[PossibleMiss]:
    """For the coverage review: samples inside a proposal where the detector's confidence dipped (or it missed),
    proposals that ended abruptly inside the picture, and faces seen at low confidence and not accepted."""
    return misses_of(store.load_proposals(recording_id))


def misses_of(tracks: list[MaskTrack]) -> list[PossibleMiss]:
    """possible_misses() from every proposal already read."""
    out: list[PossibleMiss] = []
    for t in tracks:
        p = t.proposal or {}
        if p.get("low_confidence"):
            if t.status != ACCEPTED:
                out.append(PossibleMiss("low confidence", t.start_pts, t.id, float(p.get("peak", 0))))
            continue
        if t.status == REJECTED:
            continue
        out += [PossibleMiss("dip", int(pts), t.id, float(sc)) for pts, sc in p.get("samples", []) if sc < DIP]
        if p.get("end") == "abrupt":
            last = [k for k in t.keyframes if not k.hidden]
            out.append(PossibleMiss("abrupt end", last[-1].pts if last else t.end_pts, t.id, 0.0))
    return sorted(out, key=lambda m: (m.pts, m.kind))


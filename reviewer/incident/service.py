"""IncidentClocks: the incident clock as the UI and CLI use it (issue 13 s.1; ADR 0019).

Reads: `clock(reference)` places every live recording of an incident. Changes (set, nudge, clear, accept a
proposal) are operations (reviewer/incident/offset_ops.py): permission-checked (Action.ALIGN), audited, synced,
and pushed on the library's one undo stack; an accepted proposal is one undo step. `propose()` runs the audio
alignment (reviewer/incident/align.py) on the originals and records that it ran; it changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from reviewer.errors import NotFound, ReviewerError
from reviewer.govern.gated import gated, read_only
from reviewer.govern.roles import Action
from reviewer.incident import align
from reviewer.incident.clock import IncidentClock, Placement
from reviewer.incident.onset import EnvelopeCache
from reviewer.incident.offset_ops import ENTITY, FIELDS, clean, current, fields_of
from reviewer.library.models_incident import ClockOffsetRow
from reviewer.library.views import RecordingView
from reviewer.ops.apply import MISSING, submit
from reviewer.ops.undoable import push_undoable
from reviewer.progress import NO_TASK, Task


@dataclass(frozen=True)
class Proposed:
    key: str
    recording_id: str
    file_name: str
    status: str  # reference | aligned | no_audio | low_confidence | not_local
    offset_us: int  # proposed (the current one unless aligned)
    current_us: int
    drift_ppm: float | None  # proposed; None: not measured (the current drift stays)
    confidence: float

    @property
    def change_us(self) -> int:
        return self.offset_us - self.current_us

    def to_json(self) -> dict:
        return {"recording_id": self.recording_id, "sha256": self.key, "file_name": self.file_name,
                "status": self.status, "offset_us": self.offset_us, "current_offset_us": self.current_us,
                "change_us": self.change_us, "drift_ppm": self.drift_ppm, "confidence": round(self.confidence, 4)}


@dataclass(frozen=True)
class AlignmentProposal:
    incident: str
    reference: str  # SHA-256 of the recording whose placement is kept
    recordings: tuple[Proposed, ...]
    pairs: tuple[align.PairResult, ...]
    timings: dict

    def to_json(self) -> dict:
        return {"incident": self.incident, "reference": self.reference,
                "recordings": [r.to_json() for r in self.recordings], "pairs": [p.to_json() for p in self.pairs],
                "timings": {k: round(v, 3) for k, v in self.timings.items()}}


class IncidentClocks:
    def __init__(self, library):
        self.library = library
        self.gov = library.gov

    # ---- reading ----------------------------------------------------------------------------------------------
    @read_only
    def clock(self, reference: str) -> IncidentClock:
        """The incident's recordings on its clock (no frame tables bound: IncidentClock.bind)."""
        views = self.library.recordings(incident=reference)
        if not views:
            known = {ref for ref, _n in self.library.incidents()}
            if reference not in known:
                raise NotFound(f"no incident {reference!r} in the library at {self.library.paths.home}")
            raise NotFound(f"incident {reference!r} has no recordings")
        with self.gov.sessions() as s:
            rows = {r.sha256: r for r in s.scalars(
                select(ClockOffsetRow).where(ClockOffsetRow.sha256.in_([v.sha256 for v in views])))}
        starts = [v.camera_start for v in views if v.camera_start is not None]
        placements = tuple(_placement(v, rows.get(v.sha256)) for v in sorted(
            views, key=lambda v: (v.camera_start is None, v.camera_start or v.imported_at, v.id)))
        return IncidentClock(reference, min(starts) if starts else None, placements)

    # ---- alignment --------------------------------------------------------------------------------------------
    @gated(Action.ALIGN)
    def propose(self, clock: IncidentClock, reference: str | None = None, task: Task = NO_TASK,
                search: float = align.SEARCH_SECONDS) -> AlignmentProposal:
        """Offsets that align the clock's recordings by their audio; `reference` (id or SHA-256) keeps its
        placement (default: the best connected). Reads the originals (local footage only); audited."""
        self.gov.require(Action.ALIGN, "incident", clock.reference, {"recordings": len(clock.placements)})
        ref_key = clock.get(reference).key if reference else None
        inputs, not_local = [], []
        for p in clock.placements:
            view = self.library.get(p.recording_id)
            if not view.is_local:
                not_local.append(p.key)
                continue
            table = self.library.frame_tables.get_or_build(view.sha256, view.original_path)
            inputs.append(align.AlignInput(
                p.key, view.original_path, float(table.first_pts * table.time_base), clock.start(p.key),
                p.camera_start is not None or p.offset_us != 0, p.drift_ppm))
        if len(inputs) < 2:
            raise ReviewerError(f"incident {clock.reference!r}: alignment needs two recordings with local footage, "
                                f"{len(inputs)} found")
        if ref_key in not_local:
            raise ReviewerError(f"the reference recording {clock.get(ref_key).recording_id[:8]} has no local footage")
        got = align.propose(inputs, ref_key, task, search, EnvelopeCache(self.library.paths.onsets))
        out = []
        for p in clock.placements:
            pl = got.placements.get(p.key)
            if pl is None:
                out.append(Proposed(p.key, p.recording_id, p.file_name, "not_local", p.offset_us, p.offset_us,
                                    None, 0.0))
                continue
            offset = clock.offset_for_start(p.key, pl.start) if pl.status == "aligned" else p.offset_us
            drift = pl.drift_ppm if pl.status == "aligned" else None
            out.append(Proposed(p.key, p.recording_id, p.file_name, pl.status, offset, p.offset_us, drift,
                                pl.confidence))
        proposal = AlignmentProposal(clock.reference, got.reference, tuple(out), tuple(got.pairs), got.timings)
        self.gov.record_now("incident", clock.reference, "incident.align", details={
            "reference": got.reference, "recordings": {r.key: {"status": r.status, "offset_us": r.offset_us,
                                                               "confidence": round(r.confidence, 4)}
                                                       for r in out}})
        return proposal

    @gated(Action.ALIGN)
    def accept(self, proposal: AlignmentProposal, keys: list[str] | None = None) -> list[dict]:
        """Apply the proposal's aligned placements (or those of `keys`) as one undo step; the others (reference,
        no audio, low confidence) keep theirs."""
        self.gov.require(Action.ALIGN, "incident", proposal.incident)
        chosen = [r for r in proposal.recordings if r.status == "aligned" and (keys is None or r.key in keys)]
        group = ("incident.accept", uuid.uuid4().hex)
        done = []
        for r in chosen:
            payload = {"offset_us": r.offset_us, "confidence": r.confidence, "reference": proposal.reference}
            if r.drift_ppm is not None:
                payload["drift_ppm"] = r.drift_ppm
            done.append(self._change("accept alignment", r.recording_id, "clock_offset.accept", payload, group))
        self.gov.undo.close_merge()
        return done

    # ---- manual placement -------------------------------------------------------------------------------------
    @gated(Action.ALIGN)
    def set_offset(self, recording_id: str, offset_us: int, drift_ppm: float | None = None) -> dict:
        payload = {"offset_us": offset_us}
        if drift_ppm is not None:
            payload["drift_ppm"] = drift_ppm
        return self._change("set clock offset", recording_id, "clock_offset.set", payload)

    @gated(Action.ALIGN)
    def nudge(self, recording_id: str, frames: int, merge_key: object | None = None) -> dict:
        """Move the recording `frames` of its own frames later on the incident clock (negative: earlier): at a
        given incident time it then shows the frame that many before. Consecutive nudges with one merge_key are
        one undo step."""
        view = self.library.get(recording_id)
        self.gov.require(Action.ALIGN, "recording", view.id, {"kind": "clock_offset.nudge"})
        with self.gov.sessions() as s:
            now = current(s.get(ClockOffsetRow, view.sha256))["offset_us"]
        step = self._frame_us(view)
        return self._change(f"nudge {frames:+d} frames", view.id, "clock_offset.nudge",
                            {"offset_us": now + frames * step, "frames": frames}, merge_key)

    @gated(Action.ALIGN)
    def clear(self, recording_id: str) -> dict:
        """Back to the camera's own clock."""
        return self._change("clear clock offset", recording_id, "clock_offset.clear", {})

    # ---- one path for every change -------------------------------------------------------------------------------
    def _frame_us(self, view: RecordingView) -> int:
        """One frame of this recording: the typical gap of its frame table (a VFR file's usual frame)."""
        if view.is_local:
            table = self.library.frame_tables.get_or_build(view.sha256, view.original_path)
            return max(1, int(round(table.typical_frame_ticks * table.time_base * 1_000_000)))
        if view.average_fps > 0:
            return int(round(1_000_000 / view.average_fps))
        raise ReviewerError(f"recording {view.short_id} ({view.file_name}) has no frame rate to nudge by")

    def _change(self, name: str, recording_id: str, kind: str, payload: dict,
                merge_key: object | None = None) -> dict:
        """One undoable operation; none when it would change nothing (the current placement is returned)."""
        view = self.library.get(recording_id)
        sha = view.sha256
        self.gov.require(Action.ALIGN, "recording", view.id, {"kind": kind})
        with self.gov.sessions() as s:
            before = current(s.get(ClockOffsetRow, sha))
        target = clean(fields_of(kind, payload))
        if all(before[k] == v for k, v in target.items()):
            return before

        def make(kind_name: str, body: dict, via: str | None = None, expect=MISSING) -> dict:
            return submit(self.gov, kind_name, sha, ENTITY, sha, body, expect=expect,
                          details={"recording_id": view.id}, audit={"via": via} if via else None).result

        return push_undoable(self.gov, name, lambda: make(kind, payload),
                             lambda **kw: make(kind, payload, "redo", **kw),
                             lambda **kw: make("clock_offset.restore", {k: before[k] for k in FIELDS}, "undo", **kw),
                             merge_key, (ENTITY, sha))


def _placement(v: RecordingView, row: ClockOffsetRow | None) -> Placement:
    f = current(row)
    return Placement(v.sha256, v.id, v.file_name, v.camera_start, f["offset_us"], f["drift_ppm"], f["source"],
                     f["confidence"], v.duration, v.has_audio)

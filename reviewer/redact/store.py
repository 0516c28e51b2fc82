"""Persistence of a recording's masks in the library: every change is committed when made, deletions are
tombstones, and each write bumps the record's revision (sync merges on these)."""

from __future__ import annotations

import json
from sqlalchemy import select

from reviewer.errors import NotFound
from reviewer.events import Publisher
from reviewer.govern.gated import gated, read_only, ungated
from reviewer.govern.roles import Action
from reviewer.library.models import Recording, utcnow
from reviewer.library.models_redact import MaskTrackRow, RedactionRangeRow
from reviewer.redact.model import (Effect, Keyframe, MaskSet, MaskTrack, PtsRange, ShapeKind,
                                   mask_set_to_json)
from reviewer.redact.validate import Bounds, MaskError, check_range, check_track



def _track_of(row: MaskTrackRow) -> MaskTrack:
    return MaskTrack(
        kind=ShapeKind(row.kind), keyframes=tuple(Keyframe.from_json(k) for k in json.loads(row.keyframes_json)),
        effect=Effect.from_json(json.loads(row.effect_json)), padding=row.padding, inverse=row.inverse,
        label=row.label, reason=row.reason, reason_text=row.reason_text, author=row.author, id=row.id)


def _fill(row: MaskTrackRow, t: MaskTrack) -> None:
    row.kind = t.kind.value
    row.effect_json = json.dumps(t.effect.to_json())
    row.padding, row.inverse, row.label = t.padding, t.inverse, t.label
    row.reason, row.reason_text, row.author = t.reason, t.reason_text, t.author
    row.keyframes_json = json.dumps([k.to_json() for k in t.keyframes], separators=(",", ":"))
    row.keyframe_count = len(t.keyframes)


class MaskStore:
    """Reads and writes MaskSets for recordings of one Library. Every write checks the REDACT permission and
    appends its audit event in the same transaction as the change, so neither can exist without the other."""

    def __init__(self, library):
        self.library = library
        self.gov = library.gov
        self.events = Publisher()
        self._bounds: dict[str, Bounds] = {}
        self._deferred: list[tuple[str, str]] | None = None  # changes announced after an import commits

    # ---- reading --------------------------------------------------------------------------------------------
    @read_only
    def load(self, recording_id: str, s=None) -> MaskSet:
        """The recording's current masks; `s`: read inside that session (e.g. a gate's transaction)."""
        if s is None:
            with self.library.sessions() as s:
                return self.load(recording_id, s)
        tracks = s.scalars(select(MaskTrackRow).where(MaskTrackRow.recording_id == recording_id,
                                                      MaskTrackRow.deleted_at.is_(None))
                           .order_by(MaskTrackRow.created_at, MaskTrackRow.id)).all()
        ranges = s.scalars(select(RedactionRangeRow).where(RedactionRangeRow.recording_id == recording_id,
                                                           RedactionRangeRow.deleted_at.is_(None))
                           .order_by(RedactionRangeRow.start_pts, RedactionRangeRow.id)).all()
        blackouts = tuple(PtsRange(r.start_pts, r.end_pts, r.reason, r.mode, r.id) for r in ranges
                          if r.kind == "blackout")
        audio = tuple(PtsRange(r.start_pts, r.end_pts, r.reason, r.mode, r.id) for r in ranges
                      if r.kind == "audio")
        return MaskSet(tuple(_track_of(t) for t in tracks), blackouts, audio)

    # ---- writing --------------------------------------------------------------------------------------------
    def _check_recording(self, s, recording_id: str) -> Bounds:
        rec = s.get(Recording, recording_id)
        if rec is None:
            raise NotFound(f"no recording {recording_id} in the library")
        return self.bounds(recording_id, rec)

    @ungated("reads the picture size and pts span for validation (may cache the frame table)")
    def bounds(self, recording_id: str, rec: Recording | None = None) -> Bounds:
        """Picture size and pts span of the recording (from its frame table, cached on disk), for validation."""
        b = self._bounds.get(recording_id)
        if b is None:
            if rec is None:
                with self.library.sessions() as s:
                    return self._check_recording(s, recording_id)
            view = self.library.get(recording_id)
            table = self.library.frame_tables.get_or_build(rec.sha256, view.original_path)
            b = Bounds(rec.width, rec.height, int(table.pts[0]), int(table.pts[-1]), table.frame_count)
            self._bounds[recording_id] = b
        return b

    @gated(Action.REDACT)
    def save_track(self, recording_id: str, track: MaskTrack) -> None:
        actor = self.library.actor
        with self.gov.write() as s:
            self.gov.require(Action.REDACT, "mask_track", track.id, s=s)
            check_track(track, self._check_recording(s, recording_id))
            row = s.get(MaskTrackRow, track.id)
            action = "update" if row is not None and row.deleted_at is None else "create"
            if row is None:
                row = MaskTrackRow(id=track.id, recording_id=recording_id, updated_by=actor)
                s.add(row)
            elif row.recording_id != recording_id:
                raise MaskError(f"mask {track.id} belongs to another recording")
            else:
                row.touch(actor)
                row.deleted_at = None  # an undo of a delete brings the track back
            _fill(row, track)
            self._record(s, recording_id, f"mask_track.{action}", "mask_track", track.id,
                         {"label": track.label, "reason": track.reason, "keyframes": len(track.keyframes),
                          "effect": track.effect.kind.value})
        self._changed(recording_id, track.id)

    @gated(Action.REDACT)
    def delete_track(self, recording_id: str, track_id: str) -> None:
        with self.gov.write() as s:
            self.gov.require(Action.REDACT, "mask_track", track_id, s=s)
            row = s.get(MaskTrackRow, track_id)
            if row is None or row.recording_id != recording_id or row.deleted_at is not None:
                raise NotFound(f"no mask track {track_id} on recording {recording_id}")
            row.touch(self.library.actor)
            row.deleted_at = utcnow()
            self._record(s, recording_id, "mask_track.delete", "mask_track", track_id, {"label": row.label})
        self._changed(recording_id, track_id)

    @gated(Action.REDACT)
    def save_range(self, recording_id: str, kind: str, r: PtsRange) -> None:
        if kind not in ("blackout", "audio"):
            raise ValueError(f"range kind must be blackout or audio, got {kind!r}")
        actor = self.library.actor
        with self.gov.write() as s:
            self.gov.require(Action.REDACT, f"{kind}_range", r.id, s=s)
            check_range(kind, r, self._check_recording(s, recording_id))
            row = s.get(RedactionRangeRow, r.id)
            action = "update" if row is not None and row.deleted_at is None else "create"
            if row is None:
                row = RedactionRangeRow(id=r.id, recording_id=recording_id, updated_by=actor)
                s.add(row)
            elif row.recording_id != recording_id or row.kind != kind:
                raise MaskError(f"{kind} range {r.id} belongs to another recording or is a {row.kind} range")
            else:
                row.touch(actor)
                row.deleted_at = None
            row.kind, row.start_pts, row.end_pts, row.mode, row.reason = kind, r.start_pts, r.end_pts, r.mode, r.reason
            self._record(s, recording_id, f"{kind}_range.{action}", f"{kind}_range", r.id,
                         {"start_pts": r.start_pts, "end_pts": r.end_pts, "mode": r.mode, "reason": r.reason})
        self._changed(recording_id, r.id)

    @gated(Action.REDACT)
    def delete_range(self, recording_id: str, range_id: str) -> None:
        with self.gov.write() as s:
            row = s.get(RedactionRangeRow, range_id)
            if row is None or row.recording_id != recording_id or row.deleted_at is not None:
                raise NotFound(f"no redaction range {range_id} on recording {recording_id}")
            self.gov.require(Action.REDACT, f"{row.kind}_range", range_id, s=s)
            row.touch(self.library.actor)
            row.deleted_at = utcnow()
            self._record(s, recording_id, f"{row.kind}_range.delete", f"{row.kind}_range", range_id, {})
        self._changed(recording_id, range_id)

    @gated(Action.REDACT)
    def import_set(self, recording_id: str, ms: MaskSet, source: str = "") -> int:
        """Add (or update, by id) every track and range of `ms`, all or nothing: one transaction, so a problem
        with the last record leaves none of the others behind. Returns how many records were written."""
        ids = [t.id for t in ms.tracks] + [r.id for r in ms.blackouts + ms.audio]
        seen: set[str] = set()
        for i in ids:
            if i in seen:
                raise MaskError(f"id {i} is used twice")
            seen.add(i)
        n = 0
        self._deferred = []
        try:
            with self.gov.write() as s:
                self.gov.require(Action.REDACT, "recording", recording_id, s=s)
                for t in ms.tracks:
                    self.save_track(recording_id, t)
                    n += 1
                for kind, ranges in (("blackout", ms.blackouts), ("audio", ms.audio)):
                    for r in ranges:
                        self.save_range(recording_id, kind, r)
                        n += 1
                self._record(s, recording_id, "masks.import", "recording", recording_id,
                             {"records": n, "source": source})
            changed = self._deferred
        finally:
            self._deferred = None
        for rid, oid in changed:
            self._changed(rid, oid)
        return n

    @read_only
    def export_json(self, recording_id: str) -> dict:
        return {"schema": "bwv-reviewer/masks", "version": 1, "recording_id": recording_id,
                **mask_set_to_json(self.load(recording_id))}

    def _record(self, s, recording_id: str, action: str, object_type: str, object_id: str, details: dict) -> None:
        self.gov.record(s, object_type, object_id, action, details={"recording_id": recording_id, **details})

    def _changed(self, recording_id: str, object_id: str) -> None:
        if self._deferred is not None:
            self._deferred.append((recording_id, object_id))
            return
        self.events.emit("masks_changed", {"recording_id": recording_id, "object_id": object_id})

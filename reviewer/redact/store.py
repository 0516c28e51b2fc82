"""Persistence of a recording's masks in the library: every change is committed when made, deletions are
tombstones, and each write bumps the record's revision (sync merges on these)."""

from __future__ import annotations

import json
from sqlalchemy import select

from reviewer.errors import NotFound
from reviewer.events import Publisher
from reviewer.govern.gated import gated, read_only
from reviewer.govern.roles import Action
from reviewer.library.models import Recording, utcnow
from reviewer.library.models_redact import MaskTrackRow, RedactionRangeRow
from reviewer.redact.model import (Effect, Keyframe, MaskSet, MaskTrack, PtsRange, ShapeKind,
                                   mask_set_to_json)



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

    # ---- reading --------------------------------------------------------------------------------------------
    @read_only
    def load(self, recording_id: str) -> MaskSet:
        with self.library.sessions() as s:
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
    def _check_recording(self, s, recording_id: str) -> None:
        if s.get(Recording, recording_id) is None:
            raise NotFound(f"no recording {recording_id} in the library")

    @gated(Action.REDACT)
    def save_track(self, recording_id: str, track: MaskTrack) -> None:
        actor = self.library.actor
        with self.gov.write() as s:
            self.gov.require(Action.REDACT, "mask_track", track.id, s=s)
            self._check_recording(s, recording_id)
            row = s.get(MaskTrackRow, track.id)
            action = "update" if row is not None and row.deleted_at is None else "create"
            if row is None:
                row = MaskTrackRow(id=track.id, recording_id=recording_id, updated_by=actor)
                s.add(row)
            elif row.recording_id != recording_id:
                raise ValueError(f"track {track.id} belongs to another recording")
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
        if kind == "audio" and r.mode not in ("mute", "bleep"):
            raise ValueError(f"audio redaction mode must be mute or bleep, got {r.mode!r}")
        actor = self.library.actor
        with self.gov.write() as s:
            self.gov.require(Action.REDACT, f"{kind}_range", r.id, s=s)
            self._check_recording(s, recording_id)
            row = s.get(RedactionRangeRow, r.id)
            action = "update" if row is not None and row.deleted_at is None else "create"
            if row is None:
                row = RedactionRangeRow(id=r.id, recording_id=recording_id, updated_by=actor)
                s.add(row)
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
    def import_set(self, recording_id: str, ms: MaskSet) -> int:
        """Add (or update, by id) every track and range of `ms`. Returns how many records were written."""
        n = 0
        for t in ms.tracks:
            self.save_track(recording_id, t)
            n += 1
        for kind, ranges in (("blackout", ms.blackouts), ("audio", ms.audio)):
            for r in ranges:
                self.save_range(recording_id, kind, r)
                n += 1
        return n

    @read_only
    def export_json(self, recording_id: str) -> dict:
        return {"schema": "bwv-reviewer/masks", "version": 1, "recording_id": recording_id,
                **mask_set_to_json(self.load(recording_id))}

    def _record(self, s, recording_id: str, action: str, object_type: str, object_id: str, details: dict) -> None:
        self.gov.record(s, object_type, object_id, action, details={"recording_id": recording_id, **details})

    def _changed(self, recording_id: str, object_id: str) -> None:
        self.events.emit("masks_changed", {"recording_id": recording_id, "object_id": object_id})

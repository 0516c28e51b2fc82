"""Persistence of a recording's masks in the library. Every change is operations (reviewer/redact/mask_ops.py:
track create/update/delete, keyframe put/delete, range create/update/delete) submitted through the one mutation
path, so it is permission-checked, audited, logged and queued for sync in one transaction. Readers get whole
MaskSets from load(), as before.

A local change is validated against the recording's frame table here, before it is submitted (pts inside the
recording, effect strength); the handlers check shapes numerically, which is all a remote change needs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Union

from sqlalchemy import select

from reviewer.annotate.records import live_recording, refuse_if_stale
from reviewer.errors import NotFound
from reviewer.govern.gated import gated, read_only, ungated
from reviewer.govern.roles import Action
from reviewer.library.models import Recording
from reviewer.library.models_redact import MaskKeyframeRow, MaskTrackRow, RedactionRangeRow
from reviewer.ops.apply import MISSING, head, submit
from reviewer.redact import mask_shape as shape
from reviewer.redact.mask_ops import KEYFRAME, RANGE, TRACK, kf_id, unseen_edits
from reviewer.redact.model import (ACCEPTED, APPLIED, PROPOSED, REJECTED, Effect, Keyframe, MaskSet, MaskTrack,
                                   PtsRange, ShapeKind, mask_set_to_json)
from reviewer.redact.validate import Bounds, MaskError, check_range, check_track


@dataclass(frozen=True)
class TrackChange:
    """Make track `old` (None: not there) into `new` (None: delete it). Only what differs between the two is
    written, so an undo touches exactly what its command changed."""

    old: MaskTrack | None
    new: MaskTrack | None

    @property
    def entity(self) -> tuple[str, str]:
        return TRACK, (self.new or self.old).id

    def inverse(self) -> "TrackChange":
        return TrackChange(self.new, self.old)


@dataclass(frozen=True)
class RangeChange:
    kind: str  # blackout | audio
    old: PtsRange | None
    new: PtsRange | None

    @property
    def entity(self) -> tuple[str, str]:
        return RANGE, (self.new or self.old).id

    def inverse(self) -> "RangeChange":
        return RangeChange(self.kind, self.new, self.old)


Change = Union[TrackChange, RangeChange]


def _track_of(row: MaskTrackRow, kfs: list[MaskKeyframeRow]) -> MaskTrack:
    return MaskTrack(
        kind=ShapeKind(row.kind),
        keyframes=tuple(Keyframe(k.pts, tuple((float(x), float(y)) for x, y in json.loads(k.points_json)), k.hidden)
                        for k in kfs),
        effect=Effect.from_json(json.loads(row.effect_json)), padding=row.padding, inverse=row.inverse,
        label=row.label, reason=row.reason, reason_text=row.reason_text, author=row.author, id=row.id,
        status=row.status, proposal=json.loads(row.proposal_json) if row.proposal_json else None)


def _live_keyframes(s, track_ids: list[str]) -> dict[str, list[MaskKeyframeRow]]:
    out: dict[str, list[MaskKeyframeRow]] = {t: [] for t in track_ids}
    if track_ids:
        for k in s.scalars(select(MaskKeyframeRow).where(MaskKeyframeRow.track_id.in_(track_ids),
                                                         MaskKeyframeRow.live.is_(True))
                           .order_by(MaskKeyframeRow.track_id, MaskKeyframeRow.pts)):
            out[k.track_id].append(k)
    return out


def stored_track(s, row: MaskTrackRow) -> MaskTrack | None:
    """The track as stored (deleted or not), with its live keyframes; None if none is live."""
    kfs = _live_keyframes(s, [row.id])[row.id]
    return _track_of(row, kfs) if kfs else None


class MaskStore:
    """Reads and writes MaskSets for recordings of one Library. Every write checks the REDACT permission and
    appends its audit event in the same transaction as the change, so neither can exist without the other."""

    def __init__(self, library):
        self.library = library
        self.gov = library.gov
        self._bounds: dict[str, Bounds] = {}

    # ---- reading --------------------------------------------------------------------------------------------
    @read_only
    def load(self, recording_id: str, s=None) -> MaskSet:
        """The recording's current masks; `s`: read inside that session (e.g. a gate's transaction). Tracks in
        the order they were created (by HLC stamp, the same on every copy); a track with no live keyframe shows
        nothing and is left out."""
        if s is None:
            with self.library.sessions() as s:
                return self.load(recording_id, s)
        rows = s.scalars(select(MaskTrackRow).where(MaskTrackRow.recording_id == recording_id,
                                                    MaskTrackRow.deleted_at.is_(None),
                                                    MaskTrackRow.status.in_(APPLIED))
                         .order_by(MaskTrackRow.stamp, MaskTrackRow.id)).all()
        kfs = _live_keyframes(s, [r.id for r in rows])
        ranges = s.scalars(select(RedactionRangeRow).where(RedactionRangeRow.recording_id == recording_id,
                                                           RedactionRangeRow.deleted_at.is_(None))
                           .order_by(RedactionRangeRow.start_pts, RedactionRangeRow.id)).all()
        blackouts = tuple(PtsRange(r.start_pts, r.end_pts, r.reason, r.mode, r.id) for r in ranges
                          if r.kind == "blackout")
        audio = tuple(PtsRange(r.start_pts, r.end_pts, r.reason, r.mode, r.id) for r in ranges
                      if r.kind == "audio")
        return MaskSet(tuple(_track_of(r, kfs[r.id]) for r in rows if kfs[r.id]), blackouts, audio)

    @read_only
    def load_proposals(self, recording_id: str, statuses: tuple[str, ...] = (PROPOSED, ACCEPTED, REJECTED),
                       track_ids: list[str] | None = None) -> list[MaskTrack]:
        """A detector's proposals (live, with a live keyframe) in those statuses, by first appearance: what the
        review lists. load() never returns a proposed or rejected one, so nothing unaccepted can redact."""
        with self.library.sessions() as s:
            q = select(MaskTrackRow).where(MaskTrackRow.recording_id == recording_id, MaskTrackRow.deleted_at.is_(None),
                                           MaskTrackRow.status.in_(statuses), MaskTrackRow.proposal_json.is_not(None))
            if track_ids is not None:
                q = q.where(MaskTrackRow.id.in_(track_ids))
            rows = s.scalars(q.order_by(MaskTrackRow.stamp, MaskTrackRow.id)).all()
            kfs = _live_keyframes(s, [r.id for r in rows])
            out = [_track_of(r, kfs[r.id]) for r in rows if kfs[r.id]]
        return sorted(out, key=lambda t: (t.start_pts, t.id))

    @read_only
    def load_tracks(self, recording_id: str, track_ids: list[str]) -> dict[str, MaskTrack | None]:
        """Some tracks as load() would show them (None: deleted or without a live keyframe)."""
        with self.library.sessions() as s:
            rows = s.scalars(select(MaskTrackRow).where(MaskTrackRow.id.in_(track_ids),
                                                        MaskTrackRow.recording_id == recording_id)).all()
            kfs = _live_keyframes(s, [r.id for r in rows])
            out: dict[str, MaskTrack | None] = {t: None for t in track_ids}
            out.update({r.id: _track_of(r, kfs[r.id]) for r in rows
                        if r.deleted_at is None and kfs[r.id] and r.status in APPLIED})
            return out

    # ---- validation ---------------------------------------------------------------------------------------------
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

    # ---- writing --------------------------------------------------------------------------------------------
    @gated(Action.REDACT)
    def apply(self, recording_id: str, changes: list[Change], via: str | None = None,
              expects: dict | None = None, note: tuple[str, dict] | None = None) -> dict[tuple[str, str], str | None]:
        """Make `changes` as operations, all in one transaction (all or nothing). `expects`: {entity: op_id} the
        entity's head must still be (an undo's or redo's inverse): a change from elsewhere since makes it
        StaleRevision and nothing is written. `note`: (event, details) recorded on the recording in the same
        transaction (e.g. a batch of proposals accepted, with the detector that made them). Returns each changed
        entity's head afterwards."""
        gov = self.gov
        pending = dict(expects or {})
        with gov.write() as s:
            if changes:
                first = changes[0]
                what = "mask_track" if isinstance(first, TrackChange) else f"{first.kind}_range"
                gov.require(Action.REDACT, what, first.entity[1], {"recording_id": recording_id}, s=s)
            for entity, expect in pending.items():  # before the local checks, whose message would hide why
                refuse_if_stale(s, *entity, expect)
            rec = live_recording(s, recording_id)
            for c in changes:
                if isinstance(c, TrackChange):
                    self._track_ops(s, rec, c, pending, via)
                else:
                    self._range_ops(s, rec, c, pending, via)
            if note is not None:
                gov.record(s, "recording", recording_id, note[0],
                           details={"recording_id": recording_id, **note[1], **({"via": via} if via else {})})
            return {c.entity: head(s, *c.entity) for c in changes}

    def _submit(self, rec, kind: str, entity: tuple[str, str], payload: dict, pending: dict, via: str | None):
        # the first operation on an entity carries the expectation; the ones after it follow it in this transaction
        return submit(self.gov, kind, rec.sha256, entity[0], entity[1], payload, expect=pending.pop(entity, MISSING),
                      audit={"via": via} if via else None)

    def _track_ops(self, s, rec, c: TrackChange, pending: dict, via: str | None) -> None:
        e = c.entity
        row = s.get(MaskTrackRow, e[1])
        if row is not None and row.recording_id != rec.id:
            raise MaskError(f"mask {e[1]} belongs to another recording")
        if c.new is None:
            if row is None or row.deleted_at is not None:
                raise NotFound(f"no mask track {e[1]} on recording {rec.id}")
            self._submit(rec, "mask_track.delete", e, {"seen": unseen_edits(s, TRACK, row.id)}, pending, via)
            return
        new = c.new
        check_track(new, self.bounds(rec.id, rec))
        if row is not None and row.kind != new.kind.value:
            raise MaskError(f"mask {new.id} is a {row.kind}, not a {new.kind.value}")
        if row is None or row.deleted_at is not None:
            # drawn, or brought back: the whole track; keyframes the tombstone still had but `new` lacks go
            before = stored_track(s, row) if row is not None else None
            self._submit(rec, "mask_track.create", e, {"track": new.to_json()}, pending, via)
            old = before
            fields_too = False
        else:
            old = c.old or stored_track(s, row)
            fields_too = True
        if fields_too:
            was, now = shape.track_json(old) if old else {}, shape.track_json(new)
            diff = {k: v for k, v in now.items() if was.get(k) != v}
            if diff:
                self._submit(rec, "mask_track.update", e, {"fields": diff}, pending, via)
            for kf in new.keyframes:
                if old is None or old.keyframe_at(kf.pts) != kf:
                    self._submit(rec, "mask_keyframe.put", e, {"keyframe": kf.to_json()}, pending, via)
        for kf in (old.keyframes if old else ()):
            if new.keyframe_at(kf.pts) is None:
                seen = unseen_edits(s, KEYFRAME, kf_id(new.id, kf.pts))
                self._submit(rec, "mask_keyframe.delete", e, {"pts": kf.pts, "seen": seen}, pending, via)

    def _range_ops(self, s, rec, c: RangeChange, pending: dict, via: str | None) -> None:
        if c.kind not in ("blackout", "audio"):
            raise ValueError(f"range kind must be blackout or audio, got {c.kind!r}")
        e = c.entity
        row = s.get(RedactionRangeRow, e[1])
        if row is not None and (row.recording_id != rec.id or row.kind != c.kind):
            raise MaskError(f"{c.kind} range {e[1]} belongs to another recording or is a {row.kind} range")
        if c.new is None:
            if row is None or row.deleted_at is not None:
                raise NotFound(f"no redaction range {e[1]} on recording {rec.id}")
            self._submit(rec, "redaction_range.delete", e, {"seen": unseen_edits(s, RANGE, row.id)}, pending, via)
            return
        check_range(c.kind, c.new, self.bounds(rec.id, rec))
        now = shape.range_json(c.new)
        if row is None or row.deleted_at is not None:
            self._submit(rec, "redaction_range.create", e, {"kind": c.kind, "fields": now}, pending, via)
            return
        was = shape.range_json(PtsRange(row.start_pts, row.end_pts, row.reason, row.mode, row.id))
        diff = {k: v for k, v in now.items() if was[k] != v}
        if diff:
            self._submit(rec, "redaction_range.update", e, {"fields": diff}, pending, via)

    # ---- the whole-record entry points (CLI, import, tests): each one transaction ----------------------------------
    @gated(Action.REDACT)
    def save_track(self, recording_id: str, track: MaskTrack) -> None:
        """Create the track, or make the stored one equal to it (only what differs is written)."""
        self.apply(recording_id, [TrackChange(None, track)])

    @gated(Action.REDACT)
    def delete_track(self, recording_id: str, track_id: str) -> None:
        with self.gov.sessions() as s:
            row = s.get(MaskTrackRow, track_id)
            old = stored_track(s, row) if row is not None else None
        if old is None:
            raise NotFound(f"no mask track {track_id} on recording {recording_id}")
        self.apply(recording_id, [TrackChange(old, None)])

    @gated(Action.REDACT)
    def save_range(self, recording_id: str, kind: str, r: PtsRange) -> None:
        if kind not in ("blackout", "audio"):
            raise ValueError(f"range kind must be blackout or audio, got {kind!r}")
        self.apply(recording_id, [RangeChange(kind, None, r)])

    @gated(Action.REDACT)
    def delete_range(self, recording_id: str, range_id: str) -> None:
        with self.gov.sessions() as s:
            row = s.get(RedactionRangeRow, range_id)
            kind = row.kind if row is not None else "blackout"
        self.apply(recording_id, [RangeChange(kind, PtsRange(0, 0, id=range_id), None)])

    @gated(Action.REDACT)
    def import_set(self, recording_id: str, ms: MaskSet, source: str = "") -> int:
        """Add (or update, by id) every track and range of `ms`, all or nothing: one transaction, so a problem
        with the last record leaves none of the others behind. A new record is one operation. Returns how many
        records were written."""
        ids = [t.id for t in ms.tracks] + [r.id for r in ms.blackouts + ms.audio]
        seen: set[str] = set()
        for i in ids:
            if i in seen:
                raise MaskError(f"id {i} is used twice")
            seen.add(i)
        changes: list[Change] = [TrackChange(None, t) for t in ms.tracks]
        changes += [RangeChange(kind, None, r) for kind, rs in (("blackout", ms.blackouts), ("audio", ms.audio))
                    for r in rs]
        with self.gov.write() as s:
            self.gov.require(Action.REDACT, "recording", recording_id, s=s)
            self.apply(recording_id, changes)
            self.gov.record(s, "recording", recording_id, "masks.import",
                            details={"recording_id": recording_id, "records": len(changes), "source": source})
        return len(changes)

    @read_only
    def export_json(self, recording_id: str) -> dict:
        return {"schema": "bwv-reviewer/masks", "version": 1, "recording_id": recording_id,
                **mask_set_to_json(self.load(recording_id))}

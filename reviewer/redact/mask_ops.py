"""Operation kinds of masks (ADR 0015, issue 11 s.1-2): tracks, keyframes and redaction ranges merge at element
level, so two workstations editing different keyframes of one track both keep their edits.

Merge rules (each gives the same state whatever order the operations arrive in):
- Values are last-writer-wins by HLC stamp (ctx.lww, workstation as tie-break): a track's properties per field,
  a keyframe's (points, hidden) per (track, pts) as the track's field "kf:<pts>", a range's span/mode/reason.
  A table row only mirrors its field_stamps, so it is the same whichever writer arrived last.
- Liveness: every edit tags the element it edits (a keyframe edit tags its track too); a deletion carries in
  `seen` the edits it saw, which it removes. An element is live while some edit of it is not removed: a
  deletion concurrent with an edit loses (redaction wins), and the mask set only shrinks when a deletion saw the
  latest edit. A discarded deletion is a conflict (ctx.conflict), from whichever side arrives second.
- A track with no live keyframe shows nothing and is left out of the mask set.
- Approval (masks.approve) names the mask-set hash it approved; reviewer/redact/approval.py voids it on any
  copy whose masks hash differently or that holds a mask change stamped after it.

Handlers validate numerically (mask_shape): a remote operation needs no footage. The frame-table checks are
the local store's, before it submits (MaskStore).
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from reviewer.errors import NotFound
from reviewer.govern.roles import Action
from reviewer.library.models import utcnow
from reviewer.library.models_ops import FieldStamp, OpLogRow
from reviewer.library.models_redact import MaskApprovalRow, MaskKeyframeRow, MaskTagRow, MaskTrackRow, \
    RedactionRangeRow
from reviewer.ops.context import OpContext
from reviewer.ops.kinds import kind
from reviewer.redact import mask_shape as shape
from reviewer.redact.model import Keyframe, ShapeKind
from reviewer.redact.validate import MaskError

TRACK, KEYFRAME, RANGE = "mask_track", "mask_keyframe", "redaction_range"
EDIT_KINDS = ("mask_track.create", "mask_track.update", "mask_track.delete", "mask_keyframe.put",
              "mask_keyframe.delete", "redaction_range.create", "redaction_range.update", "redaction_range.delete")
REDACTION_WINS = "deleted concurrently with an edit it had not seen: the edit keeps the redaction"


def kf_id(track_id: str, pts: int) -> str:
    return f"{track_id}:{pts}"


def kf_field(pts: int) -> str:
    return f"kf:{pts}"


def _at(stamp_key: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(stamp_key.split(".", 1)[0]) / 1000, dt.timezone.utc)


# ---- liveness tags ----------------------------------------------------------------------------------------------
def _tag(s, et: str, eid: str, op_id: str) -> MaskTagRow:
    row = s.get(MaskTagRow, (et, eid, op_id))
    if row is None:
        row = MaskTagRow(entity_type=et, entity_id=eid, op_id=op_id, edit=False, removed_by=None)
        s.add(row)
    return row


def live(s, et: str, eid: str) -> bool:
    return s.scalar(select(MaskTagRow.op_id).where(MaskTagRow.entity_type == et, MaskTagRow.entity_id == eid,
                                                   MaskTagRow.edit.is_(True), MaskTagRow.removed_by.is_(None))
                    .limit(1)) is not None


def unseen_edits(s, et: str, eid: str) -> list[str]:
    """The edits of an element no deletion has removed: what a deletion made here now has seen."""
    s.flush()
    return sorted(s.scalars(select(MaskTagRow.op_id).where(
        MaskTagRow.entity_type == et, MaskTagRow.entity_id == eid, MaskTagRow.edit.is_(True),
        MaskTagRow.removed_by.is_(None))).all())


def _edit(ctx: OpContext, et: str, eid: str) -> None:
    """Tag the element as edited by this operation; an edit that revives what a deletion it had not seen removed
    is that deletion's loss (redaction wins)."""
    s = ctx.s
    s.flush()
    was = live(s, et, eid)
    _tag(s, et, eid, ctx.op.op_id).edit = True
    s.flush()
    if was:
        return
    by = s.scalars(select(MaskTagRow.removed_by).where(MaskTagRow.entity_type == et, MaskTagRow.entity_id == eid,
                                                       MaskTagRow.removed_by.is_not(None))).all()
    stamps = {st: op for op, st in s.execute(select(OpLogRow.op_id, OpLogRow.stamp)
                                             .where(OpLogRow.op_id.in_(set(by))))}
    for st in sorted(stamps):
        if not ctx._saw(st):
            ctx.conflict("deleted", lost_op=stamps[st], lost_value=True, won_op=ctx.op.op_id, why=REDACTION_WINS,
                         entity=(et, eid))
            break


def _remove(ctx: OpContext, et: str, eid: str, seen: list[str]) -> bool:
    """Remove the edits this deletion saw. Returns whether the element is now dead; if edits it had not seen
    keep it alive, the deletion is discarded and that is a conflict."""
    s = ctx.s
    for op_id in seen:
        row = _tag(s, et, eid, op_id)
        if row.removed_by is None:
            row.removed_by = ctx.op.op_id
    s.flush()
    keep = unseen_edits(s, et, eid)
    if keep:
        ctx.conflict("deleted", lost_op=ctx.op.op_id, lost_value=True, won_op=keep[-1], why=REDACTION_WINS,
                     entity=(et, eid))
    return not keep


def _value(s, et: str, eid: str, name: str):
    row = s.get(FieldStamp, (et, eid, name))
    return None if row is None else json.loads(row.value_json)


# ---- rows mirror their merged state ----------------------------------------------------------------------------
def _sync_track(ctx: OpContext, row: MaskTrackRow, fields: bool = True) -> None:
    for name in shape.TRACK_FIELDS if fields else ():
        v = _value(ctx.s, TRACK, row.id, name)
        if v is not None:
            column = {"effect": "effect_json", "proposal": "proposal_json"}.get(name, name)
            setattr(row, column, json.dumps(v) if column.endswith("_json") else v)
    alive = live(ctx.s, TRACK, row.id)
    if alive and row.deleted_at is not None:
        row.deleted_at = None
    elif not alive and row.deleted_at is None:
        row.deleted_at = utcnow()
    row.touch(ctx.gov.actor)


def _sync_keyframe(ctx: OpContext, track_id: str, pts: int) -> MaskKeyframeRow | None:
    v = _value(ctx.s, TRACK, track_id, kf_field(pts))  # None for a keyframe from before operations
    row = ctx.s.get(MaskKeyframeRow, (track_id, pts))
    if row is None:
        if v is None:
            return None
        row = MaskKeyframeRow(track_id=track_id, pts=pts)
        ctx.s.add(row)
    if v is not None:
        row.points_json = json.dumps(v["points"], separators=(",", ":"))
        row.hidden = v["hidden"]
    row.live = live(ctx.s, KEYFRAME, kf_id(track_id, pts))
    return row


def _put_keyframe(ctx: OpContext, track_id: str, kf: Keyframe) -> None:
    d = kf.to_json()
    ctx.lww({kf_field(kf.pts): {"points": d["points"], "hidden": d["hidden"]}}, TRACK, track_id)
    _edit(ctx, KEYFRAME, kf_id(track_id, kf.pts))
    _sync_keyframe(ctx, track_id, kf.pts)


def _track_row(ctx: OpContext) -> MaskTrackRow:
    rec = ctx.recording()
    row = ctx.s.get(MaskTrackRow, ctx.op.entity_id)
    if row is None or row.recording_id != rec.id:
        raise NotFound(f"no mask track {ctx.op.entity_id} on this recording")
    return row


def _changed(ctx: OpContext, recording_id: str, object_id: str, et: str = TRACK) -> None:
    ctx.touched(et, object_id)
    ctx.gov.notify("masks_changed", {"recording_id": recording_id, "object_id": object_id, "remote": ctx.remote})


# ---- tracks and keyframes ----------------------------------------------------------------------------------------
@kind("mask_track.create", Action.REDACT)
def track_create(ctx: OpContext):
    """A whole track (drawn, duplicated, split off, imported, or brought back by an undo): its properties and
    keyframes, each merged as if edited one by one."""
    rec = ctx.recording()
    t = shape.track({**(ctx.op.payload.get("track") or {}), "id": ctx.op.entity_id})
    row = ctx.s.get(MaskTrackRow, t.id)
    if row is not None and (row.recording_id != rec.id or row.kind != t.kind.value):
        raise MaskError(f"mask {t.id} already exists on another recording or as another shape")
    was_live = row is not None and row.deleted_at is None
    if row is None:
        row = MaskTrackRow(id=t.id, recording_id=rec.id, kind=t.kind.value, stamp=ctx.key, created_at=_at(ctx.key),
                           updated_by=ctx.gov.actor, effect_json="{}", reason="")
        ctx.s.add(row)
    ctx.lww(shape.track_json(t), TRACK, t.id)
    for kf in t.keyframes:
        _put_keyframe(ctx, t.id, kf)
    _edit(ctx, TRACK, t.id)
    _sync_track(ctx, row)
    ctx.record(TRACK, t.id, "mask_track.update" if was_live else "mask_track.create",
               {"recording_id": rec.id, "label": row.label, "reason": row.reason, "keyframes": len(t.keyframes),
                "effect": t.effect.kind.value})
    _changed(ctx, rec.id, t.id)
    return row.id


@kind("mask_track.update", Action.REDACT)
def track_update(ctx: OpContext):
    row = _track_row(ctx)
    fields = shape.track_fields(dict(ctx.op.payload.get("fields") or {}), f"mask {row.id}")
    won = ctx.lww(fields)
    _edit(ctx, TRACK, row.id)
    _sync_track(ctx, row)
    ctx.record(TRACK, row.id, "mask_track.update", {"recording_id": row.recording_id, "fields": sorted(won),
                                                    "label": row.label, "reason": row.reason})
    _changed(ctx, row.recording_id, row.id)
    return row.id


@kind("mask_track.delete", Action.REDACT)
def track_delete(ctx: OpContext):
    row = _track_row(ctx)
    dead = _remove(ctx, TRACK, row.id, shape.seen_ids(ctx.op.payload))
    _sync_track(ctx, row)
    ctx.record(TRACK, row.id, "mask_track.delete", {"recording_id": row.recording_id, "label": row.label,
                                                    **({} if dead else {"kept": REDACTION_WINS})})
    _changed(ctx, row.recording_id, row.id)
    return row.id


@kind("mask_keyframe.put", Action.REDACT)
def keyframe_put(ctx: OpContext):
    """Create or change the keyframe at (track, pts): the operation's entity is the track."""
    row = _track_row(ctx)
    kf = shape.keyframe(ShapeKind(row.kind), ctx.op.payload.get("keyframe"), f"mask {row.id}")
    _put_keyframe(ctx, row.id, kf)
    _edit(ctx, TRACK, row.id)
    _sync_track(ctx, row, fields=False)
    ctx.record(TRACK, row.id, "mask_keyframe.put", {"recording_id": row.recording_id, "pts": kf.pts,
                                                    "points": len(kf.points), "hidden": kf.hidden})
    _changed(ctx, row.recording_id, row.id)
    return row.id


@kind("mask_keyframe.delete", Action.REDACT)
def keyframe_delete(ctx: OpContext):
    row = _track_row(ctx)
    pts = shape.pts_of(ctx.op.payload.get("pts"))
    dead = _remove(ctx, KEYFRAME, kf_id(row.id, pts), shape.seen_ids(ctx.op.payload))
    _sync_keyframe(ctx, row.id, pts)
    row.touch(ctx.gov.actor)
    ctx.record(TRACK, row.id, "mask_keyframe.delete", {"recording_id": row.recording_id, "pts": pts,
                                                       **({} if dead else {"kept": REDACTION_WINS})})
    _changed(ctx, row.recording_id, row.id)
    return row.id


# ---- blackout and audio ranges -------------------------------------------------------------------------------
def _sync_range(ctx: OpContext, row: RedactionRangeRow) -> None:
    span = _value(ctx.s, RANGE, row.id, "span")
    if span is not None:
        row.start_pts, row.end_pts = span
    for name in ("mode", "reason"):
        v = _value(ctx.s, RANGE, row.id, name)
        if v is not None:
            setattr(row, name, v)
    alive = live(ctx.s, RANGE, row.id)
    if alive and row.deleted_at is not None:
        row.deleted_at = None
    elif not alive and row.deleted_at is None:
        row.deleted_at = utcnow()
    row.touch(ctx.gov.actor)


def _range_row(ctx: OpContext) -> RedactionRangeRow:
    rec = ctx.recording()
    row = ctx.s.get(RedactionRangeRow, ctx.op.entity_id)
    if row is None or row.recording_id != rec.id:
        raise NotFound(f"no redaction range {ctx.op.entity_id} on this recording")
    return row


def _range_details(row: RedactionRangeRow) -> dict:
    return {"recording_id": row.recording_id, "start_pts": row.start_pts, "end_pts": row.end_pts, "mode": row.mode,
            "reason": row.reason}


@kind("redaction_range.create", Action.REDACT)
def range_create(ctx: OpContext):
    rec = ctx.recording()
    p = ctx.op.payload
    rk = shape.range_kind(p.get("kind"))
    who = f"{rk} range {ctx.op.entity_id}"
    fields = shape.range_fields(rk, dict(p.get("fields") or {}), who)
    if set(fields) != set(shape.RANGE_FIELDS):
        raise MaskError(f"{who}: a new range needs span, mode and reason")
    row = ctx.s.get(RedactionRangeRow, ctx.op.entity_id)
    if row is not None and (row.recording_id != rec.id or row.kind != rk):
        raise MaskError(f"{who} belongs to another recording or is a {row.kind} range")
    was_live = row is not None and row.deleted_at is None
    if row is None:
        row = RedactionRangeRow(id=ctx.op.entity_id, recording_id=rec.id, kind=rk, start_pts=fields["span"][0],
                                end_pts=fields["span"][1], mode=fields["mode"], reason=fields["reason"],
                                updated_by=ctx.gov.actor)
        ctx.s.add(row)
    ctx.lww(fields, RANGE, row.id)
    _edit(ctx, RANGE, row.id)
    _sync_range(ctx, row)
    ctx.record(f"{rk}_range", row.id, f"{rk}_range.{'update' if was_live else 'create'}", _range_details(row))
    _changed(ctx, rec.id, row.id, RANGE)
    return row.id


@kind("redaction_range.update", Action.REDACT)
def range_update(ctx: OpContext):
    row = _range_row(ctx)
    fields = shape.range_fields(row.kind, dict(ctx.op.payload.get("fields") or {}), f"{row.kind} range {row.id}")
    ctx.lww(fields)
    _edit(ctx, RANGE, row.id)
    _sync_range(ctx, row)
    ctx.record(f"{row.kind}_range", row.id, f"{row.kind}_range.update", _range_details(row))
    _changed(ctx, row.recording_id, row.id, RANGE)
    return row.id


@kind("redaction_range.delete", Action.REDACT)
def range_delete(ctx: OpContext):
    row = _range_row(ctx)
    dead = _remove(ctx, RANGE, row.id, shape.seen_ids(ctx.op.payload))
    _sync_range(ctx, row)
    ctx.record(f"{row.kind}_range", row.id, f"{row.kind}_range.delete",
               {"recording_id": row.recording_id, **({} if dead else {"kept": REDACTION_WINS})})
    _changed(ctx, row.recording_id, row.id, RANGE)
    return row.id


# ---- approval ----------------------------------------------------------------------------------------------------
@kind("masks.approve", Action.APPROVE_REDACTION)
def approve(ctx: OpContext):
    """A second user's approval of the mask set with the hash it names. The four-eyes checks are the approving
    copy's (approval.approve); every copy keeps the approval and judges it against its own masks."""
    rec = ctx.recording()
    p = ctx.op.payload
    sha, role = p.get("mask_sha256"), p.get("role")
    if not (isinstance(sha, str) and len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)):
        raise MaskError(f"approval {ctx.op.entity_id}: mask_sha256 must be 64 hex digits")
    if not (isinstance(role, str) and 0 < len(role) <= 40):
        raise MaskError(f"approval {ctx.op.entity_id}: the approver's role is required")
    if ctx.s.get(MaskApprovalRow, ctx.op.entity_id) is not None:
        raise MaskError(f"approval {ctx.op.entity_id} already exists")
    ctx.s.add(MaskApprovalRow(id=ctx.op.entity_id, recording_id=rec.id, mask_sha256=sha, approved_by=ctx.op.actor,
                              approver_role=role, approved_at=_at(ctx.key), stamp=ctx.key, updated_by=ctx.gov.actor))
    details = {"recording_id": rec.id, "mask_sha256": sha}
    if isinstance(p.get("editors"), list):
        details["editors"] = [str(e) for e in p["editors"]][:1000]
    ctx.record("recording", rec.id, "masks.approve", details)
    ctx.touched("mask_approval", ctx.op.entity_id)
    ctx.gov.notify("masks_approved", {"recording_id": rec.id})
    return ctx.op.entity_id

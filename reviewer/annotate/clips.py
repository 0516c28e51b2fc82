"""Clips: named in/out ranges (pts, inclusive) with a purpose. Names are unique among a recording's live clips,
so scripts can say `--clip NAME`. A clip with an active evidential mark cannot be deleted: that would clear
the mark by the back door, and clearing needs a supervisor."""

from __future__ import annotations

from sqlalchemy import select

from reviewer.annotate.clip_ops import FIELDS, PURPOSES, clean
from reviewer.annotate.clip_ops import purpose as _purpose
from reviewer.annotate.records import changes, live_recording, refuse_if_stale, resolve
from reviewer.annotate.views import ClipView
from reviewer.errors import NotFound, ReviewerError
from reviewer.govern.gated import gated, read_only
from reviewer.govern.governance import Governance
from reviewer.govern.roles import Action
from reviewer.library.models_govern import Clip, EvidentialMark
from reviewer.ops.apply import MISSING, submit

__all__ = ["PURPOSES", "ClipStore", "active_mark_id", "view_of"]


def view_of(c: Clip, mark_id: str | None = None) -> ClipView:
    return ClipView(c.id, c.recording_id, c.name, c.in_pts, c.out_pts, c.purpose, c.author, c.created_at,
                    c.updated_at, c.updated_by, c.revision, mark_id, c.deleted_at is not None)


def active_mark_id(s, clip_id: str) -> str | None:
    return s.scalar(select(EvidentialMark.id).where(EvidentialMark.clip_id == clip_id,
                                                    EvidentialMark.cleared_at.is_(None),
                                                    EvidentialMark.deleted_at.is_(None)))


class ClipStore:
    def __init__(self, gov: Governance):
        self.gov = gov

    @read_only
    def list(self, recording_id: str | None = None, purpose: str | None = None,
             include_deleted: bool = False) -> list[ClipView]:
        q = select(Clip)
        if recording_id:
            q = q.where(Clip.recording_id == recording_id)
        if purpose:
            q = q.where(Clip.purpose == _purpose(purpose))
        if not include_deleted:
            q = q.where(Clip.deleted_at.is_(None))
        with self.gov.sessions() as s:
            rows = s.scalars(q.order_by(Clip.recording_id, Clip.in_pts, Clip.name)).all()
            return [view_of(c, active_mark_id(s, c.id)) for c in rows]

    @read_only
    def get(self, clip_id: str, include_deleted: bool = False) -> ClipView:
        with self.gov.sessions() as s:
            c = resolve(s, Clip, clip_id, "clip", include_deleted)
            return view_of(c, active_mark_id(s, c.id))

    @read_only
    def by_name(self, recording_id: str, name: str) -> ClipView:
        with self.gov.sessions() as s:
            c = s.scalar(select(Clip).where(Clip.recording_id == recording_id, Clip.name == name.strip(),
                                            Clip.deleted_at.is_(None)))
            if c is None:
                raise NotFound(f"recording {recording_id[:8]} has no clip named {name!r}")
            return view_of(c, active_mark_id(s, c.id))

    def _check(self, s, recording_id: str, name: str, in_pts: int, out_pts: int, clip_id: str) -> None:
        if in_pts > out_pts:
            raise ReviewerError(f"clip {name!r}: the in point (pts {in_pts}) is after the out point (pts {out_pts})")
        clash = s.scalar(select(Clip.id).where(Clip.recording_id == recording_id, Clip.name == name,
                                               Clip.deleted_at.is_(None), Clip.id != clip_id))
        if clash is not None:
            raise ReviewerError(f"recording {recording_id[:8]} already has a clip named {name!r}")

    def _submit(self, kind: str, clip_id: str, recording_id: str, payload: dict, via: str | None,
                expect=MISSING) -> ClipView:
        with self.gov.write() as s:
            sha = live_recording(s, recording_id).sha256
            c = submit(self.gov, kind, sha, "clip", clip_id, payload, expect=expect,
                       audit={"via": via} if via else None).result
            return view_of(c, active_mark_id(s, c.id))

    @gated(Action.CLIP)
    def create(self, clip_id: str, recording_id: str, in_pts: int, out_pts: int, name: str,
               purpose: str) -> ClipView:
        gov = self.gov
        with gov.write() as s:
            gov.require(Action.CLIP, "clip", clip_id, {"recording_id": recording_id}, s=s)
            live_recording(s, recording_id)
            fields = clean({"name": name, "in_pts": in_pts, "out_pts": out_pts, "purpose": purpose})
            self._check(s, recording_id, fields["name"], fields["in_pts"], fields["out_pts"], clip_id)
            return self._submit("clip.create", clip_id, recording_id, fields, None)

    @gated(Action.CLIP)
    def update(self, clip_id: str, via: str | None = None, expect=MISSING, **fields) -> tuple[dict, ClipView]:
        unknown = set(fields) - set(FIELDS)
        if unknown:
            raise ReviewerError(f"clips have no field(s) {', '.join(sorted(unknown))}")
        gov = self.gov
        with gov.write() as s:
            c = resolve(s, Clip, clip_id, "clip")
            gov.require(Action.CLIP, "clip", c.id, s=s)
            refuse_if_stale(s, "clip", c.id, expect)
            new = clean(fields)
            merged = {k: new.get(k, getattr(c, k)) for k in ("name", "in_pts", "out_pts")}
            self._check(s, c.recording_id, merged["name"], merged["in_pts"], merged["out_pts"], c.id)
            diff = changes(c, new)
            old = {k: getattr(c, k) for k in new}
            if not diff:
                return old, view_of(c, active_mark_id(s, c.id))
            return old, self._submit("clip.update", c.id, c.recording_id,
                                     {"fields": {k: v for k, (_o, v) in diff.items()}}, via, expect)

    @gated(Action.CLIP)
    def delete(self, clip_id: str, via: str | None = None, expect=MISSING) -> ClipView:
        return self._set_deleted(clip_id, True, via, expect)

    @gated(Action.CLIP)
    def restore(self, clip_id: str, via: str | None = None, expect=MISSING) -> ClipView:
        return self._set_deleted(clip_id, False, via, expect)

    def _set_deleted(self, clip_id: str, deleted: bool, via: str | None, expect=MISSING) -> ClipView:
        gov = self.gov
        with gov.write() as s:
            c = resolve(s, Clip, clip_id, "clip", include_deleted=True)
            gov.require(Action.CLIP, "clip", c.id, s=s)
            refuse_if_stale(s, "clip", c.id, expect)
            if (c.deleted_at is not None) == deleted:
                raise NotFound(f"clip {c.id} is {'already deleted' if deleted else 'not deleted'}")
            live_recording(s, c.recording_id)
            if deleted and active_mark_id(s, c.id) is not None:
                raise ReviewerError(f"clip {c.name!r} is marked evidential; a supervisor must clear the mark "
                                    "before the clip can be deleted")
            if not deleted:
                self._check(s, c.recording_id, c.name, c.in_pts, c.out_pts, c.id)
            return self._submit("clip.delete" if deleted else "clip.restore", c.id, c.recording_id, {}, via,
                                expect)

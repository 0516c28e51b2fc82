"""Evidential marks on a whole recording or on one of its clips. Marking needs an investigator, professional
standards or supervisor; clearing needs a supervisor and a reason. A cleared mark stays in the table (who
cleared it, when and why) and can be reinstated."""

from __future__ import annotations

from sqlalchemy import select

from reviewer.annotate.evidential_ops import FLAG, audit_object
from reviewer.annotate.records import live_recording, refuse_if_stale, resolve, text
from reviewer.annotate.views import EvidentialMarkView
from reviewer.errors import NotFound, ReviewerError
from reviewer.govern.gated import gated, read_only
from reviewer.govern.governance import Governance
from reviewer.govern.justification import clean_reason
from reviewer.govern.roles import Action
from reviewer.library.models_govern import Clip, EvidentialMark, RetentionPolicy
from reviewer.ops.apply import MISSING, submit
from reviewer.ops.flag_apply import local_seen

# Offered by the UI; a supervisor adds more by giving a category its own retention period.
EVIDENTIAL_CATEGORIES = ("criminal investigation", "complaint", "misconduct", "civil claim", "other")
NON_EVIDENTIAL = "non_evidential"


def view_of(m: EvidentialMark, clip_name: str | None = None) -> EvidentialMarkView:
    return EvidentialMarkView(m.id, m.recording_id, m.clip_id, clip_name, m.reference, m.category, m.reason,
                              m.marked_by, m.marked_at, m.cleared_by, m.cleared_at, m.clear_reason, m.revision)


def _active(q):
    return q.where(EvidentialMark.cleared_at.is_(None), EvidentialMark.deleted_at.is_(None))


class EvidentialStore:
    def __init__(self, gov: Governance):
        self.gov = gov

    @read_only
    def categories(self) -> list[str]:
        with self.gov.sessions() as s:
            return self._categories(s)

    @staticmethod
    def _categories(s) -> list[str]:
        extra = s.scalars(select(RetentionPolicy.category).where(RetentionPolicy.deleted_at.is_(None),
                                                                 RetentionPolicy.category != NON_EVIDENTIAL))
        return sorted(set(EVIDENTIAL_CATEGORIES) | set(extra) - {"evidential"}) or ["other"]

    @read_only
    def list(self, recording_id: str | None = None, active_only: bool = False) -> list[EvidentialMarkView]:
        q = select(EvidentialMark, Clip.name).outerjoin(Clip, Clip.id == EvidentialMark.clip_id) \
            .where(EvidentialMark.deleted_at.is_(None))
        if recording_id:
            q = q.where(EvidentialMark.recording_id == recording_id)
        if active_only:
            q = _active(q)
        with self.gov.sessions() as s:
            return [view_of(m, name) for m, name in s.execute(q.order_by(EvidentialMark.marked_at, EvidentialMark.id))]

    @read_only
    def get(self, mark_id: str) -> EvidentialMarkView:
        with self.gov.sessions() as s:
            m = resolve(s, EvidentialMark, mark_id, "evidential mark")
            return view_of(m, s.scalar(select(Clip.name).where(Clip.id == m.clip_id)) if m.clip_id else None)

    @read_only
    def active_for(self, recording_id: str, clip_id: str | None = None) -> EvidentialMarkView | None:
        """The active mark on the whole recording (clip_id None) or on that clip."""
        target = EvidentialMark.clip_id.is_(None) if clip_id is None else EvidentialMark.clip_id == clip_id
        with self.gov.sessions() as s:
            m = s.scalar(_active(select(EvidentialMark).where(EvidentialMark.recording_id == recording_id, target)))
            return view_of(m) if m is not None else None

    def _submit(self, kind: str, mark_id: str, recording_id: str, payload: dict, via: str | None,
                expect=MISSING) -> EvidentialMark:
        with self.gov.write() as s:
            sha = live_recording(s, recording_id).sha256
            return submit(self.gov, kind, sha, FLAG.entity_type, mark_id, payload, expect=expect,
                          audit={"via": via} if via else None).result

    @gated(Action.MARK_EVIDENTIAL)
    def mark(self, mark_id: str, recording_id: str, reference: str, reason: str, category: str = "other",
             clip_id: str | None = None) -> EvidentialMarkView:
        gov = self.gov
        with gov.write() as s:
            target = ("clip", clip_id) if clip_id else ("recording", recording_id)
            gov.require(Action.MARK_EVIDENTIAL, *target, {"recording_id": recording_id}, s=s)
            live_recording(s, recording_id)
            clip_name = None
            if clip_id is not None:
                clip = s.get(Clip, clip_id)
                if clip is None or clip.deleted_at is not None or clip.recording_id != recording_id:
                    raise NotFound(f"no clip {clip_id} on recording {recording_id}")
                clip_name = clip.name
            category = text(category, "category", 100).lower()
            allowed = self._categories(s)
            if category not in allowed:
                raise ReviewerError(f"unknown evidential category {category!r}: choose one of {', '.join(allowed)}")
            same_target = EvidentialMark.clip_id == clip_id if clip_id else EvidentialMark.clip_id.is_(None)
            existing = s.scalar(_active(select(EvidentialMark).where(EvidentialMark.recording_id == recording_id,
                                                                     same_target)))
            if existing is not None:
                raise ReviewerError(f"{target[0]} {(clip_name or recording_id[:8])} is already marked evidential "
                                    f"(reference {existing.reference}, by {existing.marked_by})")
            payload = {"clip_id": clip_id, "reference": text(reference, "incident or crime reference", 100),
                       "category": category, "reason": clean_reason(reason, "reason for marking", required=True),
                       "seen_clears": []}
            m = self._submit("evidential.mark", mark_id, recording_id, payload, None)
            return view_of(m, clip_name)

    @gated(Action.CLEAR_EVIDENTIAL)
    def clear(self, mark_id: str, reason: str, via: str | None = None, expect=MISSING) -> EvidentialMarkView:
        gov = self.gov
        with gov.write() as s:
            m = resolve(s, EvidentialMark, mark_id, "evidential mark")
            gov.require(Action.CLEAR_EVIDENTIAL, *audit_object(m), {"mark_id": m.id}, s=s)
            refuse_if_stale(s, FLAG.entity_type, m.id, expect)
            reason = clean_reason(reason, "reason for clearing the evidential mark", required=True)
            if m.cleared_at is not None:
                raise ReviewerError(f"evidential mark {m.id[:8]} was already cleared by {m.cleared_by}")
            payload = {"reason": reason, **local_seen(s, FLAG, m.id, setting=False)}
            return view_of(self._submit("evidential.clear", m.id, m.recording_id, payload, via, expect))

    @gated(Action.MARK_EVIDENTIAL)
    def reinstate(self, mark_id: str, via: str | None = None, expect=MISSING) -> EvidentialMarkView:
        """Undo of a clear: the mark is active again (marking permission, as for a new mark)."""
        gov = self.gov
        with gov.write() as s:
            m = resolve(s, EvidentialMark, mark_id, "evidential mark")
            gov.require(Action.MARK_EVIDENTIAL, *audit_object(m), {"mark_id": m.id}, s=s)
            refuse_if_stale(s, FLAG.entity_type, m.id, expect)
            if m.cleared_at is None:
                raise ReviewerError(f"evidential mark {m.id[:8]} is active already")
            live_recording(s, m.recording_id)
            payload = local_seen(s, FLAG, m.id, setting=True)
            return view_of(self._submit("evidential.reinstate", m.id, m.recording_id, payload, via, expect))

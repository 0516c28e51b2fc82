"""Legal holds: while one is active, retention never deletes the recording. Setting and releasing need a
supervisor and a reason; both are audited with the change."""

from __future__ import annotations

from sqlalchemy import select

from reviewer.annotate.records import live_recording, refuse_if_stale, resolve
from reviewer.annotate.views import HoldView
from reviewer.errors import NotFound, ReviewerError
from reviewer.govern.gated import gated, read_only
from reviewer.govern.governance import Governance
from reviewer.govern.justification import clean_reason
from reviewer.govern.hold_ops import FLAG
from reviewer.govern.roles import Action
from reviewer.library.models_govern import LegalHold
from reviewer.ops.apply import MISSING, submit
from reviewer.ops.flag_apply import local_seen


def view_of(h: LegalHold) -> HoldView:
    return HoldView(h.id, h.recording_id, h.reason, h.set_by, h.set_at, h.released_by, h.released_at,
                    h.release_reason, h.revision)


def _active(q):
    return q.where(LegalHold.released_at.is_(None), LegalHold.deleted_at.is_(None))


class HoldStore:
    def __init__(self, gov: Governance):
        self.gov = gov

    @read_only
    def list(self, recording_id: str | None = None, active_only: bool = False) -> list[HoldView]:
        q = select(LegalHold).where(LegalHold.deleted_at.is_(None))
        if recording_id:
            q = q.where(LegalHold.recording_id == recording_id)
        if active_only:
            q = _active(q)
        with self.gov.sessions() as s:
            return [view_of(h) for h in s.scalars(q.order_by(LegalHold.set_at, LegalHold.id))]

    @read_only
    def active_for(self, recording_id: str) -> HoldView | None:
        with self.gov.sessions() as s:
            h = s.scalar(_active(select(LegalHold).where(LegalHold.recording_id == recording_id)))
            return view_of(h) if h is not None else None

    def _submit(self, kind: str, hold_id: str, recording_id: str, payload: dict, via: str | None,
                expect=MISSING) -> HoldView:
        with self.gov.write() as s:
            sha = live_recording(s, recording_id).sha256
            return view_of(submit(self.gov, kind, sha, FLAG.entity_type, hold_id, payload, expect=expect,
                                  audit={"via": via} if via else None).result)

    @gated(Action.LEGAL_HOLD)
    def set(self, hold_id: str, recording_id: str, reason: str) -> HoldView:
        gov = self.gov
        with gov.write() as s:
            gov.require(Action.LEGAL_HOLD, "recording", recording_id, {"hold": "set"}, s=s)
            live_recording(s, recording_id)
            reason = clean_reason(reason, "reason for the legal hold", required=True)
            if s.scalar(_active(select(LegalHold.id).where(LegalHold.recording_id == recording_id))):
                raise ReviewerError(f"recording {recording_id[:8]} is already on legal hold")
            return self._submit("hold.set", hold_id, recording_id, {"reason": reason, "seen_clears": []}, None)

    @gated(Action.LEGAL_HOLD)
    def release(self, recording_id: str, reason: str, via: str | None = None, expect=MISSING,
                hold_id: str | None = None) -> HoldView:
        """Release the recording's active hold (`hold_id`: that hold, as undo and redo name it)."""
        gov = self.gov
        with gov.write() as s:
            gov.require(Action.LEGAL_HOLD, "recording", recording_id, {"hold": "release"}, s=s)
            if hold_id is not None:
                refuse_if_stale(s, FLAG.entity_type, hold_id, expect)
            reason = clean_reason(reason, "reason for releasing the legal hold", required=True)
            q = select(LegalHold).where(LegalHold.recording_id == recording_id)
            h = s.scalar(_active(q.where(LegalHold.id == hold_id) if hold_id is not None else q))
            if h is None:
                raise NotFound(f"recording {recording_id[:8]} is not on legal hold")
            payload = {"reason": reason, **local_seen(s, FLAG, h.id, setting=False)}
            return self._submit("hold.release", h.id, recording_id, payload, via, expect)

    @gated(Action.LEGAL_HOLD)
    def reinstate(self, hold_id: str, via: str | None = None, expect=MISSING) -> HoldView:
        """Undo of a release: the same hold is active again."""
        gov = self.gov
        with gov.write() as s:
            h = resolve(s, LegalHold, hold_id, "legal hold")
            gov.require(Action.LEGAL_HOLD, "recording", h.recording_id, {"hold": "reinstate"}, s=s)
            refuse_if_stale(s, FLAG.entity_type, h.id, expect)
            if h.released_at is None:
                raise ReviewerError(f"legal hold {h.id[:8]} is active already")
            if s.scalar(_active(select(LegalHold.id).where(LegalHold.recording_id == h.recording_id))):
                raise ReviewerError(f"recording {h.recording_id[:8]} is already on another legal hold")
            live_recording(s, h.recording_id)
            return self._submit("hold.reinstate", h.id, h.recording_id, local_seen(s, FLAG, h.id, setting=True),
                                via, expect)

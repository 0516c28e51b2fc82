"""Four-eyes approval of a recording's mask set, and the export permission decision that rests on it.

"Redacted" means a second user, who neither authored nor edited the masks and holds APPROVE_REDACTION, has
approved exactly this mask set: the approval pins the set's hash (the one the export manifest records), so any
later edit voids it without anyone having to remember to revoke it. The approval is an operation (masks.approve)
that syncs like the masks: every copy judges it against its own masks, and a mask change stamped after it voids
it there too, even one that happens to restore the approved hash. An export of masks nobody approved is, as far
as permissions and the audit trail are concerned, an unredacted copy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from reviewer.errors import NotFound, ReviewerError
from reviewer.export.manifest import mask_hash
from reviewer.govern.gated import gated, read_only
from reviewer.govern.roles import Action, PermissionDenied, Role
from reviewer.library.models import Recording
from reviewer.library.models_govern import AuditEvent
from reviewer.library.models_ops import OpLogRow
from reviewer.library.models_redact import MaskApprovalRow
from reviewer.ops.apply import submit
from reviewer.ops.ids import uuid7
from reviewer.redact.mask_ops import EDIT_KINDS
from reviewer.redact.model import MaskSet, mask_set_to_json
from reviewer.redact.store import MaskStore

# audit object types whose events change a recording's mask set (MaskStore writes them)
EDIT_OBJECTS = ("mask_track", "blackout_range", "audio_range")


def mask_set_hash(ms: MaskSet) -> str:
    """The hash an approval pins: the same bytes the export manifest hashes as masks.sha256."""
    return mask_hash(mask_set_to_json(ms))


def has_masks(ms: MaskSet) -> bool:
    return bool(ms.tracks or ms.blackouts or ms.audio)


def is_disclosure(purpose: str) -> bool:
    """An export whose stated purpose is disclosure (the justification picklist's "disclosure request", a clip
    marked "disclosure", or free text saying so)."""
    return "disclos" in (purpose or "").lower()


@dataclass(frozen=True)
class Approval:
    approved_by: str
    role: str
    approved_at: dt.datetime
    mask_sha256: str

    def to_json(self) -> dict:
        return {"approved_by": self.approved_by, "role": self.role,
                "approved_at": self.approved_at.isoformat().replace("+00:00", "Z"), "mask_sha256": self.mask_sha256}


@dataclass(frozen=True)
class ApprovalStatus:
    recording_id: str
    current_sha256: str
    has_masks: bool
    latest: Approval | None  # the most recent approval, valid or not
    editors: frozenset[str]
    changed_since: bool = False  # a mask operation is stamped after the latest approval

    @property
    def approved(self) -> bool:
        return (self.has_masks and self.latest is not None and self.latest.mask_sha256 == self.current_sha256
                and not self.changed_since)

    @property
    def void(self) -> bool:
        """Approved once, but the masks have changed since."""
        return self.latest is not None and not self.approved

    def describe(self) -> str:
        if not self.has_masks:
            return "no masks: nothing to approve"
        if self.approved:
            a = self.latest
            return f"approved by {a.approved_by} ({a.role}) at {a.approved_at:%Y-%m-%d %H:%M:%S} UTC"
        if self.void:
            return f"not approved: the masks changed after {self.latest.approved_by} approved them"
        return "not approved"

    def to_json(self) -> dict:
        return {"recording_id": self.recording_id, "approved": self.approved, "void": self.void,
                "mask_sha256": self.current_sha256, "has_masks": self.has_masks,
                "approval": self.latest.to_json() if self.latest else None, "editors": sorted(self.editors),
                "summary": self.describe()}


class ApprovalRequired(PermissionDenied):
    """An export that needs an approved mask set and has none. A PermissionDenied, so write() audits it."""

    def __init__(self, user: str, role: Role, action: Action, recording_id: str, why: str, details: dict):
        super().__init__(user, role, action, "recording", recording_id, details)
        self.args = (f"recording {recording_id}: {why}",)

    def __str__(self) -> str:
        return self.args[0]


def editors(s, recording_id: str) -> frozenset[str]:
    """Every user who ever created, changed or deleted one of the recording's masks or ranges: the authors of
    the mask operations on it (wherever they were made) and, from before operations, the audit trail (which
    cannot be edited). Not the tracks' free-text `author`: an import could name anyone there. An event this
    library recorded for a change that arrived by sync names its author, not this library's user."""
    via = func.json_extract(AuditEvent.details, "$.via")
    rows = s.scalars(select(AuditEvent.user).where(
        AuditEvent.object_type.in_(EDIT_OBJECTS), AuditEvent.outcome == "ok",
        func.json_extract(AuditEvent.details, "$.recording_id") == recording_id,
        (via.is_(None)) | (via != "sync")).distinct()).all()
    rec = s.get(Recording, recording_id)
    ops = s.scalars(select(OpLogRow.actor).where(OpLogRow.scope_id == rec.sha256, OpLogRow.kind.in_(EDIT_KINDS),
                                                 OpLogRow.status == "applied").distinct()).all() if rec else []
    return frozenset(rows) | frozenset(ops)


def _latest_row(s, recording_id: str) -> MaskApprovalRow | None:
    """The latest approval: by operation stamp (the same order on every copy); ones from before operations
    (no stamp) come first, by time."""
    rows = s.scalars(select(MaskApprovalRow).where(MaskApprovalRow.recording_id == recording_id,
                                                   MaskApprovalRow.deleted_at.is_(None))).all()
    return max(rows, key=lambda r: (r.stamp or "", r.approved_at, r.created_at), default=None)


def _status(library, s, recording_id: str) -> ApprovalStatus:
    rec = s.get(Recording, recording_id)
    if rec is None:
        raise NotFound(f"no recording {recording_id} in the library")
    ms = MaskStore(library).load(recording_id, s)
    row = _latest_row(s, recording_id)
    latest = None if row is None else Approval(row.approved_by, row.approver_role, row.approved_at, row.mask_sha256)
    changed = row is not None and row.stamp is not None and s.scalar(
        select(OpLogRow.op_id).where(OpLogRow.scope_id == rec.sha256, OpLogRow.kind.in_(EDIT_KINDS),
                                     OpLogRow.status == "applied", OpLogRow.stamp > row.stamp).limit(1)) is not None
    return ApprovalStatus(recording_id, mask_set_hash(ms), has_masks(ms), latest, editors(s, recording_id), changed)


@read_only
def status(library, recording_id: str) -> ApprovalStatus:
    with library.sessions() as s:
        return _status(library, s, recording_id)


@gated(Action.APPROVE_REDACTION)
def approve(library, recording_id: str) -> ApprovalStatus:
    """Approve the recording's current mask set as the current user. The hash is read inside the same
    transaction as the approval is written, so what is pinned is exactly what was there. A user who edited the
    masks is refused, and the refusal is audited."""
    gov = library.gov
    refusal = None
    with gov.write() as s:
        role = gov.require(Action.APPROVE_REDACTION, "recording", recording_id, s=s)
        st = _status(library, s, recording_id)
        if not st.has_masks:
            refusal = "it has no masks to approve"
        elif gov.username in st.editors:
            refusal = (f"{gov.username} created or edited these masks; a mask set is approved by a second user "
                       f"who did not work on it")
        elif st.approved:
            refusal = f"this mask set is already {st.describe()}"
        if refusal:
            gov.record(s, "recording", recording_id, "masks.approve", outcome="refused",
                       details={"mask_sha256": st.current_sha256, "reason": refusal})
        else:
            submit(gov, "masks.approve", s.get(Recording, recording_id).sha256, "mask_approval", str(uuid7()),
                   {"mask_sha256": st.current_sha256, "role": role.value, "editors": sorted(st.editors)})
    if refusal:
        raise ReviewerError(f"recording {recording_id}: cannot approve: {refusal}")
    return status(library, recording_id)


@dataclass(frozen=True)
class ExportDecision:
    action: Action  # EXPORT_REDACTED only for an approved mask set
    role: Role
    approval: Approval | None

    @property
    def redacted(self) -> bool:
        return self.action is Action.EXPORT_REDACTED


def decide_export(library, recording_id: str, mask_set: MaskSet, purpose: str, details: dict) -> ExportDecision:
    """Which permission this export needs, checked (and a refusal audited) now. Trainers and disclosures need
    an approved mask set; anyone else exporting unapproved masks is making an unredacted copy, and needs that
    permission. `mask_set` is what will be exported: the approval must pin its hash."""
    gov = library.gov
    with gov.write() as s:
        st = _status(library, s, recording_id)
        approved = st.approved and st.current_sha256 == mask_set_hash(mask_set)
        role = gov.role(s)
        action = Action.EXPORT_REDACTED if approved else Action.EXPORT_UNREDACTED
        if has_masks(mask_set) and not approved and (role is Role.TRAINER or is_disclosure(purpose)):
            who = "a trainer" if role is Role.TRAINER else "a disclosure"
            raise ApprovalRequired(
                gov.username, role, Action.EXPORT_REDACTED, recording_id,
                f"export refused: {st.describe()}; {who} may only export a mask set approved by a second user "
                f"(reviewer masks approve {recording_id})",
                {**details, "mask_sha256": st.current_sha256, "approval_required": True})
        role = gov.require(action, "recording", recording_id, details, s=s)
    return ExportDecision(action, role, st.latest if approved else None)

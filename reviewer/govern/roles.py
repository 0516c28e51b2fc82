"""Roles and the permission matrix. Enforced in the core: the UI may hide a button, but the core refuses."""

from __future__ import annotations

import enum

from reviewer.errors import ReviewerError


class Role(str, enum.Enum):
    INVESTIGATOR = "investigator"
    PROFESSIONAL_STANDARDS = "professional_standards"
    TRAINER = "trainer"
    SUPERVISOR = "supervisor"
    # An OS account the library does not know: it may do nothing gated (not even view) until a supervisor
    # gives it a role. Never stored in users.role; parse_role refuses it.
    UNREGISTERED = "unregistered"


ASSIGNABLE = (Role.INVESTIGATOR, Role.PROFESSIONAL_STANDARDS, Role.TRAINER, Role.SUPERVISOR)


class Action(str, enum.Enum):
    VIEW = "view"
    BOOKMARK = "bookmark"
    CLIP = "clip"
    MARK_EVIDENTIAL = "mark_evidential"
    CLEAR_EVIDENTIAL = "clear_evidential"
    LEGAL_HOLD = "legal_hold"
    CHANGE_RETENTION = "change_retention"
    RUN_PURGE = "run_purge"
    EXPORT_UNREDACTED = "export_unredacted"
    REDACT = "redact"
    EXPORT_REDACTED = "export_redacted"
    SET_ROLE = "set_role"
    CONFIGURE = "configure"  # library-wide lists, e.g. the bookmark categories
    IMPORT = "import"
    APPROVE_REDACTION = "approve_redaction"  # the second pair of eyes on a mask set (never its author)
    # place recordings on an incident's clock (offsets, drift, accepting an audio alignment): what a composite
    # export shows side by side rests on it, so it is evidential work, not a trainer's (ADR 0019)
    ALIGN = "align"


_ALL = set(ASSIGNABLE)
_NOT_TRAINER = _ALL - {Role.TRAINER}
_SUPERVISOR = {Role.SUPERVISOR}

PERMISSIONS: dict[Action, set[Role]] = {
    Action.VIEW: _ALL,
    Action.BOOKMARK: _ALL,
    Action.CLIP: _ALL,
    Action.REDACT: _ALL,
    Action.EXPORT_REDACTED: _ALL,
    Action.MARK_EVIDENTIAL: _NOT_TRAINER,
    Action.EXPORT_UNREDACTED: _NOT_TRAINER,
    Action.IMPORT: _NOT_TRAINER,
    Action.APPROVE_REDACTION: _NOT_TRAINER,
    Action.ALIGN: _NOT_TRAINER,
    Action.CLEAR_EVIDENTIAL: _SUPERVISOR,
    Action.LEGAL_HOLD: _SUPERVISOR,
    Action.CHANGE_RETENTION: _SUPERVISOR,
    Action.RUN_PURGE: _SUPERVISOR,
    Action.SET_ROLE: _SUPERVISOR,
    Action.CONFIGURE: _SUPERVISOR,
}


class PermissionDenied(ReviewerError):
    def __init__(self, user: str, role: Role, action: Action, object_type: str = "", object_id: str = "",
                 details: dict | None = None):
        self.user, self.role, self.action = user, role, action
        # what was refused, for the audit event the refusal writes
        self.object_type, self.object_id, self.details = object_type, object_id, dict(details or {})
        self.audited = False  # set once the refusal is in the audit trail, so it is written exactly once
        what = action.value.replace('_', ' ')
        if role is Role.UNREGISTERED:
            super().__init__(f"permission denied: {user} is not a user of this library and may not {what}; a "
                             f"supervisor must give them a role first (reviewer user set-role {user} ROLE)")
        else:
            super().__init__(f"permission denied: {user} ({role.value}) may not {what}")


class GrantRefused(PermissionDenied):
    """Refused because the store's offline grant does not allow it now (expired, altered, signed out): the reason
    names what to do (ADR 0016)."""

    def __init__(self, user: str, role: Role, action: Action, object_type: str = "", object_id: str = "",
                 details: dict | None = None, *, reason: str):
        super().__init__(user, role, action, object_type, object_id, details)
        self.args = (f"{user} may not {action.value.replace('_', ' ')}: {reason}",)


def allowed(role: Role, action: Action) -> bool:
    return role in PERMISSIONS[action]

"""Bootstrap: a library's first supervisor is named explicitly (`reviewer admin init --supervisor USER`, or the
app's one-time question on a new library), and the naming is audited. Nobody becomes supervisor by opening a
library first. An OS account the library does not know may do nothing gated until a supervisor gives it a role.

`test_library` marks a new, empty library as a test library, the only kind in which REVIEWER_USER may act as
someone else. The mark is set at creation only: an existing library with footage can never become one.
"""

from __future__ import annotations

from sqlalchemy import func, select

from reviewer.errors import ReviewerError
from reviewer.govern.governance import TEST_LIBRARY, Governance
from reviewer.govern.identity import UserView, checked_username, default_display_name, user_view
from reviewer.govern.roles import Role
from reviewer.govern.state import with_state
from reviewer.library.models import Recording, utcnow
from reviewer.library.models_govern import AuditEvent, LibrarySetting, User


def initialise(gov: Governance, supervisor: str, *, test_library: bool = False) -> UserView:
    """Make `supervisor` the library's supervisor. Refused when it already has one (roles are then given by a
    supervisor, audited), and test_library is refused on a library that already holds footage or history."""
    name = checked_username(supervisor, "--supervisor")
    where = gov.paths.database
    with gov.write() as s:
        current = s.scalars(select(User.username).where(User.role == Role.SUPERVISOR.value,
                                                        User.deleted_at.is_(None))).all()
        if current:
            raise ReviewerError(f"{where}: this library already has a supervisor ({', '.join(current)}); a "
                                "supervisor gives roles with `reviewer user set-role`")
        rows: list = []
        if test_library and not gov.test_library:
            used = s.scalar(select(func.count()).select_from(Recording)) or s.scalar(
                select(func.count()).select_from(AuditEvent))
            if used:
                raise ReviewerError(f"{where}: only a new, empty library can be made a test library (this one "
                                    "already has recordings or audit history)")
            setting = LibrarySetting(key=TEST_LIBRARY, value="1", set_at=utcnow(), set_by=gov.actor)
            s.add(setting)
            rows.append(setting)
        user = s.scalar(select(User).where(User.username == name))
        if user is None:
            user = User(username=name, display_name=default_display_name(name), role=Role.SUPERVISOR.value,
                        updated_by=gov.actor)
            s.add(user)
        else:  # a library whose supervisors were all removed (or an old install without one)
            user.role, user.deleted_at = Role.SUPERVISOR.value, None
            user.touch(gov.actor)
        s.flush()
        rows.insert(0, user)
        gov.record(s, "user", user.id, "library.init", details=with_state(
            {"supervisor": name, "test_library": test_library or gov.test_library}, *rows))
        gov.notify("users_changed", {})
        view = user_view(user)
    if test_library:
        gov.test_library = True
    return view


def adopt_state(gov: Governance, reason: str) -> int:
    """A supervisor accepts the governed rows as they stand (a library from before state was recorded, or one
    repaired by hand): one audited event carrying each unbacked row's state, with the reason. Returns how many
    rows it adopted. Rows deleted outside the app cannot be adopted; they stay reported."""
    from reviewer.govern.justification import clean_reason
    from reviewer.govern.replay import unbacked_rows
    from reviewer.govern.roles import Action

    reason = clean_reason(reason, "reason for adopting the current state", required=True)
    with gov.gate(Action.CONFIGURE, "library", "", "state.adopt", justification=reason) as g:
        rows = unbacked_rows(g.session)
        g.details.update(with_state({"rows": len(rows)}, *rows) if rows else {"rows": 0})
    return len(rows)

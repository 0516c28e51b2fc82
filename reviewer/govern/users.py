"""Users of a library and their roles. Setting a role needs a supervisor; the first supervisor is made only by
`reviewer admin init` (bootstrap.py). Every change carries the user row's resulting state (state.py)."""

from __future__ import annotations

from sqlalchemy import func, select

from reviewer.errors import NotFound, ReviewerError
from reviewer.govern.gated import gated, read_only, ungated
from reviewer.govern.governance import Governance
from reviewer.govern.identity import UserView, default_display_name, parse_role, user_view
from reviewer.govern.justification import clean_reason
from reviewer.govern.roles import Action, Role
from reviewer.govern.state import with_state
from reviewer.library.models_govern import User


class Users:
    def __init__(self, gov: Governance):
        self.gov = gov

    @read_only
    def list(self) -> list[UserView]:
        with self.gov.sessions() as s:
            rows = s.scalars(select(User).where(User.deleted_at.is_(None)).order_by(User.username)).all()
            return [user_view(r) for r in rows]

    @read_only
    def get(self, username: str) -> UserView:
        with self.gov.sessions() as s:
            row = s.scalar(select(User).where(User.username == username, User.deleted_at.is_(None)))
            if row is None:
                raise NotFound(f"no user {username!r} in this library")
            return user_view(row)

    @gated(Action.SET_ROLE)
    def set_role(self, username: str, role: Role | str, reason: str | None = None) -> UserView:
        """Give `username` a role (creating the user if they have not used the library yet)."""
        role = role if isinstance(role, Role) else parse_role(role)
        username = username.strip()
        if not username:
            raise ReviewerError("no user name given")
        reason = clean_reason(reason)
        gov = self.gov
        with gov.write() as s:
            gov.require(Action.SET_ROLE, "user", username, {"role": role.value}, s=s)
            supervisors = s.scalar(select(func.count()).select_from(User).where(
                User.role == Role.SUPERVISOR.value, User.deleted_at.is_(None)))
            row = s.scalar(select(User).where(User.username == username))
            if row is not None and row.role == Role.SUPERVISOR.value and role != Role.SUPERVISOR \
                    and supervisors == 1 and row.deleted_at is None:
                raise ReviewerError(f"{username} is the library's only supervisor; make someone else supervisor "
                                    "first (without one, nobody could give roles)")
            old = None
            if row is None:
                row = User(username=username, display_name=default_display_name(username), role=role.value,
                           updated_by=gov.actor)
                s.add(row)
            else:
                old = None if row.deleted_at is not None else row.role
                row.role, row.deleted_at = role.value, None
                row.touch(gov.actor)
            s.flush()
            gov.record(s, "user", row.id, "user.set_role", justification=reason, details=with_state(
                {"username": username, "role": role.value, "previous_role": old}, row))
            gov.notify("users_changed", {})
            return user_view(row)

    @ungated("a user changes only their own display name (audited)")
    def set_display_name(self, display_name: str) -> UserView:
        """The current user's own display name."""
        name = " ".join(display_name.split())
        if not name or len(name) > 200:
            raise ReviewerError("a display name needs 1 to 200 characters")
        gov = self.gov
        with gov.write() as s:
            row = gov._user_row(s)
            if row is None:
                raise ReviewerError(f"{gov.username} is not a user of this library yet: a supervisor must give you "
                                    "a role first")
            old, row.display_name = row.display_name, name
            row.touch(gov.actor)
            gov.record(s, "user", row.id, "user.set_display_name", details=with_state({"from": old, "to": name}, row))
            gov.notify("users_changed", {})
            return user_view(row)

"""Who is at the keyboard: the OS user by default, REVIEWER_USER to override (tests, scripted multi-user runs).

The local identity is what the operating system says, not a password login: the workstation's own sign-in is
the authentication, and the role recorded in the library is the authorisation.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re
from dataclasses import dataclass

from reviewer.errors import ReviewerError
from reviewer.govern.roles import Role

USER_ENV = "REVIEWER_USER"
_USERNAME = re.compile(r"^[A-Za-z0-9._@\\-]{1,200}$")


def current_username() -> str:
    name = os.environ.get(USER_ENV) or getpass.getuser()
    name = name.strip()
    if not _USERNAME.match(name):
        raise ReviewerError(f"user name {name!r} (from {USER_ENV} or the OS) is not usable: letters, digits and "
                            "._@\\- only, at most 200 characters")
    return name


def default_display_name(username: str) -> str:
    """The full name the OS knows (the GECOS field on POSIX), else the user name itself."""
    if username != os.environ.get(USER_ENV):
        try:
            import pwd

            gecos = pwd.getpwnam(username).pw_gecos.split(",")[0].strip()
            if gecos:
                return gecos
        except (ImportError, KeyError):
            pass
    return username


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower().replace(" ", "_").replace("-", "_"))
    except ValueError:
        raise ReviewerError(f"unknown role {text!r}: choose one of {', '.join(r.value for r in Role)}") from None


@dataclass(frozen=True)
class UserView:
    id: str
    username: str
    display_name: str
    role: Role
    created_at: dt.datetime
    updated_at: dt.datetime
    updated_by: str

    def to_json(self) -> dict:
        return {"id": self.id, "username": self.username, "display_name": self.display_name,
                "role": self.role.value, "created_at": self.created_at.isoformat(),
                "updated_at": self.updated_at.isoformat(), "updated_by": self.updated_by}


def user_view(row) -> UserView:
    return UserView(row.id, row.username, row.display_name, Role(row.role), row.created_at, row.updated_at,
                    row.updated_by)

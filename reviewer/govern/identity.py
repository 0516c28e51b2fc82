"""Who is at the keyboard: the OS account. REVIEWER_USER may name someone else only in a test library.

The local identity is what the operating system says, not a password login: the workstation's own sign-in is
the authentication, and the role recorded in the library is the authorisation. REVIEWER_USER (tests, scripted
multi-user runs) is honoured only in a library created as a test library; anywhere else it is refused, never
silently ignored, and every audit event records the real OS account beside the name acted as.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re
from dataclasses import dataclass
from pathlib import Path

from reviewer.errors import ReviewerError
from reviewer.govern.roles import ASSIGNABLE, Role

USER_ENV = "REVIEWER_USER"
_USERNAME = re.compile(r"^[A-Za-z0-9._@\\-]{1,200}$")


def checked_username(name: str, source: str) -> str:
    name = name.strip()
    if not _USERNAME.match(name):
        raise ReviewerError(f"user name {name!r} (from {source}) is not usable: letters, digits and ._@\\- only, "
                            "at most 200 characters")
    return name


def os_account() -> str:
    """The account the operating system says is running this process: on POSIX from the process's real user id,
    not from $USER or $LOGNAME (getpass.getuser() reads those first, and anyone can set them)."""
    try:
        import pwd
    except ImportError:  # Windows: the logon name
        return checked_username(getpass.getuser(), "the OS")
    try:
        return checked_username(pwd.getpwuid(os.getuid()).pw_name, "the OS")
    except KeyError:  # a uid without a passwd entry (some containers): the number is still the truth
        return f"uid{os.getuid()}"


def override() -> str | None:
    return (os.environ.get(USER_ENV) or "").strip() or None


def resolve_username(test_library: bool, database: Path) -> str:
    """The name this process acts as in the library at `database`."""
    name = override()
    account = os_account()
    if name is None or name == account:  # naming yourself is not acting as someone else
        return account
    if not test_library:
        raise ReviewerError(f"{database}: {USER_ENV}={name} refused: acting as another user is allowed only in a "
                            f"test library (made with `reviewer admin init --test-library`); unset {USER_ENV} to "
                            f"act as your OS account {account}")
    return checked_username(name, USER_ENV)


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
        role = Role(text.strip().lower().replace(" ", "_").replace("-", "_"))
    except ValueError:
        role = None
    if role not in ASSIGNABLE:
        raise ReviewerError(f"unknown role {text!r}: choose one of {', '.join(r.value for r in ASSIGNABLE)}")
    return role


@dataclass(frozen=True)
class UserView:
    id: str
    username: str
    display_name: str
    role: Role
    created_at: dt.datetime | None  # None for an OS account the library does not know (Role.UNREGISTERED)
    updated_at: dt.datetime | None
    updated_by: str

    def to_json(self) -> dict:
        iso = lambda t: t.isoformat() if t else None  # noqa: E731
        return {"id": self.id, "username": self.username, "display_name": self.display_name,
                "role": self.role.value, "created_at": iso(self.created_at),
                "updated_at": iso(self.updated_at), "updated_by": self.updated_by}


def user_view(row) -> UserView:
    return UserView(row.id, row.username, row.display_name, Role(row.role), row.created_at, row.updated_at,
                    row.updated_by)


def unregistered_view(username: str) -> UserView:
    return UserView("", username, default_display_name(username), Role.UNREGISTERED, None, None, "")

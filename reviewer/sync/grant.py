"""Who the user is and what they may do in a library linked to a store: the signed offline grant (ADR 0016).

In a linked library the local users table is not the authority. The role is the one in the latest grant the
store signed for this workstation, and the grant's signature is checked against the store's pinned key each time
it is read. So editing the SQLite file (the users table, the grant's role, its expiry) changes nothing but the
message the user gets. Past its expiry the library is read-only: viewing stays allowed, every other gated action
is refused (and audited by the gate) until the workstation reconnects. An unlinked library has no authority
here and keeps its local users table.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from reviewer.errors import ReviewerError
from reviewer.govern.audit import parse_at
from reviewer.govern.identity import checked_username
from reviewer.govern.roles import ASSIGNABLE, Role
from reviewer.library.models_govern import AuditEvent
from reviewer.store.grant_format import Grant, GrantError, format_time, verify_grant

# library_settings keys of the link (written by link.py, in one audited transaction)
URL, KEYS, USER, GRANT = "sync.store_url", "sync.store_keys", "sync.user", "sync.grant"
LINK_EVENT_TYPE = "store_link"  # object_type of the audit events of linking, signing in and out
CLOCK_TOLERANCE = dt.timedelta(minutes=5)
SIGN_IN_AGAIN = "sign in again (reviewer sync login URL --code CODE)"


@dataclass(frozen=True)
class Authority:
    """What the store's grant says now. `problem` set: only viewing is allowed (and nothing at all when `role` is
    UNREGISTERED), and `problem` is the refusal's reason."""

    url: str | None
    user: str | None
    role: Role
    expires_at: dt.datetime | None
    problem: str | None
    grant: Grant | None = None


# One plain statement: this runs on every permission check and audit event, so it must cost next to nothing in
# an unlinked library. The second part says whether the trail holds a link event (indexed by object type).
_READ = text("SELECT key, value FROM library_settings WHERE key IN (:url, :keys, :user, :grant) "
             "UNION ALL SELECT '', '' FROM (SELECT 1 FROM audit_events WHERE object_type = :link LIMIT 1)")


def _settings(s: Session) -> tuple[dict[str, str], bool]:
    """(the link's rows, whether a link event exists)."""
    rows = s.execute(_READ, {"url": URL, "keys": KEYS, "user": USER, "grant": GRANT,
                             "link": LINK_EVENT_TYPE}).all()
    return {k: v for k, v in rows if k}, any(not k for k, _v in rows)


@functools.lru_cache(maxsize=64)
def _checked(grant_text: str, keys_text: str, workstation: str) -> Grant | str:
    """Pure in its arguments, so caching it is the same as verifying on every read: any change to the grant or
    to the pinned keys is a different key here."""
    try:
        return verify_grant(json.loads(grant_text), json.loads(keys_text), workstation)
    except GrantError as exc:
        return str(exc)
    except (ValueError, TypeError):
        return "the offline grant is malformed (not JSON)"


def _role(name: str) -> Role:
    try:
        role = Role(name)
    except ValueError:
        return Role.UNREGISTERED
    return role if role in ASSIGNABLE else Role.UNREGISTERED


def authority(s: Session, workstation: str, now: dt.datetime | None = None) -> Authority | None:
    """None for a library that was never linked to a store (today's local authority)."""
    st, link_event = _settings(s)
    url = st.get(URL)
    if url is None:
        # Linking is never undone by the app, so a link event without the link means rows were removed by hand:
        # refuse rather than fall back to the users table anyone with the file can edit.
        if not link_event:
            return None
        return Authority(None, None, Role.UNREGISTERED, None, "this library was linked to a store but its link "
                         f"was removed outside the app; {SIGN_IN_AGAIN}")
    if not st.get(GRANT):  # signing out empties it
        return Authority(url, st.get(USER), Role.UNREGISTERED, None,
                         f"signed out of the store {url}; {SIGN_IN_AGAIN}")
    checked = _checked(st[GRANT], st.get(KEYS, "{}"), workstation)
    if isinstance(checked, str):
        return Authority(url, st.get(USER), Role.UNREGISTERED, None, f"{checked}; {SIGN_IN_AGAIN}")
    g = checked
    try:  # the name every audit event and operation will carry; the store allows names this library cannot take
        checked_username(g.user, "the store's grant")
    except ReviewerError as exc:
        return Authority(url, g.user, Role.UNREGISTERED, g.expires_at, str(exc))
    role = _role(g.role)
    if role is Role.UNREGISTERED:
        return Authority(url, g.user, role, g.expires_at, f"the store's role {g.role!r} may not use a workstation",
                         g)
    now = now or dt.datetime.now(dt.timezone.utc)
    if g.expired(now):
        return Authority(url, g.user, role, g.expires_at,
                         f"offline grant expired at {format_time(g.expires_at)}; reconnect to the store", g)
    behind = _clock_behind(s, g, now)
    if behind:
        return Authority(url, g.user, role, g.expires_at, f"this computer's clock ({format_time(now)}) is behind "
                         f"{behind}, so the offline grant's expiry cannot be trusted; reconnect to the store", g)
    return Authority(url, g.user, role, g.expires_at, None, g)


def _clock_behind(s: Session, g: Grant, now: dt.datetime) -> str | None:
    """Setting the clock back must not stretch a grant: now may not be before the grant was issued, nor before the
    last audit event this library wrote (both beyond a tolerance for ordinary clock corrections)."""
    if now < g.issued_at - CLOCK_TOLERANCE:
        return f"the grant's issue time ({format_time(g.issued_at)})"
    text_at = s.scalar(select(AuditEvent.at).order_by(AuditEvent.seq.desc()).limit(1))
    try:
        last = parse_at(text_at) if text_at else None
    except ValueError:
        return None  # an edited event: the chain check names it
    if last is not None and now < last - CLOCK_TOLERANCE:
        return f"the last audit event ({format_time(last)})"
    return None

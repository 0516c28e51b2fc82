"""Markers on the core's public operations, saying how each one stands to the gate.

Every public method of the core's services (and the export functions) carries exactly one marker, and
tests/core/test_gate.py fails when one does not. The markers change nothing at run time; the same test calls each
`gated` operation as a role that lacks its action and checks that it is refused with a "refused" audit event,
so a marker cannot claim a check the code does not make.

- `@gated(Action.X, ...)`: reveals footage or changes governed state; passes Governance.gate / write + require
  for one of these actions and writes its audit event in the same transaction.
- `@read_only`: reads library rows only (no footage, no state change).
- `@ungated("why")`: neither of the above for a stated reason (subscribing to events, closing, a user's own
  display name).
"""

from __future__ import annotations

from typing import Callable, TypeVar

from reviewer.govern.roles import Action

F = TypeVar("F", bound=Callable)
MARK = "__gate__"


def gated(*actions: Action) -> Callable[[F], F]:
    if not actions or not all(isinstance(a, Action) for a in actions):
        raise TypeError("gated() takes the Action(s) the operation is checked against")

    def mark(fn: F) -> F:
        setattr(fn, MARK, ("gated", actions))
        return fn

    return mark


def read_only(fn: F) -> F:
    setattr(fn, MARK, ("read_only", ()))
    return fn


def ungated(why: str) -> Callable[[F], F]:
    if not why.strip():
        raise TypeError("ungated() needs the reason the operation needs no gate")

    def mark(fn: F) -> F:
        setattr(fn, MARK, ("ungated", why))
        return fn

    return mark


def marker(fn) -> tuple[str, object] | None:
    return getattr(fn, MARK, None)

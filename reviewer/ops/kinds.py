"""The registry of operation kinds: each kind's name, the Action its author's role must allow, and the function
that applies it. One table, read by the workstation's apply() and by the store, which refuses a push of a kind
the caller's role may not perform (so a workstation can trust the role the store vouched for).

Kinds register from the module that owns their rows (e.g. reviewer/annotate/bookmark_ops.py) with `@kind`;
HANDLER_MODULES lists those modules so that loading the registry loads every kind.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from reviewer.errors import ReviewerError
from reviewer.govern.roles import Action, Role, allowed

if TYPE_CHECKING:
    from reviewer.ops.context import OpContext

HANDLER_MODULES = (
    "reviewer.annotate.bookmark_ops",
    "reviewer.annotate.clip_ops",
    "reviewer.annotate.evidential_ops",
    "reviewer.govern.hold_ops",
    "reviewer.redact.mask_ops",
    "reviewer.incident.offset_ops",
)


@dataclass(frozen=True)
class Kind:
    name: str
    action: Action
    apply: Callable[["OpContext"], object]
    needs_recording: bool = True  # scope is a recording that must be in this library to apply


_KINDS: dict[str, Kind] = {}
_loaded = False


class UnknownKind(ReviewerError):
    pass


def kind(name: str, action: Action, needs_recording: bool = True):
    def register(fn):
        if name in _KINDS and _KINDS[name].apply is not fn:
            raise RuntimeError(f"operation kind {name} registered twice")
        _KINDS[name] = Kind(name, action, fn, needs_recording)
        return fn
    return register


def load() -> dict[str, Kind]:
    global _loaded
    if not _loaded:
        for mod in HANDLER_MODULES:
            importlib.import_module(mod)
        _loaded = True
    return _KINDS


def get(name: str) -> Kind:
    k = load().get(name)
    if k is None:
        raise UnknownKind(f"unknown operation kind {name!r} (this version of BWV Reviewer cannot apply it)")
    return k


def role_may(role: str, kind_name: str) -> bool:
    """For the store: may a caller with `role` perform `kind_name`? Unknown kinds and roles: no."""
    try:
        return allowed(Role(role), get(kind_name).action)
    except (ValueError, UnknownKind):
        return False

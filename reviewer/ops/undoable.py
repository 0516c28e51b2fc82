"""Undo over operations: a change made now and pushed on the library's one UndoStack (gov.undo), whose undo and
redo are inverse operations made through the same path (permission-checked, audited, synced). Shared by the
annotation services and the incident clock."""

from __future__ import annotations

from typing import Callable, TypeVar

from reviewer.annotate.undo import Command
from reviewer.ops.apply import MISSING, head_of

T = TypeVar("T")


def push_undoable(gov, name: str, first: Callable[[], T], redo: Callable[..., object], undo: Callable[..., object],
                  merge_key: object | None = None, entity: tuple[str, str] | None = None) -> T:
    """Run `first` now; later redos run `redo` (e.g. restore a tombstone instead of creating it again).
    With `entity` (type, id), undo and redo are inverse operations that expect the entity as this stack last
    left it (`expect=` its head): a change that arrived from elsewhere in between makes them refuse
    (StaleRevision) instead of silently overwriting it."""
    heads: dict = gov.undo_heads  # entity -> its head after the stack's last change to it (one per library)
    state: dict = {"done": False}

    def mark() -> None:
        if entity is not None:
            heads[entity] = head_of(gov, *entity)

    def guarded(fn):
        return (lambda: fn(expect=heads.get(entity, MISSING))) if entity is not None else fn

    def do() -> None:
        if state["done"]:
            guarded(redo)()
        else:
            state["result"] = first()
            state["done"] = True
        mark()

    def back() -> None:
        guarded(undo)()
        mark()

    gov.undo.push(Command(name, do, back, merge_key))
    return state["result"]


def push_undoable_together(gov, name: str, first: Callable[[], T], redo: Callable[..., object],
                           undo: Callable[..., object], entities: list[tuple[str, str]]) -> T:
    """One undo step over several entities changed together (a grid bookmark: one bookmark per camera). `first`
    runs now; redo and undo run `redo(entity, expect=...)` / `undo(entity, expect=...)` for every entity in one
    write transaction, so either all of them change or none does (a change that arrived from elsewhere on any one
    makes the whole step refuse, as push_undoable does for one)."""
    heads: dict = gov.undo_heads
    state: dict = {"done": False}

    def mark() -> None:
        for entity in entities:
            heads[entity] = head_of(gov, *entity)

    def each(fn) -> None:
        with gov.write():
            for entity in entities:
                fn(entity, expect=heads.get(entity, MISSING))

    def do() -> None:
        if state["done"]:
            each(redo)
        else:
            with gov.write():
                state["result"] = first()
            state["done"] = True
        mark()

    def back() -> None:
        each(undo)
        mark()

    gov.undo.push(Command(name, do, back))
    return state["result"]

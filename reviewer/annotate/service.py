"""Annotations: the undoable entry points for bookmarks, clips, evidential marks and legal holds.

Each method makes the edit now (committed, permission-checked, audited) and pushes a Command on the library's
one UndoStack (library.gov.undo). Undo makes the inverse edit through the same path, so it is itself persisted,
permission-checked and audited ("via": "undo" in its details). Undoing a mark is clearing it, which needs a
supervisor like any clearing: for anyone else the undo is refused, audited, and stays on the stack.

Reads go straight to the stores: `bookmarks.list(...)`, `clips.list(...)`, `evidential.list(...)`, `holds.list(...)`.
"""

from __future__ import annotations

import uuid
from typing import Callable, TypeVar

from reviewer.annotate.bookmarks import BookmarkStore
from reviewer.annotate.clips import ClipStore
from reviewer.annotate.evidential import EvidentialStore
from reviewer.annotate.views import BookmarkView, ClipView, EvidentialMarkView, HoldView
from reviewer.errors import ReviewerError
from reviewer.govern.gated import gated, ungated
from reviewer.govern.holds import HoldStore
from reviewer.govern.roles import Action
from reviewer.ops.undoable import push_undoable, push_undoable_together

T = TypeVar("T")
UNDO_CLEAR_REASON = "undo of marking evidential"
UNDO_RELEASE_REASON = "undo of setting the legal hold"


class Annotations:
    def __init__(self, library):
        self.library = library
        self.gov = library.gov
        self.undo = self.gov.undo
        self.bookmarks = BookmarkStore(self.gov)
        self.clips = ClipStore(self.gov)
        self.evidential = EvidentialStore(self.gov)
        self.holds = HoldStore(self.gov)

    @ungated("subscribing to change events")
    def subscribe(self, callback) -> None:
        """("bookmarks_changed" | "clips_changed" | "evidential_changed" | "holds_changed", {"recording_id", "id"})
        and ("audit_appended", {"seq"}); on the emitting thread."""
        self.gov.subscribe(callback)

    @ungated("subscribing to change events")
    def unsubscribe(self, callback) -> None:
        self.gov.unsubscribe(callback)

    def _push(self, name: str, first: Callable[[], T], redo: Callable[..., object], undo: Callable[..., object],
              merge_key: object | None = None, entity: tuple[str, str] | None = None) -> T:
        """See reviewer.ops.undoable.push_undoable."""
        return push_undoable(self.gov, name, first, redo, undo, merge_key, entity)

    def _push_edit(self, name: str, update, object_id: str, fields: dict, merge_key: object | None,
                   entity_type: str | None = None):
        """An edit whose undo writes back the values the first run replaced."""
        before: dict = {}

        def first():
            old, view = update(object_id, **fields)
            before.update(old)
            return view

        return self._push(name, first, lambda **kw: update(object_id, via="redo", **kw, **fields),
                          lambda **kw: update(object_id, via="undo", **kw, **before), merge_key,
                          (entity_type, object_id) if entity_type else None)

    # ---- bookmarks ------------------------------------------------------------------------------------------
    @gated(Action.BOOKMARK)
    def add_bookmark(self, recording_id: str, pts: int, title: str, note: str = "",
                     category: str = "other") -> BookmarkView:
        bid = str(uuid.uuid4())
        return self._push(f"add bookmark {title!r}",
                          lambda: self.bookmarks.create(bid, recording_id, pts, title, note, category),
                          lambda **kw: self.bookmarks.restore(bid, via="redo", **kw),
                          lambda **kw: self.bookmarks.delete(bid, via="undo", **kw), entity=("bookmark", bid))

    @gated(Action.BOOKMARK)
    def add_incident_bookmark(self, frames: list[tuple[str, int]], incident_us: int, title: str, note: str = "",
                              category: str = "other") -> list[BookmarkView]:
        """A bookmark made in the multi-camera grid: one bookmark per camera at the frame it showed, `frames` as
        (recording id, pts), sharing a group id and the incident time. Made in one transaction, undone in one step,
        each an ordinary bookmark.create operation (so it syncs, and each recording's own view lists it)."""
        if not frames:
            raise ReviewerError("no camera shows footage at this time: nothing to bookmark")
        group = str(uuid.uuid4())
        made = [(str(uuid.uuid4()), rid, pts) for rid, pts in frames]
        return push_undoable_together(
            self.gov, f"add bookmark {title!r} on {len(made)} cameras",
            lambda: [self.bookmarks.create(bid, rid, pts, title, note, category, group, incident_us)
                     for bid, rid, pts in made],
            lambda e, **kw: self.bookmarks.restore(e[1], via="redo", **kw),
            lambda e, **kw: self.bookmarks.delete(e[1], via="undo", **kw),
            [("bookmark", bid) for bid, _rid, _pts in made])

    @gated(Action.BOOKMARK)
    def edit_bookmark(self, bookmark_id: str, merge_key: object | None = None, **fields) -> BookmarkView:
        """Fields: pts, title, note, category."""
        return self._push_edit("edit bookmark", self.bookmarks.update, self.bookmarks.get(bookmark_id).id, fields,
                               merge_key, "bookmark")

    @gated(Action.BOOKMARK)
    def delete_bookmark(self, bookmark_id: str) -> None:
        bid = self.bookmarks.get(bookmark_id).id
        self._push("delete bookmark", lambda: self.bookmarks.delete(bid),
                   lambda **kw: self.bookmarks.delete(bid, via="redo", **kw),
                   lambda **kw: self.bookmarks.restore(bid, via="undo", **kw), entity=("bookmark", bid))

    # ---- clips ----------------------------------------------------------------------------------------------
    @gated(Action.CLIP)
    def add_clip(self, recording_id: str, in_pts: int, out_pts: int, name: str, purpose: str) -> ClipView:
        cid = str(uuid.uuid4())
        return self._push(f"add clip {name!r}",
                          lambda: self.clips.create(cid, recording_id, in_pts, out_pts, name, purpose),
                          lambda **kw: self.clips.restore(cid, via="redo", **kw),
                          lambda **kw: self.clips.delete(cid, via="undo", **kw), entity=("clip", cid))

    @gated(Action.CLIP)
    def edit_clip(self, clip_id: str, merge_key: object | None = None, **fields) -> ClipView:
        """Fields: name, in_pts, out_pts, purpose. Give a merge_key for the steps of one drag."""
        return self._push_edit("edit clip", self.clips.update, self.clips.get(clip_id).id, fields, merge_key,
                               "clip")

    @gated(Action.CLIP)
    def delete_clip(self, clip_id: str) -> None:
        cid = self.clips.get(clip_id).id
        self._push("delete clip", lambda: self.clips.delete(cid),
                   lambda **kw: self.clips.delete(cid, via="redo", **kw),
                   lambda **kw: self.clips.restore(cid, via="undo", **kw), entity=("clip", cid))

    # ---- evidential marks -----------------------------------------------------------------------------------
    @gated(Action.MARK_EVIDENTIAL)
    def mark_evidential(self, recording_id: str, reference: str, reason: str, category: str = "other",
                        clip_id: str | None = None) -> EvidentialMarkView:
        mid = str(uuid.uuid4())
        return self._push("mark evidential",
                          lambda: self.evidential.mark(mid, recording_id, reference, reason, category, clip_id),
                          lambda **kw: self.evidential.reinstate(mid, via="redo", **kw),
                          lambda **kw: self.evidential.clear(mid, UNDO_CLEAR_REASON, via="undo", **kw),
                          entity=("evidential_mark", mid))

    @gated(Action.CLEAR_EVIDENTIAL)
    def clear_evidential(self, mark_id: str, reason: str) -> EvidentialMarkView:
        mid = self.evidential.get(mark_id).id
        return self._push("clear evidential mark", lambda: self.evidential.clear(mid, reason),
                          lambda **kw: self.evidential.clear(mid, reason, via="redo", **kw),
                          lambda **kw: self.evidential.reinstate(mid, via="undo", **kw),
                          entity=("evidential_mark", mid))

    # ---- legal holds ----------------------------------------------------------------------------------------
    @gated(Action.LEGAL_HOLD)
    def set_hold(self, recording_id: str, reason: str) -> HoldView:
        hid = str(uuid.uuid4())
        return self._push("set legal hold", lambda: self.holds.set(hid, recording_id, reason),
                          lambda **kw: self.holds.reinstate(hid, via="redo", **kw),
                          lambda **kw: self.holds.release(recording_id, UNDO_RELEASE_REASON, via="undo", hold_id=hid,
                                                          **kw),
                          entity=("legal_hold", hid))

    @gated(Action.LEGAL_HOLD)
    def release_hold(self, recording_id: str, reason: str) -> HoldView:
        hold = self.holds.active_for(recording_id)
        hid = hold.id if hold is not None else ""
        return self._push("release legal hold", lambda: self.holds.release(recording_id, reason),
                          lambda **kw: self.holds.release(recording_id, reason, via="redo", hold_id=hid or None, **kw),
                          lambda **kw: self.holds.reinstate(hid, via="undo", **kw),
                          entity=("legal_hold", hid) if hid else None)

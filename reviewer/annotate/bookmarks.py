"""Bookmarks and their configurable categories. Each write checks the permission and is audited in the same
transaction; deleting leaves a tombstone. The undoable entry points are in annotate.service.Annotations."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from reviewer.annotate.bookmark_ops import FIELDS, clean, clean_group
from reviewer.annotate.records import changes, live_recording, resolve, text
from reviewer.annotate.views import BookmarkView
from reviewer.errors import NotFound, ReviewerError
from reviewer.govern.gated import gated, read_only
from reviewer.govern.governance import Governance
from reviewer.govern.roles import Action
from reviewer.library.models import utcnow
from reviewer.ops.apply import MISSING, submit
from reviewer.library.models_govern import Bookmark, BookmarkCategory
from reviewer.safe_text import csv_text

DEFAULT_CATEGORIES = ("use of force", "allegation", "evidence", "training example", "other")
EXPORT_COLUMNS = ("id", "recording_id", "frame", "pts", "media_time", "camera_time", "title", "note", "category",
                  "author", "created_at", "updated_at", "updated_by", "revision")


# a view's columns, in BookmarkView's order (the view says only whether deleted_at is set)
VIEW_COLUMNS = (Bookmark.id, Bookmark.recording_id, Bookmark.pts, Bookmark.title, Bookmark.note, Bookmark.category,
                Bookmark.author, Bookmark.created_at, Bookmark.updated_at, Bookmark.updated_by, Bookmark.revision,
                Bookmark.deleted_at, Bookmark.group_id, Bookmark.incident_us)


def view_of(b: Bookmark) -> BookmarkView:
    return BookmarkView(b.id, b.recording_id, b.pts, b.title, b.note, b.category, b.author, b.created_at,
                        b.updated_at, b.updated_by, b.revision, b.deleted_at is not None, b.group_id, b.incident_us)


def _view_of_row(r) -> BookmarkView:
    return BookmarkView(*r[:11], r[11] is not None, *r[12:])


class BookmarkStore:
    def __init__(self, gov: Governance):
        self.gov = gov

    # ---- reading --------------------------------------------------------------------------------------------
    @read_only
    def list(self, recording_id: str | None = None, category: str | None = None, text_filter: str | None = None,
             author: str | None = None, include_deleted: bool = False) -> list[BookmarkView]:
        """In frame order. `text_filter` matches words in the title or note (case-insensitive)."""
        # plain columns, not ORM objects: a sync re-reads thousands a page, and objects the session keeps until
        # it closes outlive the young collections, so each re-read set off a full collection (which holds the
        # GIL, and so stalls the UI, for as long as it walks the heap)
        q = select(*VIEW_COLUMNS)
        if recording_id:
            q = q.where(Bookmark.recording_id == recording_id)
        if category:
            q = q.where(Bookmark.category == category)
        if author:
            q = q.where(Bookmark.author == author)
        if not include_deleted:
            q = q.where(Bookmark.deleted_at.is_(None))
        for word in (text_filter or "").split():
            pattern = f"%{word}%"
            q = q.where(Bookmark.title.ilike(pattern) | Bookmark.note.ilike(pattern))
        with self.gov.sessions() as s:
            return [_view_of_row(r) for r in s.execute(q.order_by(Bookmark.recording_id, Bookmark.pts, Bookmark.id))]

    @read_only
    def of_ids(self, ids) -> list[BookmarkView]:
        """These bookmarks as they are now, deleted ones included (their `deleted` says so); ids not found are
        left out. A window that lists thousands re-reads only those a change named."""
        ids = list(ids)
        out: list[BookmarkView] = []
        with self.gov.sessions() as s:
            for start in range(0, len(ids), 500):
                q = select(*VIEW_COLUMNS).where(Bookmark.id.in_(ids[start:start + 500]))
                out.extend(_view_of_row(r) for r in s.execute(q))
        return out

    @read_only
    def get(self, bookmark_id: str, include_deleted: bool = False) -> BookmarkView:
        with self.gov.sessions() as s:
            return view_of(resolve(s, Bookmark, bookmark_id, "bookmark", include_deleted))

    @read_only
    def categories(self) -> list[str]:
        with self.gov.sessions() as s:
            return list(s.scalars(select(BookmarkCategory.name).where(BookmarkCategory.deleted_at.is_(None))
                                  .order_by(BookmarkCategory.position, BookmarkCategory.name)))

    def _category(self, s, name: str) -> str:
        name = text(name, "category", 100).lower()
        live = s.scalars(select(BookmarkCategory.name).where(BookmarkCategory.deleted_at.is_(None))).all()
        if name not in live:
            raise ReviewerError(f"unknown bookmark category {name!r}: choose one of {', '.join(sorted(live))}")
        return name

    # ---- writing (each one operation through reviewer.ops.apply.submit) --------------------------------------
    def _submit(self, kind: str, bookmark_id: str, payload: dict, via: str | None, expect=MISSING,
                recording_id: str | None = None) -> BookmarkView:
        gov = self.gov
        with gov.write() as s:
            if recording_id is None:
                b = resolve(s, Bookmark, bookmark_id, "bookmark", include_deleted=True)
                bookmark_id, recording_id = b.id, b.recording_id
            gov.require(Action.BOOKMARK, "bookmark", bookmark_id, {"recording_id": recording_id}, s=s)
            sha = live_recording(s, recording_id).sha256
            ch = submit(gov, kind, sha, "bookmark", bookmark_id, payload, expect=expect,
                        audit={"via": via} if via else None)
            return view_of(ch.result)

    @gated(Action.BOOKMARK)
    def create(self, bookmark_id: str, recording_id: str, pts: int, title: str, note: str = "",
               category: str = "other", group_id: str | None = None,
               incident_us: int | None = None) -> BookmarkView:
        """`group_id` and `incident_us`: one camera's bookmark of a bookmark made in the multi-camera grid."""
        with self.gov.write() as s:
            self.gov.require(Action.BOOKMARK, "bookmark", bookmark_id, {"recording_id": recording_id}, s=s)
            fields = clean({"pts": pts, "title": title, "note": note, "category": category},
                           lambda c: self._category(s, c))
            fields |= clean_group({"group_id": group_id, "incident_us": incident_us})
            return self._submit("bookmark.create", bookmark_id, fields, None, recording_id=recording_id)

    @gated(Action.BOOKMARK)
    def update(self, bookmark_id: str, via: str | None = None, expect=MISSING,
               **fields) -> tuple[dict, BookmarkView]:
        """Change some of pts/title/note/category. Returns (the previous values of those fields, new view)."""
        unknown = set(fields) - set(FIELDS)
        if unknown:
            raise ReviewerError(f"bookmarks have no field(s) {', '.join(sorted(unknown))}")
        gov = self.gov
        with gov.write() as s:
            b = resolve(s, Bookmark, bookmark_id, "bookmark")
            gov.require(Action.BOOKMARK, "bookmark", b.id, s=s)
            clean_fields = clean(fields, lambda c: self._category(s, c))
            diff = changes(b, clean_fields)
            old = {k: getattr(b, k) for k in clean_fields}
            if not diff:
                return old, view_of(b)
            return old, self._submit("bookmark.update", b.id, {"fields": {k: v for k, (_o, v) in diff.items()}},
                                     via, expect)

    @gated(Action.BOOKMARK)
    def delete(self, bookmark_id: str, via: str | None = None, expect=MISSING) -> BookmarkView:
        return self._set_deleted(bookmark_id, True, via, expect)

    @gated(Action.BOOKMARK)
    def restore(self, bookmark_id: str, via: str | None = None, expect=MISSING) -> BookmarkView:
        return self._set_deleted(bookmark_id, False, via, expect)

    def _set_deleted(self, bookmark_id: str, deleted: bool, via: str | None, expect=MISSING) -> BookmarkView:
        gov = self.gov
        with gov.write() as s:
            b = resolve(s, Bookmark, bookmark_id, "bookmark", include_deleted=True)
            gov.require(Action.BOOKMARK, "bookmark", b.id, s=s)
            if (b.deleted_at is not None) == deleted:
                raise NotFound(f"bookmark {b.id} is {'already deleted' if deleted else 'not deleted'}")
            return self._submit("bookmark.delete" if deleted else "bookmark.restore", b.id, {}, via, expect)

    # ---- categories (supervisor) ----------------------------------------------------------------------------
    @gated(Action.CONFIGURE)
    def add_category(self, name: str) -> None:
        gov = self.gov
        with gov.write() as s:
            gov.require(Action.CONFIGURE, "bookmark_category", name, s=s)
            name = text(name, "category", 100).lower()
            row = s.scalar(select(BookmarkCategory).where(BookmarkCategory.name == name))
            if row is not None and row.deleted_at is None:
                raise ReviewerError(f"bookmark category {name!r} already exists")
            n = len(s.scalars(select(BookmarkCategory.id)).all())
            if row is None:
                row = BookmarkCategory(id=str(uuid.uuid4()), name=name, position=n, updated_by=gov.actor)
                s.add(row)
            else:
                row.deleted_at = None
                row.touch(gov.actor)
            s.flush()
            gov.record(s, "bookmark_category", row.id, "bookmark_category.add", details={"name": name})
            gov.notify("bookmark_categories_changed", {})

    @gated(Action.CONFIGURE)
    def remove_category(self, name: str) -> None:
        """Existing bookmarks keep the category; new ones cannot use it."""
        gov = self.gov
        with gov.write() as s:
            gov.require(Action.CONFIGURE, "bookmark_category", name, s=s)
            row = s.scalar(select(BookmarkCategory).where(BookmarkCategory.name == name.strip().lower(),
                                                         BookmarkCategory.deleted_at.is_(None)))
            if row is None:
                raise NotFound(f"no bookmark category {name!r}")
            row.deleted_at = utcnow()
            row.touch(gov.actor)
            gov.record(s, "bookmark_category", row.id, "bookmark_category.remove", details={"name": row.name})
            gov.notify("bookmark_categories_changed", {})


# ---- export ---------------------------------------------------------------------------------------------------
def export_rows(bookmarks: list[BookmarkView], table=None, camera_start=None) -> list[dict]:
    """One dict per bookmark; with the recording's FrameTable (and camera start) also frame and times."""
    from reviewer.media.timecode import camera_time, format_media_time

    out = []
    for b in bookmarks:
        d = b.to_json()
        d.pop("deleted", None)
        frame = media = cam = None
        if table is not None:
            try:
                frame = int(table.index_of_pts(b.pts))
                media = format_media_time(table.media_time(frame))
                t = camera_time(camera_start, table.media_time(frame))
                cam = t.isoformat() if t is not None else None
            except (KeyError, ValueError, IndexError):
                frame = None  # a pts not in the table (edited footage): export what is known
        out.append({k: d.get(k) for k in EXPORT_COLUMNS} | {"frame": frame, "media_time": media, "camera_time": cam})
    return out


def export_text(rows: list[dict], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, indent=1, ensure_ascii=False) + "\n"
    if fmt != "csv":
        raise ReviewerError(f"unknown bookmark export format {fmt!r}: use csv or json")
    return csv_text(list(EXPORT_COLUMNS), rows)

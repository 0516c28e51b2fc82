"""The annotation state of the open recording, shared by the panels, the lanes and the feature's actions.

Governance events arrive on whichever thread made the change (an import worker, the UI thread, ...). They are
re-emitted through one queued signal, so every slot here and in the panels runs on the UI thread, and each panel
re-reads the core instead of trusting the payload.

Sync applies a page of hundreds of remote operations in one transaction, and each announces its change after the
commit: the "changed" signals are therefore coalesced (the panels re-read once per COALESCE_MS), so a page costs
one refresh, not hundreds. Bookmarks, which a sync can bring by the thousand, are re-read on a worker thread: the
list shown stays the previous one until the new one has been read.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from reviewer.annotate.service import Annotations
from reviewer.annotate.views import BookmarkView, ClipView, EvidentialMarkView, HoldView
from reviewer.govern.purge import Retention


COALESCE_MS = 100


# more changed bookmarks than this since the last read: one query for all of them, not one by id
WHOLE_REREAD_OVER = 2000


def merged(base: list[BookmarkView], changed: list[BookmarkView], recording_id: str) -> list[BookmarkView]:
    """`base` with `changed` applied (a deleted one, or one now on another recording, leaves), in the order
    BookmarkStore.list gives: frame, then id."""
    by_id = {b.id: b for b in base}
    for b in changed:
        if b.deleted or b.recording_id != recording_id:
            by_id.pop(b.id, None)
        else:
            by_id[b.id] = b
    return sorted(by_id.values(), key=lambda b: (b.pts, b.id))


class AnnotateSession(QObject):
    bookmarksChanged = Signal()
    clipsChanged = Signal()
    evidentialChanged = Signal()  # marks or legal holds of any recording
    retentionChanged = Signal()
    auditAppended = Signal()
    usersChanged = Signal()
    recordingChanged = Signal()  # a recording was opened or closed
    inOutChanged = Signal()
    _event = Signal(str, object)

    def __init__(self, library, controller, parent: QObject | None = None):
        super().__init__(parent)
        self.library = library
        self.gov = library.gov
        self.controller = controller
        self.annotations = Annotations(library)
        self.retention = Retention(library)
        self.view = None  # RecordingView of the open recording (None for a bare file or nothing open)
        self.table = None
        self._index_of: dict[int, int] = {}  # pts -> frame index in self.table: the lane and list ask per bookmark
        self.in_index: int | None = None
        self.out_index: int | None = None
        self._bookmarks: list[BookmarkView] | None = None
        self._categories: list[str] | None = None  # the library's bookmark categories, read with the bookmarks
        # bookmarks changed since the list was last read: re-read are only these, unless a change named none
        self._changed_ids: set[str] = set()
        self._reread_all = False
        self._reread_asked = 0  # counts requests for a whole re-read (one asked mid-read is not lost)
        self._clips: list[ClipView] | None = None
        self._marks: list[EvidentialMarkView] | None = None
        self._event.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self._dirty: dict[str, None] = {}  # signals to emit, in the order first asked for
        self._flush = QTimer(self, singleShot=True, interval=COALESCE_MS)
        self._flush.timeout.connect(self._emit_changed)
        from ui.operations import Runner  # noqa: PLC0415 - the session's own reader, off the UI thread

        self._reader = Runner(self, max_threads=1)
        self.gov.subscribe(self._on_gov_event)
        controller.sourceOpened.connect(self._opened)
        controller.sourceClosed.connect(self._closed)

    def detach(self) -> None:
        self.gov.unsubscribe(self._on_gov_event)

    # ---- events (any thread -> UI thread) -------------------------------------------------------------------
    def _on_gov_event(self, name: str, payload: dict) -> None:
        try:
            self._event.emit(name, payload)
        except RuntimeError:  # deleted before it could unsubscribe
            pass

    def _dispatch(self, name: str, payload: dict) -> None:
        mine = self.view is not None and payload.get("recording_id") in (None, self.view.id)
        if name == "bookmarks_changed":
            if mine:
                self._bookmark_changed(payload.get("id"))
                self._changed("bookmarksChanged")  # re-read off the UI thread (_emit_changed)
        elif name == "bookmark_categories_changed":
            if self.view is not None:
                self._bookmark_changed(None)
                self._changed("bookmarksChanged")  # read with the bookmarks: the category filter lists them
        elif name == "clips_changed":
            if mine:
                self._clips = None
                self._changed("clipsChanged")
        elif name in ("evidential_changed", "holds_changed"):
            self._marks, self._clips = None, None  # a clip's evidential flag lives on its view
            self._changed("evidentialChanged", "clipsChanged")
        elif name == "retention_changed":
            self._changed("retentionChanged")
        elif name == "audit_appended":
            self.auditAppended.emit()
        elif name == "users_changed":
            self.usersChanged.emit()

    def _changed(self, *signals: str) -> None:
        for name in signals:
            self._dirty[name] = None
        if not self._flush.isActive():
            self._flush.start()

    def _emit_changed(self) -> None:
        dirty, self._dirty = self._dirty, {}
        for name in dirty:
            if name == "bookmarksChanged" and self.view is not None:
                self._read_bookmarks()
            else:
                getattr(self, name).emit()

    def _bookmark_changed(self, bookmark_id: str | None) -> None:
        if bookmark_id is None:
            self._reread_all = True
            self._reread_asked += 1
        else:
            self._changed_ids.add(bookmark_id)

    def _read_bookmarks(self) -> None:
        """Re-read the bookmarks on the session's reader thread: only those changes named, merged into the list
        as last read (a sync page names a hundred of thousands listed), or all of them when there is no list yet,
        a change named none, or so many changed that one query for all is cheaper. A read superseded by a newer
        one is dropped unread; the newer one's ids include its own, since ids are let go only on delivery."""
        rid, base, store = self.view.id, self._bookmarks, self.annotations.bookmarks
        taken, asked = frozenset(self._changed_ids), self._reread_asked
        whole = self._reread_all or base is None or len(taken) > WHOLE_REREAD_OVER

        def read(task=None):
            got = store.list(rid) if whole else merged(base, store.of_ids(taken), rid)
            return got, store.categories()

        self._reader.run(read, key="bookmarks",
                         on_done=lambda got: self._bookmarks_read(rid, got[0], got[1], taken, whole, asked))

    def _bookmarks_read(self, recording_id: str, bookmarks: list, categories: list[str], taken: frozenset,
                        whole: bool, asked: int) -> None:
        if self.view is None or self.view.id != recording_id:
            return
        self._changed_ids -= taken
        if whole and asked == self._reread_asked:
            self._reread_all = False
        self._bookmarks, self._categories = bookmarks, categories
        self.bookmarksChanged.emit()

    # ---- recording ------------------------------------------------------------------------------------------
    def _opened(self, source) -> None:
        self.view = getattr(source, "view", None)
        self.table = source.table if self.view is not None else None
        self._index_of = {}
        self._reset()

    def _closed(self) -> None:
        self.view, self.table = None, None
        self._index_of = {}
        self._reset()

    def _reset(self) -> None:
        self._bookmarks = self._clips = self._marks = self._categories = None
        self._changed_ids, self._reread_all = set(), False
        self.in_index = self.out_index = None
        self.recordingChanged.emit()
        self.bookmarksChanged.emit()
        self.clipsChanged.emit()
        self.evidentialChanged.emit()
        self.inOutChanged.emit()

    @property
    def recording_id(self) -> str | None:
        return self.view.id if self.view is not None else None

    # ---- reads (cached until the core says they changed) ----------------------------------------------------
    def bookmarks(self) -> list[BookmarkView]:
        if self.view is None:
            return []
        if self._bookmarks is None:
            self._bookmarks = self.annotations.bookmarks.list(self.view.id)
        return self._bookmarks

    def bookmark_categories(self) -> list[str]:
        """The library's bookmark categories, as last read with the bookmarks (off the UI thread after a change)."""
        if self._categories is None:
            self._categories = self.annotations.bookmarks.categories()
        return self._categories

    def clips(self) -> list[ClipView]:
        if self.view is None:
            return []
        if self._clips is None:
            self._clips = self.annotations.clips.list(self.view.id)
        return self._clips

    def marks(self) -> list[EvidentialMarkView]:
        """Every mark of the open recording, active and cleared (the cleared ones say who cleared them and why)."""
        if self.view is None:
            return []
        if self._marks is None:
            self._marks = self.annotations.evidential.list(self.view.id)
        return self._marks

    def recording_mark(self) -> EvidentialMarkView | None:
        return next((m for m in self.marks() if m.active and m.clip_id is None), None)

    def hold(self) -> HoldView | None:
        return self.annotations.holds.active_for(self.view.id) if self.view is not None else None

    # ---- frames <-> pts (annotations are keyed by pts) ------------------------------------------------------
    def index_of(self, pts: int) -> int | None:
        """The frame index of a stored pts; the nearest frame if the pts is not in the table (never None while
        a recording is open, so a marker is always drawn somewhere truthful)."""
        if self.table is None:
            return None
        pts = int(pts)
        index = self._index_of.get(pts)
        if index is None:
            try:
                index = self.table.index_of_pts(pts)
            except KeyError:
                index = self.table.nearest_index_to_pts(pts)
            self._index_of[pts] = index
        return index

    def pts_of(self, index: int) -> int:
        return self.table.pts_of(int(index))

    def clip_span(self, clip: ClipView) -> tuple[int, int]:
        return self.index_of(clip.in_pts), self.index_of(clip.out_pts)

    # ---- in / out points ------------------------------------------------------------------------------------
    def set_in(self, index: int) -> None:
        self.in_index = index
        if self.out_index is not None and self.out_index < index:
            self.out_index = None  # an out before the new in cannot make a range
        self.inOutChanged.emit()

    def set_out(self, index: int) -> None:
        self.out_index = index
        if self.in_index is not None and self.in_index > index:
            self.in_index = None
        self.inOutChanged.emit()

    def clear_in_out(self) -> None:
        self.in_index = self.out_index = None
        self.inOutChanged.emit()

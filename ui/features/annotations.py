"""Annotations feature (issue 3): bookmarks, clips with loop playback, evidential marks and legal holds, the
justification asked before footage is opened, viewing sessions, retention and the audit trail.

The core does the work and keeps the rules (reviewer.annotate.service.Annotations: permission-checked, audited,
undoable); this module wires it to the window and holds the actions the shortcuts and the panels' buttons run.
It must be the first feature installed: it makes the window's undo history the library's one UndoStack, which the
masks feature then shares, so Ctrl+Z undoes the last edit of either kind.
"""

from __future__ import annotations

import functools
import logging

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QTabWidget

from reviewer.errors import ReviewerError
from reviewer.govern.roles import Action, PermissionDenied
from reviewer.media.timecode import camera_time, format_camera_time, format_media_time
from ui.annotate.audit_panel import AuditPanel
from ui.annotate.badges import info_rows, library_badges
from ui.annotate.bookmark_dialog import BookmarkDialog
from ui.annotate.bookmark_lane import BookmarkLane
from ui.annotate.bookmarks_panel import BookmarksPanel
from ui.annotate.clip_dialog import ClipDialog
from ui.annotate.clip_lane import ClipLane, EvidentialLane
from ui.annotate.clips_panel import ClipsPanel
from ui.annotate.evidence_panel import EvidencePanel
from ui.annotate.evidential_dialog import EvidentialDialog, ReasonDialog
from ui.annotate.loop import ClipLoop
from ui.annotate.retention_dialog import RetentionDialog
from ui.annotate.session import AnnotateSession
from ui.annotate.viewing import ViewingGate
from ui.dialogs.message import show_message
from ui.shortcuts import Shortcut

log = logging.getLogger(__name__)
NAME = "annotate"
_A = "Annotate"


def _s(action: str, keys: tuple[str, ...], text: str, target: str) -> Shortcut:
    return Shortcut(f"annotate_{action}", keys, text, f"f.annotate.{target}", menu=_A)


SHORTCUTS: tuple[Shortcut, ...] = (
    _s("bookmark", ("M",), "Bookmark the frame on screen", "add_bookmark"),
    _s("bookmark_details", ("Ctrl+M",), "Bookmark the frame on screen with a title, category and note…",
       "add_bookmark_with_details"),
    _s("next_bookmark", ("Ctrl+.",), "Go to the next bookmark", "next_bookmark"),
    _s("previous_bookmark", ("Ctrl+,",), "Go to the previous bookmark", "previous_bookmark"),
    _s("set_in", ("I",), "Clip in point: the clip starts at the frame on screen", "set_in"),
    _s("set_out", ("O",), "Clip out point: the clip ends at the frame on screen (then name the clip)", "set_out"),
    _s("clear_in_out", ("Alt+X",), "Clear the clip in and out points", "clear_in_out"),
    _s("loop", ("Ctrl+L",), "Loop the selected clip (again: stop looping)", "toggle_loop"),
    _s("mark_evidential", ("Ctrl+Shift+M",), "Mark the recording or a clip evidential…", "mark_evidential"),
    _s("legal_hold", ("Ctrl+Shift+H",), "Set or release a legal hold on the recording (supervisor)…",
       "toggle_hold"),
    _s("audit", ("Ctrl+Shift+A",), "Show the audit trail", "show_audit"),
    _s("retention", ("Ctrl+Shift+R",), "Retention: days left, what is due, purge (supervisor)…", "show_retention"),
)


def install(window) -> "AnnotationsFeature":
    return AnnotationsFeature(window)


class AnnotationsFeature(QObject):
    def __init__(self, window):
        super().__init__(window)
        # Before anything reads window.undo: one history for the window and the core's governed edits.
        window.undo = window.library.gov.undo
        self.window = window
        self.library = window.library
        self.controller = window.controller
        self.session = AnnotateSession(window.library, window.controller, self)
        self.annotations = self.session.annotations
        self.loop = ClipLoop(self.session, window.controller, self)
        self.gate = ViewingGate(window.library, window.controller, window, self.say)
        window.open_reason = self.gate.ask  # MainWindow.open_recording asks it before opening

        timeline = window.timeline
        self.evidential_lane = timeline.add_lane(EvidentialLane(timeline, self.session))
        self.bookmark_lane = timeline.add_lane(BookmarkLane(timeline, self.session))
        self.clip_lane = timeline.add_lane(ClipLane(timeline, self.session))
        self.clip_lane.clipClicked.connect(lambda cid: self.clips_panel.select(cid))

        self.bookmarks_panel = BookmarksPanel(self)
        self.clips_panel = ClipsPanel(self)
        self.evidence_panel = EvidencePanel(self)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("annotationTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.bookmarks_panel, "Bookmarks")
        self.tabs.addTab(self.clips_panel, "Clips")
        self.tabs.addTab(self.evidence_panel, "Evidence")
        self.dock = window.add_dock("annotationsDock", "Annotations", self.tabs, Qt.DockWidgetArea.RightDockWidgetArea)
        self.audit_panel = AuditPanel(self.session, window.runner)
        self.audit_dock = window.add_dock("auditDock", "Audit trail", self.audit_panel,
                                          Qt.DockWidgetArea.RightDockWidgetArea)
        window.tabifyDockWidget(window.docks["infoDock"], self.audit_dock)
        window.docks["infoDock"].raise_()

        window.library_panel.badge_provider = library_badges(self.session.retention)
        window.info.extra_provider = info_rows(self.session)
        for signal in (self.session.evidentialChanged, self.session.retentionChanged):
            signal.connect(self._status_changed)
        window.library_panel.refresh()

        self.dialog = None  # the annotation dialog open now (one at a time)
        self.retention_dialog: RetentionDialog | None = None
        window.installEventFilter(self)

    # ---- plumbing -------------------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        if text:
            self.window.statusBar().showMessage(text, 10_000)

    def alert(self, title: str, text: str) -> None:
        self.window.last_alert = show_message(self.window, title, text)

    def _do(self, title: str, fn, then=None) -> None:
        """Run a core edit on the window's one database writer thread (ui.writer: the UI never waits on a
        write); `then(result)` runs on the UI thread once it is stored. A refusal or bad input becomes a message,
        never a crash (the core audited it)."""
        self.window.writer.submit(self._after_write_lock, fn, on_done=then,
                                  on_error=lambda exc: self._failed(title, exc), label=title, undoable=True)

    def _after_write_lock(self, fn):
        """The service writes inside UndoStack.push, which holds the undo history's lock. Waiting for the
        library's write lock first (sync may hold it for a whole page) keeps that wait out of the history's
        lock, which the mask editor on the UI thread takes at every drag step."""
        with self.library.gov._lock:  # re-entrant: the service's own Governance.write() takes it again
            return fn()

    def _failed(self, title: str, exc: BaseException) -> None:
        if isinstance(exc, PermissionDenied):
            self.alert("Not permitted", f"{exc}.\n\nThe attempt has been recorded in the audit trail.")
        elif isinstance(exc, ReviewerError):
            self.alert(title, str(exc))
        else:
            log.error("%s", title, exc_info=exc)
            self.alert(title, f"{type(exc).__name__}: {exc}")

    def _recording(self) -> str | None:
        rid = self.session.recording_id
        if rid is None:
            self.say("Open a recording from the library first.")
        return rid

    def _show(self, dialog, on_accept) -> None:
        if self.dialog is not None:
            self.dialog.close()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(on_accept)
        dialog.finished.connect(lambda _r, d=dialog: setattr(self, "dialog", None) if self.dialog is d else None)
        self.dialog = dialog
        dialog.open()

    def _status_changed(self) -> None:
        self.window.library_panel.refresh()
        self.window.info.refresh_extra()

    def _where(self, index: int) -> str:
        t = self.session.table.media_time(index)
        cam = camera_time(getattr(self.session.view, "camera_start", None), t)
        return f"frame {index}  ·  {format_media_time(t)}" + (f"  ·  {format_camera_time(cam)}" if cam else "")

    def eventFilter(self, obj, event) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Close:
            self.loop.stop()
            self.session.detach()
            # the window goes, the library's undo stack stays (tests reuse it): stop it calling the window
            self.window.undo.unsubscribe(self.window._undo_notify)
        return False

    # ---- bookmarks ------------------------------------------------------------------------------------------
    def add_bookmark(self):
        rid = self._recording()
        if rid is None:
            return None
        index = self.controller.current_index
        title = f"Bookmark at {format_media_time(self.session.table.media_time(index))}"
        pts = self.session.pts_of(index)

        def added(b) -> None:
            self._added_bookmark(b, index)
            self.say(f"Bookmarked frame {index}. Double-click it in the Bookmarks list to add a title and note.")
        self._do("Cannot add the bookmark", lambda: self.annotations.add_bookmark(rid, pts, title), added)

    def _added_bookmark(self, b, index: int) -> None:
        self.tabs.setCurrentWidget(self.bookmarks_panel)
        self.bookmarks_panel.select_when_listed(b.id)
        self.bookmark_lane.selected_id = b.id

    def add_bookmark_with_details(self) -> None:
        rid = self._recording()
        if rid is None:
            return
        index = self.controller.current_index  # the frame on screen when the key was pressed
        d = BookmarkDialog(self._where(index), self.annotations.bookmarks.categories(), parent=self.window)

        def add():
            v = d.values()
            pts = self.session.pts_of(index)

            def added(b) -> None:
                self._added_bookmark(b, index)
                self.say(f"Bookmarked frame {index}: {b.title}.")
            self._do("Cannot add the bookmark", lambda: self.annotations.add_bookmark(
                rid, pts, v["title"], v["note"], v["category"]), added)
        self._show(d, add)

    def edit_bookmark(self, bookmark_id: str) -> None:
        b = next((b for b in self.session.bookmarks() if b.id == bookmark_id), None)
        if b is None:
            return
        d = BookmarkDialog(self._where(self.session.index_of(b.pts)), self.annotations.bookmarks.categories(),
                           b.title, b.category, b.note, editing=True, parent=self.window)

        def edit():
            changed = {k: v for k, v in d.values().items() if v != getattr(b, k)}
            if changed:
                self._do("Cannot change the bookmark", lambda: self.annotations.edit_bookmark(b.id, **changed))
        self._show(d, edit)

    def delete_bookmark(self, bookmark_id: str) -> None:
        b = next((b for b in self.session.bookmarks() if b.id == bookmark_id), None)
        if b is not None:
            self._do("Cannot delete the bookmark", lambda: self.annotations.delete_bookmark(b.id),
                     lambda _r: self.say(f"Deleted bookmark “{b.title}” (Ctrl+Z undoes)."))

    def _bookmark_step(self, direction: int) -> None:
        here = self.controller.current_index
        indices = sorted({self.session.index_of(b.pts) for b in self.session.bookmarks()})
        ahead = [i for i in indices if i > here] if direction > 0 else [i for i in reversed(indices) if i < here]
        if ahead:
            self.controller.seek(ahead[0], exact=True)
        else:
            self.say("No more bookmarks that way.")

    def next_bookmark(self) -> None:
        self._bookmark_step(+1)

    def previous_bookmark(self) -> None:
        self._bookmark_step(-1)

    # ---- clips ----------------------------------------------------------------------------------------------
    def set_in(self) -> None:
        if self._recording() is None:
            return
        self.session.set_in(self.controller.current_index)
        if self.session.out_index is not None:
            self.new_clip()
        else:
            self.say(f"In point at {self._where(self.session.in_index)}. Press O at the clip's last frame.")

    def set_out(self) -> None:
        if self._recording() is None:
            return
        self.session.set_out(self.controller.current_index)
        if self.session.in_index is not None:
            self.new_clip()
        else:
            self.say(f"Out point at {self._where(self.session.out_index)}. Press I at the clip's first frame.")

    def clear_in_out(self) -> None:
        self.session.clear_in_out()

    def new_clip(self) -> None:
        rid = self._recording()
        if rid is None:
            return
        s = self.session
        a = s.in_index if s.in_index is not None else self.controller.current_index
        b = s.out_index if s.out_index is not None else max(a, self.controller.current_index)
        names = {c.name for c in s.clips()}
        name = next(f"Clip {n}" for n in range(len(names) + 1, len(names) + 1000) if f"Clip {n}" not in names)
        d = ClipDialog(s.table, a, b, name, parent=self.window)

        def add():
            v = d.values()
            span = s.pts_of(v["in_index"]), s.pts_of(v["out_index"])
            self._do("Cannot create the clip", lambda: self.annotations.add_clip(rid, *span, v["name"], v["purpose"]),
                     added)

        def added(clip) -> None:
            s.clear_in_out()
            self.tabs.setCurrentWidget(self.clips_panel)
            self.clips_panel.select_when_listed(clip.id)
            self.say(f"Clip “{clip.name}” created (Ctrl+L loops it, Ctrl+Shift+M marks it evidential).")
        self._show(d, add)

    def edit_clip(self, clip_id: str) -> None:
        c = next((c for c in self.session.clips() if c.id == clip_id), None)
        if c is None:
            return
        a, b = self.session.clip_span(c)
        d = ClipDialog(self.session.table, a, b, c.name, c.purpose, editing=True, parent=self.window)

        def edit():
            v = d.values()
            fields = {"name": v["name"], "purpose": v["purpose"], "in_pts": self.session.pts_of(v["in_index"]),
                      "out_pts": self.session.pts_of(v["out_index"])}
            changed = {k: x for k, x in fields.items() if x != getattr(c, k)}
            if changed:
                self._do("Cannot change the clip", lambda: self.annotations.edit_clip(c.id, **changed))
        self._show(d, edit)

    def delete_clip(self, clip_id: str) -> None:
        c = next((c for c in self.session.clips() if c.id == clip_id), None)
        if c is not None:
            self._do("Cannot delete the clip", lambda: self.annotations.delete_clip(c.id),
                     lambda _r: self.say(f"Deleted clip “{c.name}” (Ctrl+Z undoes)."))

    def toggle_loop(self) -> None:
        if self.loop.clip_id is not None:
            self.loop.stop()
            self.controller.pause()
            self.say("Loop stopped.")
            return
        cid = self.clips_panel.selected_id()
        if cid is None:  # else the clip under the playhead
            here = self.controller.current_index
            cid = next((c.id for c in self.session.clips()
                        if self.session.clip_span(c)[0] <= here <= self.session.clip_span(c)[1]), None)
        if cid is None:
            self.say("Select a clip to loop (or put the playhead inside one).")
            return
        self.loop.start(cid)
        self.say("Looping the clip. Ctrl+L stops.")

    # ---- evidential marks and holds -------------------------------------------------------------------------
    def mark_evidential(self, clip_id: str | None = None) -> None:
        rid = self._recording()
        if rid is None:
            return
        if not self.session.gov.can(Action.MARK_EVIDENTIAL):
            # Let the core refuse: the attempt is then in the audit trail, as the law expects of refusals.
            target = ("clip", clip_id) if clip_id else ("recording", rid)
            self._do("Not permitted", lambda: self.session.gov.require(Action.MARK_EVIDENTIAL, *target,
                                                                       {"recording_id": rid}))
            return
        if clip_id is None and self.tabs.currentWidget() is self.clips_panel:
            clip_id = self.clips_panel.selected_id()
        view = self.session.view
        d = EvidentialDialog(view.file_name, self.session.clips(), self.annotations.evidential.categories(),
                             clip_id, view.incident_ref or "", parent=self.window)

        def mark():
            v = d.values()
            self._do("Cannot mark evidential", lambda: self.annotations.mark_evidential(
                rid, v["reference"], v["reason"], v["category"], v["clip_id"]), marked)

        def marked(m) -> None:
            what = f"Clip “{m.clip_name}”" if m.clip_id else "The recording"
            self.say(f"{what} is marked evidential ({m.reference}).")
        self._show(d, mark)

    def clear_evidential(self, mark_id: str) -> None:
        d = ReasonDialog("Clear evidential mark", "Clearing the mark puts the footage back on the 31-day deletion "
                         "rule, counted from the recording date. Say why it is no longer evidence.", "Clear mark",
                         self.window)

        def clear():
            reason = d.value()
            self._do("Cannot clear the mark", lambda: self.annotations.clear_evidential(mark_id, reason),
                     lambda _r: self.say("Evidential mark cleared."))
        self._show(d, clear)

    def toggle_hold(self) -> None:
        rid = self._recording()
        if rid is None:
            return
        held = self.session.hold() is not None
        if held:
            d = ReasonDialog("Release legal hold", "After release the normal retention rules apply again.",
                             "Release hold", self.window)
            run = self.annotations.release_hold
        else:
            d = ReasonDialog("Set legal hold", "Held footage is never deleted, whatever its retention state, "
                             "until the hold is released.", "Set hold", self.window)
            run = self.annotations.set_hold
        # the reason is read here, on the UI thread; the writer thread only writes
        self._show(d, lambda: self._do("Legal hold", functools.partial(run, rid, d.value()), lambda _r: self.say(
            "Legal hold released." if held else "Legal hold set.")))

    # ---- audit and retention --------------------------------------------------------------------------------
    def show_audit(self) -> None:
        self.audit_dock.show()
        self.audit_dock.raise_()
        self.audit_panel.refresh()

    def show_retention(self) -> RetentionDialog:
        if self.retention_dialog is None:
            self.retention_dialog = RetentionDialog(self.session, self.window.runner, self.window)
        self.retention_dialog.refresh()
        self.retention_dialog.show()
        self.retention_dialog.raise_()
        return self.retention_dialog

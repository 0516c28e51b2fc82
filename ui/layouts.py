"""Layouts for small screens: the review layout and full screen.

At 1366x768 the docks leave the picture a postage stamp. The review layout hides every dock but the timeline and
the transport (and their title bars) and folds the timeline down to its scrubber (the feature lanes wait), so the
picture gets the window; toggling back restores the docks and lanes exactly as they were (Qt's saved state). Full screen hides every dock and puts a transport over the picture
(ui.player.overlay). While either is on, the layout saved at exit is the one from before, so the next launch
does not open with the docks gone.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from ui.player.overlay import OverlayTransport
from ui.timeline.lanes import Lane

REVIEW_KEEP = ("timelineDock", "transportDock")
QWIDGETSIZE_MAX = (1 << 24) - 1


class ReviewLayouts(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.review = False
        self.full_screen = False
        self._saved: QByteArray | None = None  # the window state before the first of the two was entered
        self._was_maximized = False
        self._lanes_hidden: list = []  # lanes the review layout folded away, to show again on the way out
        self.overlay = OverlayTransport(window.canvas, window.controller)
        window.timeline.installEventFilter(self)  # lanes added while folded (another recording opened) stay folded
        # Esc leaves full screen, as in every player; enabled only there, so Esc keeps its other meanings (cancel a
        # drawing, close a dialog) in the windowed layouts
        self._esc = QShortcut(QKeySequence(Qt.Key.Key_Escape), window, self._leave_full_screen)
        self._esc.setContext(Qt.ShortcutContext.WindowShortcut)
        self._esc.setEnabled(False)

    # ---- review layout -------------------------------------------------------------------------------------
    def toggle_review(self) -> None:
        if self.full_screen:
            self.toggle_full_screen()  # the review layout is the windowed one
            if self.review:
                return
        self._set_review(not self.review)

    def _set_review(self, on: bool) -> None:
        w = self.window
        if on == self.review:
            return
        if on:
            self._save()
            for name, dock in w.docks.items():
                if name in REVIEW_KEEP:
                    dock.show()
                    dock.setTitleBarWidget(QWidget(dock))  # an empty title bar takes no height
                else:
                    dock.hide()
            self._fold_lanes(True)
            self.review = True
            w.statusBar().showMessage("Review layout: press Ctrl+Shift+F or ` to bring the panels back.", 6000)
        else:
            self.review = False
            for name in REVIEW_KEEP:
                w.docks[name].setTitleBarWidget(None)
            self._fold_lanes(False)
            self._restore()

    def _fold_lanes(self, fold: bool) -> None:
        w = self.window
        if fold:
            self._lanes_hidden = [lane for lane in w.timeline.lanes if not lane.isHidden()]
            for lane in self._lanes_hidden:
                lane.hide()
            # a dock keeps its height when its content shrinks: hold it to the scrubber's
            w.docks["timelineDock"].setMaximumHeight(w.timeline.scrubber.sizeHint().height() + 4)
            w.docks["transportDock"].setMaximumHeight(w.transport.sizeHint().height() + 4)
        else:
            for name in REVIEW_KEEP:
                w.docks[name].setMaximumHeight(QWIDGETSIZE_MAX)
            for lane in self._lanes_hidden:
                if lane in w.timeline.lanes:  # a lane removed meanwhile (its recording closed) is gone
                    lane.show()
            self._lanes_hidden = []

    def eventFilter(self, obj, event) -> bool:
        if self.review and event.type() == QEvent.Type.ChildAdded and isinstance(event.child(), Lane):
            lane = event.child()
            lane.hide()  # explicitly hidden, so the layout does not show it when it adopts it
            self._lanes_hidden.append(lane)
        return False

    # ---- full screen ---------------------------------------------------------------------------------------
    def toggle_full_screen(self) -> None:
        w = self.window
        if not self.full_screen:
            self._save()
            self._was_maximized = w.isMaximized()
            for dock in w.docks.values():
                dock.hide()
            w.menuBar().hide()
            w.statusBar().hide()
            self.full_screen = True
            self._esc.setEnabled(True)
            w.showFullScreen()
            self.overlay.set_active(True)
        else:
            self.full_screen = False
            self._esc.setEnabled(False)
            self.overlay.set_active(False)
            w.menuBar().show()
            w.statusBar().show()
            w.showMaximized() if self._was_maximized else w.showNormal()
            if self.review:
                for name, dock in w.docks.items():
                    if name in REVIEW_KEEP:
                        dock.show()
            else:
                self._restore()
        w.canvas.setFocus(Qt.FocusReason.OtherFocusReason)

    def _leave_full_screen(self) -> None:
        if self.full_screen:
            self.toggle_full_screen()

    # ---- state ---------------------------------------------------------------------------------------------
    def _save(self) -> None:
        if self._saved is None:
            self._saved = self.window.saveState()

    def _restore(self) -> None:
        if self._saved is not None and not self.review and not self.full_screen:
            self.window.restoreState(self._saved)
            self._saved = None

    def state_to_save(self) -> QByteArray:
        """The dock layout to remember at exit: the one from before review/full screen when either is on."""
        return self._saved if self._saved is not None else self.window.saveState()

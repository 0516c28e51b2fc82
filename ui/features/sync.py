"""Sync feature (issue 11, the desktop side): the status bar's sync figures, the conflicts panel, the downloads
dock and the sign-in dialog. The work is the core's (reviewer/sync/: the loop, sign-in, downloads); this module
wires it to the window, starts the store's services once signed in, and downloads footage that is only in the
store before the window opens it.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt, Signal

from ui.shortcuts import Shortcut
from ui.sync.heartbeat import HeartbeatTimer
from ui.sync.conflicts_panel import ConflictsPanel
from ui.sync.downloads_dock import DownloadsPanel
from ui.sync.signin_dialog import SignInDialog
from ui.sync.status_bar import SyncStatusBar

log = logging.getLogger(__name__)
NAME = "sync"

SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("sync_sign_in", ("Ctrl+Shift+U",), "Sign in to the central store…", "f.sync.sign_in", menu="Sync"),
    Shortcut("sync_conflicts", ("Ctrl+Shift+C",), "Show the changes sync discarded (conflicts)",
             "f.sync.show_conflicts", menu="Sync"),
    Shortcut("sync_downloads", ("Ctrl+Shift+L",), "Show footage downloads", "f.sync.show_downloads", menu="Sync"),
)


def install(window) -> "SyncFeature":
    return SyncFeature(window)


def _linked_url(library) -> str | None:
    try:
        from reviewer.sync.link import linked_url
    except ImportError:
        return None
    try:
        return linked_url(library)
    except Exception:  # noqa: BLE001 - not linked (NotLinked) or an older library: standalone
        return None


class SyncFeature(QObject):
    _event = Signal(str, object)

    def __init__(self, window):
        super().__init__(window)
        self.window, self.library = window, window.library
        self.gov = window.library.gov
        self.status = SyncStatusBar(window.library, window.runner)
        window.statusBar().addPermanentWidget(self.status)
        self.conflicts = ConflictsPanel(self.gov, window.writer)
        self.conflicts_dock = window.add_dock("conflictsDock", "Conflicts", self.conflicts,
                                              Qt.DockWidgetArea.RightDockWidgetArea)
        self.conflicts_dock.visibilityChanged.connect(self._conflicts_visible)
        self.conflicts.unseenChanged.connect(self._title_conflicts)
        self.downloads = DownloadsPanel()
        self.downloads_dock = window.add_dock("downloadsDock", "Downloads", self.downloads,
                                              Qt.DockWidgetArea.RightDockWidgetArea)
        annotations = window.docks.get("annotationsDock")
        for dock in (self.conflicts_dock, self.downloads_dock):
            if annotations is not None:
                # tabs beside the annotations: stacked under them, the column had no room left and a download's row
                # (its state: waiting, failed offline...) was squeezed out of sight
                window.tabifyDockWidget(annotations, dock)
            dock.hide()  # shown when asked for, or when there is something to see
        self.loop = None
        # the UI thread's heartbeat: the loop's pacer gives way when it is late (a drag stays smooth in a sync)
        self.heartbeat = HeartbeatTimer(self)
        self.footage = None
        self._open_id: str | None = None
        self._waiting_open: tuple | None = None  # a store-only recording opened before the store was connected
        self._shut = False
        self.dialog: SignInDialog | None = None
        self._event.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self.gov.subscribe(self._on_gov_event)
        window.fetch_first = self.fetch_first
        window.installEventFilter(self)
        self.start_services()

    # ---- core events (any thread -> here) -------------------------------------------------------------------
    def _on_gov_event(self, name: str, payload: dict) -> None:
        try:
            self._event.emit(name, payload)
        except RuntimeError:  # deleted before it could unsubscribe
            pass

    def _dispatch(self, name: str, payload: dict) -> None:
        if name == "conflicts_changed":
            self.conflicts.changed()
        self.status.poke()  # most changes add an operation to push

    # ---- actions --------------------------------------------------------------------------------------------
    def sign_in(self) -> SignInDialog:
        if self.dialog is None:  # the store says how to sign in: its address is all the dialog needs
            self.dialog = SignInDialog(self.library, self.window.runner, _linked_url(self.library) or "",
                                       parent=self.window)
            self.dialog.signedIn.connect(self._signed_in)
            self.dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        self.dialog.open()
        return self.dialog

    def _signed_in(self, status: dict) -> None:
        who = f"{status.get('user') or self.gov.username} ({status.get('role', '')})"
        self.window.statusBar().showMessage(f"Signed in to {status.get('url') or 'the store'} as {who}.", 10_000)
        self.status.poke()
        self.start_services()

    def show_conflicts(self) -> None:
        self.conflicts_dock.show()
        self.conflicts_dock.raise_()

    def show_downloads(self) -> None:
        self.downloads_dock.show()
        self.downloads_dock.raise_()

    def _conflicts_visible(self, visible: bool) -> None:
        if visible:
            self.conflicts.refresh()  # audited by the core: the list is read when the panel is looked at

    def _title_conflicts(self, unseen: int) -> None:
        self.conflicts_dock.setWindowTitle(f"Conflicts ({unseen} new)" if unseen else "Conflicts")

    # ---- footage on demand ----------------------------------------------------------------------------------
    def fetch_first(self, recording_id: str, proceed) -> bool:
        """Opening a recording whose footage is only in the store: queue its download in the dock and open it
        once verified. False when there is nothing to fetch (the window opens it as usual)."""
        try:
            view = self.library.get(recording_id)
        except Exception:  # noqa: BLE001 - the open reports a missing recording itself
            return False
        if getattr(view, "is_local", True):
            return False
        if view.is_uploading:  # listed by the store before its footage arrived: there is nothing to fetch yet
            from reviewer.errors import StillUploading

            self.window.statusBar().showMessage(str(StillUploading(view.id, view.file_name)), 15_000)
            return True
        if self.downloads.manager is None:
            if _linked_url(self.library) is None:
                return False  # the open itself says how to get footage that is only in a store
            # still connecting (the client is made off the UI thread): fetch it once connected
            self._waiting_open = (recording_id, proceed)
            self.window.statusBar().showMessage(f"Connecting to the store to fetch {view.file_name}...", 10_000)
            return True
        self.show_downloads()
        self.window.statusBar().showMessage(f"Downloading {view.file_name} from the store; it opens when "
                                            "verified.", 10_000)
        self.downloads.start(view.id, then=lambda _v: proceed())
        return True

    # ---- the store's services -------------------------------------------------------------------------------
    def start_services(self) -> None:
        """Signed in to a linked store: the sync loop and the download manager (their client is made off the UI
        thread: it refreshes the access token over the network)."""
        if _linked_url(self.library) is None or self.footage is not None or self.downloads.manager is not None:
            return
        from reviewer.sync.link import open_client

        self.window.runner.run(lambda task=None: open_client(self.library), key="sync-client",
                               on_done=self._connected, on_error=self._not_connected)

    def _not_connected(self, exc: BaseException) -> None:
        self._waiting_open = None  # the message below says why it did not open
        log.info("store services not started: %s", exc)
        self.window.statusBar().showMessage(f"Not connected to the store: {exc}", 10_000)
        self.status.poke()

    def _connected(self, client) -> None:
        try:
            from reviewer.sync.footage import Footage
        except ImportError:
            Footage = None  # noqa: N806 - footage on demand not in this build
        if Footage is not None:
            self.footage = Footage(self.library, client)
            self.downloads.bind(self.footage.downloads)
            controller = self.window.controller
            controller.sourceOpened.connect(self._source_opened)
            controller.sourceClosed.connect(self._source_closed)
            # the store's listing (metadata and thumbnails; footage on demand), read off the UI thread
            self.window.runner.run(lambda task=None: self.footage.refresh(task), key="sync-catalog",
                                   on_done=lambda _r: self.window.library_panel.refresh(),
                                   on_error=lambda exc: log.warning("store listing not read: %s", exc))
        waiting, self._waiting_open = self._waiting_open, None
        if waiting is not None and self.downloads.manager is not None:
            self.fetch_first(*waiting)
        self.loop = _start_loop(self.library, client, self.heartbeat.heartbeat)
        if self.loop is not None and self.footage is not None:
            # the store's events reach footage through the one loop: new recordings listed, purges acted on
            self.loop.event_handlers.append(self.footage.on_store_event)
        self.status.set_loop_status(getattr(self.loop, "status", None))

    def _source_opened(self, source) -> None:
        view = getattr(source, "view", None)
        if view is not None and self.footage is not None:
            self._open_id = view.id
            self.footage.opened(view.id)  # the cache keeps what is on screen

    def _source_closed(self) -> None:
        if self.footage is not None and self._open_id is not None:
            self.footage.closed(self._open_id)
        self._open_id = None

    def shutdown(self) -> None:
        if self._shut:
            return
        self._shut = True
        self.status.stop()
        self.gov.unsubscribe(self._on_gov_event)
        manager = self.downloads.manager
        self.downloads.detach()
        if self.footage is not None:
            self.footage.close()  # running downloads pause; their partial files resume next time
        elif manager is not None and hasattr(manager, "close"):
            manager.close()
        if self.loop is not None and hasattr(self.loop, "stop"):
            self.loop.stop()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False


def _start_loop(library, client, heartbeat):
    """The one sync loop (reviewer/sync/loop.py: SyncLoop(library, http).start()) on its own thread, when this
    build has it. Its `status` (reviewer/sync/status.py) is what the status bar reads."""
    try:
        from reviewer.sync.loop import SyncLoop
        from reviewer.sync.pacing import Pacer
    except ImportError:
        return None
    try:
        return SyncLoop(library, client, pace=Pacer(heartbeat)).start()
    except Exception as exc:  # noqa: BLE001 - the window works standalone; the status bar says offline
        log.warning("sync loop not started: %s", exc)
        return None

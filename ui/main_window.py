"""The main window assembles: the player widgets, the panels as docks, actions and menus from ui.shortcuts, and a
status bar. Work happens elsewhere: the player in ui.player, core calls through ui.operations, flows in dialogs.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QMenu, QProgressBar, QWidget

from reviewer.annotate.undo import UndoStack
from reviewer.errors import IntegrityError
from ui import interpreter
from ui.dialogs.goto_dialog import GotoDialog
from ui.dialogs.import_dialog import choose_files, choose_folder, start_import
from ui.dialogs.message import show_message
from ui.dialogs.shortcuts_dialog import ShortcutsDialog
from ui.operations import Runner
from ui.panels.info_panel import InfoPanel
from ui.panels.library_panel import LibraryPanel
from ui.player.canvas import VideoCanvas
from ui.player.controller import PlayerController
from ui.player.minimap import ZoomLabel
from ui.player.position_memory import PositionMemory
from ui.player.shuttle import Shuttle
from ui.player.transport import TransportBar
from ui.layouts import ReviewLayouts
from ui.screen_fit import fit_short_screen
from ui.settings import Settings
from ui.features import modules as feature_modules
from ui.shortcuts import MENUS, all_shortcuts, resolve
from ui.timeline.lanes import TimelineLanes
from ui.writer import DbWriter
from ui.writer_masks import WriteBehindMaskStore

APP_TITLE = "BWV Reviewer"


class MainWindow(QMainWindow):
    # the undo history changes on whichever thread wrote (the writer thread for annotations): shown on this one
    _undoStateChanged = Signal()

    def __init__(self, library, settings: Settings, *, audio: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.library, self.settings = library, settings
        self.setWindowTitle(self.title())
        self.setObjectName("mainWindow")
        self.runner = Runner(self)
        self.writer = DbWriter(self)  # every UI write goes through this one thread (ui/writer.py)
        self.writer.failed.connect(lambda title, exc: self._write_failed(title or "Change not saved", exc))
        self.controller = PlayerController(self, audio=audio)
        self.shuttle = Shuttle(self.controller, self)
        self.positions = PositionMemory(self.controller, settings, self)
        self.canvas = VideoCanvas(self.controller)
        self.setCentralWidget(self.canvas)
        self.transport = TransportBar(self.controller)
        self.timeline = TimelineLanes(self.controller)
        self.scrubber = self.timeline.scrubber
        self.library_panel = LibraryPanel(library)
        self.info = InfoPanel()
        # one history for every edit in the window (bookmarks, clips, masks): Ctrl+Z undoes the last, whatever it was
        self.undo = UndoStack()
        self.docks: dict[str, QDockWidget] = {}
        self._build_docks()
        self.layouts = ReviewLayouts(self)
        self.f = SimpleNamespace()
        for module in feature_modules():
            setattr(self.f, module.NAME, module.install(self))
        self.actions_by_id: dict[str, QAction] = {}
        self._build_actions()
        self._undoStateChanged.connect(self._undo_changed)  # auto: direct here, queued from the writer thread
        self.undo.subscribe(self._undo_notify)
        self._undo_changed()
        self._build_status_bar()
        self._write_behind_masks()
        self.last_alert = None
        self.last_import_report = None
        self._goto: GotoDialog | None = None
        self._help: ShortcutsDialog | None = None

        self.library_panel.openRequested.connect(self.open_recording)
        self.library_panel.importFilesRequested.connect(self.import_files)
        self.library_panel.importFolderRequested.connect(self.import_folder)
        self.controller.sourceClosed.connect(self.info.clear)
        self.controller.error.connect(lambda msg: self.statusBar().showMessage(msg, 10_000))
        self._fitted_to_screen = False
        self._restore_layout()
        interpreter.settle()  # the window's objects out of the collector's sight (a full collection stalls the UI)

    # -- assembly -------------------------------------------------------------------------------------------------
    def _build_docks(self) -> None:
        A = Qt.DockWidgetArea
        # Timeline and transport span the full width: a long ruler scrubs finer, and the transport's readout
        # needs the room on 1366-1600 px screens.
        self.setCorner(Qt.Corner.BottomLeftCorner, A.BottomDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, A.BottomDockWidgetArea)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)
        for name, title, widget, area in (  # noqa: B007 - add_dock below is the public path for features
            ("libraryDock", "Library", self.library_panel, A.LeftDockWidgetArea),
            ("infoDock", "Recording", self.info, A.RightDockWidgetArea),
            ("timelineDock", "Timeline", self.timeline, A.BottomDockWidgetArea),
            ("transportDock", "Transport", self.transport, A.BottomDockWidgetArea),
        ):
            self.add_dock(name, title, widget, area)
        self.resizeDocks([self.docks["libraryDock"], self.docks["infoDock"]], [380, 330], Qt.Orientation.Horizontal)

    def add_dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState/restoreState find docks by objectName
        dock.setWidget(widget)
        self.addDockWidget(area, dock, Qt.Orientation.Vertical)
        self.docks[name] = dock
        return dock

    def _build_actions(self) -> None:
        shortcuts = all_shortcuts()
        used = {s.menu for s in shortcuts}
        menus = {name: self.menuBar().addMenu(f"&{name}") for name in MENUS if name in used or name == "View"}
        for s in shortcuts:
            action = QAction(s.description, self)
            action.setObjectName(s.action_id)
            action.setShortcuts(s.sequences())
            # window-wide, so keys work whichever dock has focus; text fields still get their own keys first
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(resolve(self, s))
            self.addAction(action)
            menus[s.menu].addAction(action)
            self.actions_by_id[s.action_id] = action
        self.recent_menu = QMenu("Import &Recent Folder", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        menus["File"].insertMenu(self.actions_by_id["export_frame"], self.recent_menu)
        view = menus["View"]
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for folder in self.settings.recent_folders():
            self.recent_menu.addAction(str(folder), lambda f=folder: self.import_paths([f]))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def _build_status_bar(self) -> None:
        self.zoom_label = ZoomLabel(self.canvas)
        self.statusBar().addPermanentWidget(self.zoom_label)
        self.busy_label = QLabel()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 1000)
        self.busy_bar.setMaximumWidth(180)
        self.busy_bar.setTextVisible(False)
        for w in (self.busy_label, self.busy_bar):
            w.hide()
            self.statusBar().addPermanentWidget(w)
        self.statusBar().showMessage("Ready. Press F1 for keyboard shortcuts.")

    def _busy(self, label: str | None, fraction: float = 0.0) -> None:
        for w in (self.busy_label, self.busy_bar):
            w.setVisible(label is not None)
        if label is not None:
            self.busy_label.setText(label)
            self.busy_bar.setValue(int(fraction * 1000))

    # -- layout persistence ---------------------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry, state = self.settings.window_geometry(), self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        if geometry is None and self.screen() is not None:  # first launch: most of the screen, centred
            avail = self.screen().availableGeometry()
            self.resize(min(1600, int(avail.width() * 0.92)), min(1000, int(avail.height() * 0.92)))
            self.move(avail.center() - self.rect().center())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        # the docks' minimum heights are known once they are shown: on a 1366x768 laptop they add up to more than
        # the screen, and the right-hand docks become one tab group (the window then fits, transport included)
        if not self._fitted_to_screen:
            self._fitted_to_screen = True
            if fit_short_screen(self) and self.screen() is not None:
                avail = self.screen().availableGeometry()
                frame = self.frameGeometry().height() - self.height()
                if self.frameGeometry().height() > avail.height():
                    self.resize(self.width(), avail.height() - frame)
                    self.move(self.x(), avail.top())

    def closeEvent(self, event) -> None:
        if self.layouts.full_screen:
            self.layouts.toggle_full_screen()
        self.settings.save_window(self.saveGeometry(), self.layouts.state_to_save())
        self.shuttle.detach()
        self.library_panel.detach()
        self.controller.shutdown()
        self.runner.shutdown()
        self.writer.shutdown()  # what the user did is stored before the window goes
        super().closeEvent(event)

    # -- opening --------------------------------------------------------------------------------------------------
    def open_recording(self, recording_id: str, reason: str | None = None) -> None:
        """Verify the original's hash and load its frame table off the UI thread, then hand it to the player.
        A feature may first ask why the footage is consulted (DPA 2018 s62): window.open_reason(recording_id,
        proceed) calls proceed(reason) once answered, or never if the user cancels."""
        ask = getattr(self, "open_reason", None)
        if reason is None and ask is not None:
            ask(recording_id, lambda answer: self.open_recording(recording_id, answer))
            return
        fetch = getattr(self, "fetch_first", None)  # the sync feature: footage only in the store is downloaded
        if fetch is not None and fetch(recording_id, lambda: self.open_recording(recording_id, reason)):
            return
        self._busy("Verifying integrity…")
        self.runner.run(self.library.open_recording, recording_id, reason=reason, key="open", on_done=self._opened,
                        on_error=self._open_failed, on_progress=lambda f, _l: self._busy("Verifying integrity…", f),
                        on_cancelled=lambda: self._busy(None))

    def title(self, file_name: str | None = None) -> str:
        """The title bar; a test library (where REVIEWER_USER may act as anyone) says so on every window."""
        parts = [file_name] if file_name else []
        if self.library.gov.test_library:
            parts.append("TEST LIBRARY")
        # the app's name last: the window system appends it to any title that does not end with it, which made
        # "BWV Reviewer — TEST LIBRARY — BWV Reviewer"
        parts.append(APP_TITLE)
        return " — ".join(parts)

    def _opened(self, recording) -> None:
        self._busy(None)
        self.controller.open(recording, start=self.positions.start_index(recording))
        self.info.show_source(recording)
        self.setWindowTitle(self.title(recording.view.file_name))
        self.statusBar().showMessage(f"Opened {recording.view.file_name}: SHA-256 verified.", 8000)
        self.canvas.setFocus()

    def _open_failed(self, exc: BaseException) -> None:
        self._busy(None)
        if isinstance(exc, IntegrityError):
            self.library_panel.refresh()  # the library has flagged it; show the badge
            self.last_alert = show_message(self, "Integrity check failed", str(exc))
        else:
            self.last_alert = show_message(self, "Cannot open recording", str(exc))

    # -- actions named in ui.shortcuts ----------------------------------------------------------------------------
    def import_files(self) -> None:
        self.import_paths(choose_files(self, self.settings))

    def import_folder(self) -> None:
        self.import_paths(choose_folder(self, self.settings))

    def import_paths(self, paths: list[Path], incident: str | None = None, then=None):
        """Import in the background; then(report), if given, runs after (ui/launch.py opens what it imported)."""
        if not paths:
            return None

        def finished(report, report_dialog) -> None:
            self._imported(report, report_dialog)
            if then is not None:
                then(report)

        op, _dialog = start_import(self, self.runner, self.library, paths, incident, on_finished=finished,
                                   status=lambda msg: self.statusBar().showMessage(msg, 10_000))
        return op

    def _imported(self, report, report_dialog) -> None:
        self.last_import_report = report_dialog
        self.library_panel.refresh()  # also arrives as an event; refreshing twice is cheap and never stale

    def export_frame(self) -> None:
        source = self.controller.source
        if source is None:
            self.statusBar().showMessage("Open a recording first.", 5000)
            return
        stem = Path(getattr(getattr(source, "view", None), "file_name", source.path.name)).stem
        default = self.library.paths.exports / f"{stem}_frame{self.controller.current_index:06d}.png"
        name, _ = QFileDialog.getSaveFileName(self, "Export frame", str(default), "PNG image (*.png)")
        if not name:
            return
        try:
            png, sidecar = self._export_frame_to(source, Path(name))
        except Exception as exc:  # noqa: BLE001 - any failure is reported, the session goes on
            self.last_alert = show_message(self, "Frame export failed", f"{name}: {exc}")
            return
        self.statusBar().showMessage(f"Exported {png.name} and {sidecar.name}{_credential_of(sidecar)}", 10_000)

    def _export_frame_to(self, source, path: Path) -> tuple[Path, Path]:
        """A library recording's frame goes through the core (gate, disclosure log, output rules); the file
        dialog has already asked before replacing a file. A file opened from outside the library has no
        recording to audit, but the same output rules."""
        view = getattr(source, "view", None)
        if view is None:
            return self.controller.export_current_frame(path, self.library.paths.home)
        from reviewer.export.frame import export_frame

        done = export_frame(self.library, view.id, self.controller.current_index, path, overwrite=True,
                            opened=source)
        return done.png, done.sidecar

    def show_goto(self) -> None:
        source = self.controller.source
        if source is None:
            self.statusBar().showMessage("Open a recording first.", 5000)
            return
        self._goto = GotoDialog(source.table, getattr(source, "camera_start", None), self.controller.current_index,
                                self)
        self._goto.accepted.connect(lambda d=self._goto: self.controller.seek(d.target_index, exact=True))
        self._goto.open()

    def show_shortcuts(self) -> None:
        if self._help is None:
            self._help = ShortcutsDialog(self)
        self._help.show()
        self._help.raise_()

    def undo_last(self) -> None:
        self._run_undo(self.undo.undo, "Undid")

    def redo_last(self) -> None:
        self._run_undo(self.undo.redo, "Redid")

    def _run_undo(self, step, verb: str) -> None:
        self.writer.when_undo_ready(lambda: self._undo_now(step, verb))

    def _undo_now(self, step, verb: str) -> None:
        try:
            name = step()
        except Exception as exc:  # noqa: BLE001 - a refused or failed edit is reported, the history is kept
            self.last_alert = show_message(self, "Cannot undo" if verb == "Undid" else "Cannot redo", str(exc))
            return
        if name:
            self.statusBar().showMessage(f"{verb}: {name}", 5000)

    def _undo_notify(self) -> None:
        self._undoStateChanged.emit()

    def _write_behind_masks(self) -> None:
        """The mask editor writes behind (ui/writer_masks.py): a drag never waits on the database."""
        masks = getattr(self.f, "masks", None)
        session = getattr(masks, "session", None)
        if session is None:
            return
        store = WriteBehindMaskStore(session.store, self.writer, self._write_failed)
        store.reloaders.append(lambda rid: session.editor.reload() if session.recording_id == rid else None)
        session.store = store

    def _write_failed(self, title: str, exc: BaseException) -> None:
        self.last_alert = show_message(self, title, str(exc))

    def _undo_changed(self) -> None:
        undo, redo = self.actions_by_id.get("undo"), self.actions_by_id.get("redo")
        if undo is None or redo is None:
            return
        undo.setEnabled(self.undo.undo_name is not None)
        undo.setText(f"Undo {self.undo.undo_name}" if self.undo.undo_name else "Undo")
        redo.setEnabled(self.undo.redo_name is not None)
        redo.setText(f"Redo {self.undo.redo_name}" if self.undo.redo_name else "Redo")

    def focus_search(self) -> None:
        self.docks["libraryDock"].show()
        self.library_panel.search.setFocus()
        self.library_panel.search.selectAll()


def _credential_of(sidecar: Path) -> str:
    """". Content Credentials signed by ...", or the loud line when the frame has none (ADR 0021)."""
    import json

    from reviewer.export.credential import note_text

    try:
        note = json.loads(sidecar.read_text(encoding="utf-8")).get("c2pa")
    except (OSError, ValueError):
        return ""
    return f". {note_text(note)}" if note is not None else ""

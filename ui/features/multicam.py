"""Multi-camera feature: File > "Open incident in grid…" opens an incident's 2-4 recordings side by side on the
incident clock (ui/multicam). The single-recording player is untouched: the grid is a window of its own. The
grid's "Export incident range…" runs reviewer.export.incident_export off the UI thread, with progress and cancel."""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QComboBox, QInputDialog

from reviewer.export.incident_export import run_incident_export
from ui.dialogs.message import show_message
from ui.dialogs.progress_dialog import run_with_progress
from ui.multicam.clock_follow import ClockFollower
from ui.multicam.export_dialog import IncidentExportDialog
from ui.multicam.grid_bookmarks import GridBookmarks
from ui.multicam.grid_window import GridWindow
from ui.multicam.marks import IncidentMarks
from ui.player.audio_output import AudioOutput
from ui.multicam.opening import open_incident
from ui.multicam.preview import GridPreview
from ui.multicam.session import GridSession
from ui.shortcuts import Shortcut

log = logging.getLogger(__name__)

NAME = "multicam"
SHORTCUTS = (
    Shortcut("open_incident_grid", ("Ctrl+Shift+G",), "Open an incident's cameras side by side, in sync…",
             "f.multicam.choose_incident", menu="File"),
)


def install(window) -> "MulticamFeature":
    return MulticamFeature(window)


class MulticamFeature(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.grid: GridWindow | None = None
        self.last_alert = None
        self._viewing: list[str] = []  # tokens of the viewing sessions the open grid holds, one per recording
        self.export_dialog: IncidentExportDialog | None = None
        self.export_op = None  # the running incident export (ui.operations.Operation) and its progress dialog
        self.export_progress = None
        self.last_export = None  # its results, when it finished
        window.installEventFilter(self)  # the grid's decoders and viewing sessions end with the main window

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if obj is self.window and event.type() == QEvent.Type.Close and self.grid is not None:
            self.grid.close()
        return False

    def choose_incident(self) -> None:
        refs = [ref for ref, n in self.window.library.incidents() if n >= 2]
        if not refs:
            self.window.statusBar().showMessage("No incident has two or more recordings to show side by side.", 8000)
            return
        dialog = QInputDialog(self.window)  # the static getItem() opens too narrow for its own title
        dialog.setWindowTitle("Open incident in grid")
        dialog.setLabelText("Incident:")
        dialog.setComboBoxItems(refs)
        here = self._player_view()
        if here is not None and here.incident_ref in refs:  # the incident of the recording being reviewed first
            dialog.setTextValue(here.incident_ref)
        dialog.setComboBoxEditable(False)
        dialog.findChild(QComboBox).setMinimumWidth(380)  # QInputDialog resets its own minimum when shown
        if dialog.exec() and dialog.textValue():
            self.open_incident(dialog.textValue())

    def open_incident(self, reference: str, reason: str | None = None) -> None:
        """Verify and open every recording of the incident off the UI thread, then show the grid. The reason
        for consulting the footage (DPA 2018 s62) is asked once, through the window's hook, for the incident."""
        ask = getattr(self.window, "open_reason", None)
        if reason is None and ask is not None:
            views = self.window.library.recordings(incident=reference)
            if views:
                ask(views[0].id, lambda answer: self.open_incident(reference, answer))
                return
        self.window.statusBar().showMessage(f"Opening incident {reference}: verifying every recording…")
        self.window.runner.run(open_incident, self.window.library, reference, reason=reason, key="open-grid",
                               on_done=self._opened, on_error=self._failed)

    def _opened(self, result) -> None:
        clock, sources = result
        if self.grid is not None:
            self.grid.close()
        gov = self.window.library.gov
        audio = AudioOutput() if self.window.controller.audio_available else None
        session = GridSession(clock, sources, audio=audio)
        marks = IncidentMarks(self.window.library, session.clock, self.window.runner)
        self.grid = grid = GridWindow(session, self.window, marks=marks)
        marks.setParent(grid)
        grid.closed.connect(marks.detach)
        grid.follower = ClockFollower(self.window.library, session, self.window.runner, parent=grid)
        grid.closed.connect(grid.follower.detach)
        session.clockChanged.connect(lambda: marks.set_clock(session.clock))
        grid.bookmarks = GridBookmarks(self.window, grid)
        if audio is not None:
            audio.setParent(grid.session)
            audio.failed.connect(grid.status.setText)
        try:  # each camera is consulted as if opened alone: a viewing session per recording, ended with the grid
            self._viewing = [gov.viewing_started(src.view.id) for src in sources.values()]
        except Exception as exc:  # noqa: BLE001 - the opens are on record; say the sessions are not
            log.warning("grid viewing sessions not recorded: %s", exc)
            self.window.statusBar().showMessage(f"Viewing session not recorded: {exc}", 8000)
        grid.closed.connect(self._end_viewing)
        grid.exportRequested.connect(self.show_export_dialog)
        grid.preview = GridPreview(grid, marks)
        self._start_where_the_player_is(session)
        grid.show()
        self.window.statusBar().showMessage(
            f"Incident {clock.reference}: {len(sources)} recordings open side by side, SHA-256 verified.", 8000)

    def _player_view(self):
        source = self.window.controller.source
        return source.view if source is not None else None

    def _start_where_the_player_is(self, session: GridSession) -> None:
        """A reviewer who opens the grid from a recording of the incident asks "what did the others see here?":
        the grid starts focused on that recording at the frame the player shows, not at the incident's start."""
        here = self._player_view()
        if here is None or here.sha256 not in session.keys:
            return
        session.set_focus(here.sha256)
        session.seek(session.clock.time_of_frame(here.sha256, self.window.controller.current_index))

    # ---- export an incident range ----------------------------------------------------------------------------------
    def show_export_dialog(self) -> IncidentExportDialog | None:
        if self.grid is None:
            return None
        self.export_dialog = dialog = IncidentExportDialog(self.grid.session, self.window.library.paths.exports,
                                                           self.grid)
        dialog.accepted.connect(lambda: self.export(dialog.job()))
        dialog.open()
        return dialog

    def export(self, job) -> None:
        """The composite (or separate files) on the Runner, behind a progress dialog whose Cancel stops it: the
        pipeline removes its temp file, so a cancelled export leaves nothing that looks finished."""
        parent = self.grid or self.window
        self.last_export = None
        self.export_op, self.export_progress = run_with_progress(
            self.window.runner, parent, f"Exporting incident {job.incident}", run_incident_export,
            self.window.library, job, on_done=self._exported, on_error=self._export_failed,
            on_cancelled=lambda: self._say("Incident export cancelled; nothing was written."))

    def _say(self, text: str) -> None:
        if self.grid is not None:
            self.grid.status.setText(text)
        self.window.statusBar().showMessage(text, 10_000)

    def _exported(self, results) -> None:
        self.last_export = results
        from reviewer.export.credential import note_text

        names = ", ".join(r.output.name for r in results)
        signed = note_text(results[0].manifest.get("c2pa")) if results else ""  # loud when not signed (ADR 0021)
        pkg = results[0].package if results else None
        packed = f" Disclosure package: {pkg.path.name}." if pkg else ""
        self._say(f"Incident export finished: {names} (leak check passed, manifest written). {signed}{packed}")

    def _export_failed(self, exc: BaseException) -> None:
        self._say("Incident export FAILED.")
        self.last_alert = show_message(self.grid or self.window, "Incident export failed", str(exc))

    def _end_viewing(self) -> None:
        tokens, self._viewing = self._viewing, []
        for token in tokens:
            try:
                self.window.library.gov.viewing_ended(token)
            except Exception:  # noqa: BLE001 - closing the grid must not fail; the start is on record
                log.exception("grid viewing end not recorded")

    def _failed(self, exc: BaseException) -> None:
        self.window.statusBar().clearMessage()
        self.last_alert = show_message(self.window, "Cannot open incident in grid", str(exc))

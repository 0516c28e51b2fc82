"""Export feature: the export dialog, the Exports dock (background queue with progress, ETA and cancel) and
stills with masks. The work itself is the core's: reviewer.export.service.run_export through ExportQueue, and
reviewer.export.stills through the window's Runner.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer

from reviewer.export.credential import note_text
from reviewer.export.queue import ExportQueue, JobState
from reviewer.export.service import ExportJob
from reviewer.export.stills import export_stills
from reviewer.redact.store import MaskStore
from ui.dialogs.message import show_message
from ui.export.export_dialog import ExportDialog
from ui.export.jobs_panel import JobsPanel
from ui.export.ranges_editor import ClipRange, Selection
from ui.export.stills_dialog import StillsDialog
from ui.shortcuts import Shortcut

NAME = "export"
SHORTCUTS = (
    Shortcut("export_redacted", ("Ctrl+Shift+E",), "Export a redacted copy (ranges, overlays, manifest, report)…",
             "f.export.show_dialog", menu="Export"),
    Shortcut("export_stills", ("Ctrl+Alt+E",), "Export stills with masks (current frame or a list of frames)…",
             "f.export.show_stills", menu="Export"),
)


def install(window) -> "ExportFeature":
    return ExportFeature(window)


def mask_summary(library, recording_id: str) -> str:
    try:
        ms = MaskStore(library).load(recording_id)
    except Exception as exc:  # noqa: BLE001 - the dialog still opens; the export itself loads the masks again
        return f"Could not read the masks ({exc}); the export will load them again and fail if it cannot."
    parts = [(len(ms.tracks), "mask track"), (len(ms.blackouts), "blackout range"),
             (len(ms.audio), "audio redaction")]
    said = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in parts if n]
    if not said:
        return "⚠ No masks or redaction ranges on this recording: the export will show everything."
    return "Redaction applied: " + ", ".join(said) + " (the same as the editor's preview)."


def _stills_work(library, source, indices, out_dir, overwrite, task):
    # the dialog has shown that a missing folder will be created, and asked before replacing earlier stills
    return export_stills(library, source.view.id, indices, out_dir, opened=source, overwrite=overwrite,
                         make_dirs=True, task=task)


class ExportFeature(QObject):
    def __init__(self, window, queue: ExportQueue | None = None):
        super().__init__(window)
        self.window = window
        # Who may export what, and the disclosure-log entry, are the core's (run_export asks library.gov).
        self.queue = queue or ExportQueue(window.library)
        self.panel = JobsPanel(self.queue)
        self.panel.setMinimumHeight(200)  # a restored layout must not squeeze a job row below its progress bar
        self.dock = window.add_dock("exportJobsDock", "Exports", self.panel, Qt.DockWidgetArea.RightDockWidgetArea)
        annotations = window.docks.get("annotationsDock")
        if annotations is not None:
            # a tab beside the annotations: stacked under them, the right column's minimum heights added up to more
            # than the screen, and the first export grew the window past it (transport and status bar off-screen)
            window.tabifyDockWidget(annotations, self.dock)
        self.dock.hide()  # shown when the first export is queued; the View menu shows it any time
        self.panel.jobChanged.connect(self._job_changed)
        self.dialog: ExportDialog | None = None
        self.stills_dialog: StillsDialog | None = None
        self.last_stills = None
        self._closed = False
        # other features' questions before an export (pending face proposals): check(recording_id, proceed)
        # returns True when it has asked and will call proceed() itself if the user goes on
        self.checks: list[Callable[[str, Callable[[], None]], bool]] = []
        window.installEventFilter(self)

    # ---- export ---------------------------------------------------------------------------------------------
    def _source(self):
        source = self.window.controller.source
        if source is None or getattr(source, "view", None) is None:
            self.window.statusBar().showMessage("Open a recording from the library first.", 5000)
            return None
        return source

    def _asked(self, recording_id: str, proceed: Callable[[], None]) -> bool:
        return any(check(recording_id, proceed) for check in self.checks)

    def show_dialog(self, *, asked: bool = False) -> ExportDialog | None:
        source = self._source()
        if source is None:
            return None
        if not asked and self._asked(source.view.id, lambda: self.show_dialog(asked=True)):
            return None
        reserved = frozenset(p for st in self.queue.jobs() if not st.finished for p, _r in st.job.outputs())
        self.dialog = ExportDialog(source, self.window.controller.current_index, self.window.library.paths.exports,
                                   mask_summary(self.window.library, source.view.id), reserved, self.window,
                                   self._selection(source.view.id))
        self.dialog.accepted.connect(lambda d=self.dialog: self.submit(d.job()))
        self.dialog.open()
        return self.dialog

    def _selection(self, recording_id: str) -> Selection:
        """The clips, selected clip and in/out points of the open recording, from the annotations feature."""
        ann = getattr(self.window.f, "annotate", None)
        session = getattr(ann, "session", None)
        if session is None or session.view is None or session.view.id != recording_id:
            return Selection()
        clips = tuple(ClipRange(c.name, *session.clip_span(c), evidential=c.evidential or c.purpose == "evidential")
                      for c in session.clips())
        picked = ann.clips_panel.selected_id()
        marks = (session.in_index, session.out_index)
        return Selection(clips, next((c.name for c in session.clips() if c.id == picked), None),
                         marks if None not in marks else None)

    def submit(self, job: ExportJob | None) -> JobState | None:
        if job is None:
            return None
        st = self.queue.submit(job)
        self.reveal()
        self.window.statusBar().showMessage(f"Export queued: {job.out.name}", 5000)
        return st

    def reveal(self) -> None:
        if not self.dock.isVisible():
            self.dock.show()
            # a new dock gets a sliver of the side it shares; a job row needs room for its bar and buttons
            # (after the layout has taken the newly shown dock in, or the request is lost)
            QTimer.singleShot(0, lambda: self.window.resizeDocks([self.dock], [340], Qt.Orientation.Vertical))
        self.dock.raise_()

    def _job_changed(self, st: JobState) -> None:
        bar = self.window.statusBar()
        if st.state == "done":
            names = ", ".join(Path(r.output).name for r in st.outputs)
            made = "".join(f"; created folder {p}" for r in st.outputs for p in r.created)
            credential = note_text(st.outputs[0].manifest.get("c2pa")) if st.outputs else ""
            bar.showMessage(f"Export finished: {names} (leak check passed, manifest written{made})"
                            + (f". {credential}" if credential else ""), 10_000)
        elif st.state == "failed":
            self.reveal()
            bar.showMessage(f"Export FAILED: {st.job.out.name}. See the Exports panel.", 15_000)

    # ---- stills ---------------------------------------------------------------------------------------------
    def show_stills(self, *, asked: bool = False) -> StillsDialog | None:
        source = self._source()
        if source is None:
            return None
        if not asked and self._asked(source.view.id, lambda: self.show_stills(asked=True)):
            return None
        self.stills_dialog = StillsDialog(source, self.window.controller.current_index,
                                          self.window.library.paths.exports,
                                          mask_summary(self.window.library, source.view.id), self.window)
        self.stills_dialog.accepted.connect(
            lambda d=self.stills_dialog: self.export_stills(source, d.indices, d.out_dir(),
                                                            d.replace.isChecked()))
        self.stills_dialog.open()
        return self.stills_dialog

    def export_stills(self, source, indices: list[int], out_dir: Path, overwrite: bool = False):
        bar = self.window.statusBar()
        bar.showMessage(f"Exporting {len(indices)} still(s)…")
        return self.window.runner.run(
            _stills_work, self.window.library, source, list(indices), Path(out_dir), overwrite,
            on_done=self._stills_done, on_error=self._stills_failed,
            on_progress=lambda _f, label: bar.showMessage(f"Exporting stills: {label}"))

    def _stills_done(self, done) -> None:
        stills = self.last_stills = done.stills
        masked = sum(1 for s in stills if s.masks_applied)
        folder = stills[0].png.parent if stills else ""
        created = f" (created folder {folder})" if done.created else ""
        credential = note_text(done.c2pa)
        self.window.statusBar().showMessage(
            f"Exported {len(stills)} still(s), {masked} with masks applied, to {folder}{created}"
            + (f". {credential}" if credential else ""), 15_000)

    def _stills_failed(self, exc: BaseException) -> None:
        self.window.statusBar().clearMessage()
        self.window.last_alert = show_message(self.window, "Stills export failed", str(exc))

    # ---- lifetime -------------------------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        # getattr: if the window's construction failed after install, Qt may still call this on a half-gone wrapper
        if event.type() == QEvent.Type.Close and obj is getattr(self, "window", None):
            self.shutdown()
        return False

    def shutdown(self) -> None:
        """Closing the window cancels running exports: the pipeline removes its temp file, so nothing that looks
        finished is left behind."""
        if self._closed:
            return
        self._closed = True
        self.panel.detach()
        self.queue.shutdown(cancel_running=True)

"""Importing footage: pick files or a folder, ingest off the UI thread with progress, then one clear report.

Every file that failed is listed with its problem in a single dialog (not one message box per file), so a folder
with a few bad files is still a one-click affair.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFileDialog, QHeaderView, QLabel,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ui.dialogs.message import show_message
from ui.dialogs.progress_dialog import run_with_progress

VIDEO_FILTER = "Video files (*.mp4 *.mov *.m4v *.mkv *.avi *.mts *.m2ts *.ts *.webm *.wmv *.3gp);;All files (*)"


def choose_files(parent: QWidget, settings) -> list[Path]:
    start = settings.last_folder()
    names, _ = QFileDialog.getOpenFileNames(parent, "Import footage", str(start or Path.home()), VIDEO_FILTER)
    paths = [Path(n) for n in names]
    if paths:
        settings.add_recent_folder(paths[0].parent)
    return paths


def choose_folder(parent: QWidget, settings) -> list[Path]:
    start = settings.last_folder()
    name = QFileDialog.getExistingDirectory(parent, "Import a folder of footage", str(start or Path.home()))
    if not name:
        return []
    settings.add_recent_folder(Path(name))
    return [Path(name)]


class ImportReportDialog(QDialog):
    """What an import did: counts, then each failed file with the reason, then each duplicate."""

    def __init__(self, report, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Import finished with problems" if report.errors else "Import finished")
        self.resize(760, 380)
        self.summary = QLabel(summarise(report))
        self.summary.setWordWrap(True)
        rows = [(str(p), msg) for p, msg in report.errors]
        rows += [(str(p), f"Already in the library as {view.file_name} (same SHA-256); not imported again.")
                 for p, view in report.duplicates]
        rows += [(str(p), f"Restored the damaged or missing original of {view.file_name} from this intact copy "
                          "(same SHA-256); its integrity is ok again.") for p, view in report.repaired]
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["File", "Problem"])
        for r, (path, msg) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(path))
            item = QTableWidgetItem(msg)
            item.setToolTip(msg)
            self.table.setItem(r, 1, item)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 300)
        self.table.resizeRowsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def problems(self) -> list[tuple[str, str]]:
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text()) for r in range(self.table.rowCount())]


def summarise(report) -> str:
    parts = [f"{len(report.added)} recording{'s' if len(report.added) != 1 else ''} added"]
    if report.repaired:
        parts.append(f"{len(report.repaired)} damaged original{'s' if len(report.repaired) != 1 else ''} restored")
    if report.duplicates:
        parts.append(f"{len(report.duplicates)} already in the library")
    if report.errors:
        parts.append(f"{len(report.errors)} could not be imported")
    return ", ".join(parts) + "."


def start_import(parent: QWidget, runner, library, paths: list[Path], incident: str | None = None,
                 on_finished: Callable[[object, QDialog | None], None] | None = None,
                 status: Callable[[str], None] = print):
    """Ingest `paths` in the background. Problems open an ImportReportDialog; a clean run is a status message.
    on_finished(report, report_dialog_or_None) runs on the UI thread when the import is over."""

    def done(report) -> None:
        dialog = None
        if report.errors or report.duplicates or report.repaired:
            dialog = ImportReportDialog(report, parent)
            dialog.setModal(True)
            dialog.show()
        status(summarise(report))
        if on_finished is not None:
            on_finished(report, dialog)

    def failed(exc: BaseException) -> None:
        show_message(parent, "Import failed", f"The import stopped with an error:\n\n{exc}")

    def cancelled() -> None:
        status("Import cancelled; files already imported stay in the library.")

    return run_with_progress(runner, parent, "Importing footage", library.import_paths, list(paths),
                             incident=incident, on_done=done, on_error=failed, on_cancelled=cancelled)

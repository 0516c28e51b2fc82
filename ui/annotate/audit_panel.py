"""The audit trail, newest first, with filters (user, object, action, outcome, time) and "Verify chain".

A change of filters re-reads the newest SHOWN events at once. Appended events (a sync page brings hundreds, a
purge too) are read off the UI thread, only those after the last one read, at most every REFRESH_MS, and put on
top of the list (ui/annotate/audit_model.py), so the panel never rebuilds its rows while a sync runs. Refusals
and failures stand out in the error colour, because they are what an auditor looks for first. Verification runs
off the UI thread (it reads every event) and is itself recorded by the core.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDateTime, QTimer, QTimeZone
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateTimeEdit, QFileDialog, QGridLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton, QTreeView, QVBoxLayout, QWidget)

from reviewer.atomic import write_text
from reviewer.errors import ReviewerError
from reviewer.outputs import check_output_path
from ui import theme
from ui.annotate.audit_model import COL, COLUMNS, AuditModel, rows_of

OBJECT_TYPES = ("recording", "bookmark", "clip", "mask_track", "export", "retention", "retention_policy", "user",
                "audit", "file")
OUTCOMES = ("ok", "refused", "failed", "broken")
SHOWN = 1000  # newest events listed; the filters narrow the rest
REFRESH_MS = 150
UTC = dt.timezone.utc


class AuditPanel(QWidget):
    def __init__(self, session, runner, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("auditPanel")
        self.session = session
        self.gov = session.gov
        self.runner = runner
        self.last_verdict = None
        self.model = AuditModel(SHOWN, self)
        self._filtered_by: dict | None = None  # the filters the rows were read with
        from ui.operations import Runner  # noqa: PLC0415 - the panel's own reader: one read at a time, in order

        self._reader = Runner(self, max_threads=1)
        self._build()
        self._timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._timer.timeout.connect(self._append_if_shown)
        self._stale = False
        # at most one read per REFRESH_MS, not one after the last event: a sync may append for minutes
        session.auditAppended.connect(lambda: None if self._timer.isActive() else self._timer.start())
        session.usersChanged.connect(self._fill_users)
        self._fill_users()
        self.refresh()

    # ---- building -------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.user = _combo("All users", [], "auditUser")
        self.object_type = _combo("All objects", list(OBJECT_TYPES), "auditObjectType")
        self.object_type.setEditable(True)  # other features add their own object types
        self.object_id = QLineEdit()
        self.object_id.setPlaceholderText("Object id (prefix)")
        self.action = QLineEdit()
        self.action.setObjectName("auditAction")
        self.action.setPlaceholderText("Action, e.g. evidential.mark or bookmark.")
        self.action.setToolTip("A whole action, or a prefix ending in a dot (bookmark. lists every bookmark event)")
        self.outcome = _combo("Any outcome", list(OUTCOMES), "auditOutcome")
        now = QDateTime.currentDateTimeUtc()
        self.use_since, self.use_until = QCheckBox("From"), QCheckBox("To")
        self.since, self.until = _when(now.addDays(-7)), _when(now)
        for check, edit in ((self.use_since, self.since), (self.use_until, self.until)):
            edit.setEnabled(False)
            check.toggled.connect(edit.setEnabled)
            check.toggled.connect(lambda _on: self.refresh())
            edit.dateTimeChanged.connect(lambda _t: self.refresh())
        for combo in (self.user, self.object_type, self.outcome):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.object_type.lineEdit().editingFinished.connect(self.refresh)
        for edit in (self.object_id, self.action):
            edit.setClearButtonEnabled(True)
            edit.editingFinished.connect(self.refresh)
            edit.textChanged.connect(lambda t: None if t else self.refresh())

        self.tree = QTreeView()
        self.tree.setObjectName("auditList")
        self.tree.setModel(self.model)
        self.tree.setRootIsDecorated(False)
        self.tree.setItemsExpandable(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((36, 128, 70, 140, 56, 130, 90, 220)):
            header.resizeSection(col, width)

        self.count = QLabel()
        self.count.setObjectName("hintText")
        self.verdict = QLabel()
        self.verdict.setObjectName("auditVerdict")
        self.verdict.setWordWrap(True)
        self.verify_button = QPushButton("Verify chain")
        self.verify_button.setToolTip("Check every event's hash link and the checkpoints (detects edits, deletions, "
                                      "reordering and a cut-off tail)")
        self.verify_button.clicked.connect(self.verify)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the trail (with hashes, re-verifiable) as JSON or CSV; the time "
                                      "filters apply")
        self.export_button.clicked.connect(self.export_dialog)

        grid = QGridLayout()  # three short rows: fits a narrow dock without squeezing any field
        grid.addWidget(self.user, 0, 0)
        grid.addWidget(self.object_type, 0, 1)
        grid.addWidget(self.object_id, 0, 2)
        grid.addWidget(self.action, 1, 0, 1, 2)
        grid.addWidget(self.outcome, 1, 2)
        times = QHBoxLayout()
        for w, stretch in ((self.use_since, 0), (self.since, 1), (self.use_until, 0), (self.until, 1)):
            times.addWidget(w, stretch)
        grid.addLayout(times, 2, 0, 1, 3)
        for col in range(3):
            grid.setColumnStretch(col, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.export_button)
        bottom.addWidget(self.verify_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(grid)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.verdict)
        lay.addLayout(bottom)

    def _fill_users(self) -> None:
        from reviewer.govern.users import Users

        current = self.user.currentData()
        names = sorted(u.username for u in Users(self.gov).list())
        self.user.blockSignals(True)
        self.user.clear()
        self.user.addItem("All users", None)
        for n in names:
            self.user.addItem(n, n)
        self.user.setCurrentIndex(max(0, self.user.findData(current)))
        self.user.blockSignals(False)

    # ---- querying -------------------------------------------------------------------------------------------
    def filters(self) -> dict:
        obj = self.object_type.currentText().strip()
        return {"user": self.user.currentData(),
                "object_type": None if obj in ("", "All objects") else obj,
                "object_id": self.object_id.text().strip() or None,
                "action": self.action.text().strip() or None,
                "outcome": self.outcome.currentData(),
                "since": _py(self.since) if self.use_since.isChecked() else None,
                "until": _py(self.until) if self.use_until.isChecked() else None}

    def _append_if_shown(self) -> None:
        # a panel nobody is looking at reads what it missed when it is shown
        if self.isVisible():
            self.append_new()
        else:
            self._stale = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.append_new()

    def refresh(self) -> None:
        """Re-list with the current filters, now (the user changed them or asked for the trail)."""
        self._filtered_by = self.filters()
        head, events = self.gov.audit.newer(0, limit=SHOWN, **self._filtered_by)
        self.model.replace(head, rows_of(events))
        self._counted()

    def append_new(self) -> None:
        """Put the events appended since the last read on top, read and formatted off the UI thread."""
        f, after = self._filtered_by, self.model.head
        if f is None or f != self.filters():  # filters edited but not yet applied: applying them re-reads all
            return
        self._reader.run(lambda task=None: self._read_newer(after, f), key="audit-newer",
                         on_done=lambda got: self._newer_read(f, *got))

    def _read_newer(self, after: int, filters: dict):  # reader thread
        head, events = self.gov.audit.newer(after, limit=SHOWN, **filters)
        return head, rows_of(events)

    def _newer_read(self, filters: dict, head: int, rows: list) -> None:
        if filters is not self._filtered_by:  # re-listed with other filters meanwhile
            return
        self.model.prepend(head, rows)
        self._counted()

    def _counted(self) -> None:
        n = len(self.model.rows)
        self.count.setText(f"{n} of {self.model.head} events" + (" (newest shown)" if n == SHOWN else ""))

    def rows(self) -> list[tuple[str, ...]]:
        """What the list shows, top to bottom (tests, copy)."""
        return [row.texts for row in self.model.rows]

    # ---- verification and export ----------------------------------------------------------------------------
    def verify(self) -> None:
        self.verify_button.setEnabled(False)
        self.verdict.setText("Verifying the audit chain…")
        self.runner.run(lambda task: self.gov.verify_audit(), key="audit-verify", on_done=self._verified,
                        on_error=lambda exc: self._verified(None, str(exc)))

    def _verified(self, verdict, error: str | None = None) -> None:
        self.verify_button.setEnabled(True)
        self.last_verdict = verdict
        if verdict is None:
            self.verdict.setText(f"<b style='color:{theme.ERROR}'>Verification failed to run:</b> {error}")
        else:  # the CLI's wording, so a screenshot and `reviewer audit verify` say the same thing
            colour, mark = (theme.OK, "✓") if verdict.ok else (theme.ERROR, "✗")
            self.verdict.setText(f"<b style='color:{colour}'>{mark} {_html(verdict.line())}</b>")

    def export_dialog(self) -> None:
        stamp = dt.datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        default = self.session.library.paths.exports / f"audit_{stamp}.json"
        name, chosen = QFileDialog.getSaveFileName(self, "Export audit trail", str(default),
                                                   "JSON (*.json);;CSV (*.csv)")
        if name:
            fmt = "csv" if name.lower().endswith(".csv") or "csv" in chosen.lower() else "json"
            try:
                self.export(Path(name), fmt)
            except (ReviewerError, OSError) as exc:
                self.verdict.setText(f"<b style='color:{theme.ERROR}'>Export refused:</b> {_html(str(exc))}")

    def export(self, path: Path, fmt: str) -> int:
        f = self.filters()
        # the save dialog has asked before replacing a file; nothing goes inside the library (refused here)
        check_output_path(self.session.library.paths.home, path, overwrite=True, what="audit export")
        text, n = self.gov.audit.export_text(fmt, f["since"], f["until"])
        write_text(path, text)
        self.gov.record_now("audit", "", "audit.export", details={
            "format": fmt, "events": n, "since": f["since"] and f["since"].isoformat(),
            "until": f["until"] and f["until"].isoformat(), "output": str(path)})
        self.verdict.setText(f"Exported {n} events to {path}")
        return n


def _combo(all_label: str, values: list[str], name: str) -> QComboBox:
    c = QComboBox()
    c.setObjectName(name)
    c.addItem(all_label, None)
    for v in values:
        c.addItem(v, v)
    return c


def _when(t: QDateTime) -> QDateTimeEdit:
    edit = QDateTimeEdit(t)
    edit.setTimeZone(QTimeZone.utc())
    edit.setDisplayFormat("yyyy-MM-dd HH:mm")
    edit.setCalendarPopup(True)
    return edit


def _py(edit: QDateTimeEdit) -> dt.datetime:
    return dt.datetime.fromtimestamp(edit.dateTime().toSecsSinceEpoch(), UTC)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

"""Retention across the library: each recording's state, deadline and days left (soonest first), the policy
table, and for a supervisor: change a period, preview a purge (dry run) and run it after confirming the list.
Purging runs off the UI thread with progress; the core re-checks every recording and audits each deletion."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QMessageBox, QPushButton, QSpinBox, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from reviewer.govern.retention import DUE, MAX_DAYS, REVIEW_DUE
from reviewer.govern.roles import Action
from ui import theme
from ui.annotate.badges import retention_text

STATUS_COLUMNS = ("Recording", "State", "Rule", "Deadline (UTC)", "Days left", "References")
POLICY_COLUMNS = ("Category", "Days", "Changed by", "When (UTC)")


def _day(t: dt.datetime | None) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M") if t else "never (held)"


def _days_left(n: int | None) -> str:
    if n is None:
        return ""
    return str(n) if n >= 0 else f"{-n} overdue"


class RetentionDialog(QDialog):
    def __init__(self, session, runner, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("retentionDialog")
        self.setWindowTitle("Retention")
        self.session, self.runner = session, runner
        self.retention = session.retention
        self.last_report = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.status = _tree(STATUS_COLUMNS, "retentionStatus")
        self.policies = _tree(POLICY_COLUMNS, "retentionPolicies")
        self.policies.setMaximumHeight(140)
        self.result = QLabel()
        self.result.setObjectName("retentionResult")
        self.result.setWordWrap(True)
        self.set_period = QPushButton("Change period…")
        self.preview = QPushButton("Preview purge")
        self.preview.setToolTip("List what a purge would delete now, deleting nothing")
        self.purge = QPushButton("Run purge…")
        self.set_period.clicked.connect(self._change_period)
        self.preview.clicked.connect(lambda: self.run(dry_run=True))
        self.purge.clicked.connect(self._confirm_purge)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons = QHBoxLayout()
        for b in (self.set_period, self.preview, self.purge):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        title = QLabel("Policy (days)")
        title.setObjectName("sectionTitle")
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.status, 1)
        lay.addWidget(title)
        lay.addWidget(self.policies)
        lay.addWidget(self.result)
        lay.addLayout(buttons)
        self.resize(860, 520)
        for signal in (session.evidentialChanged, session.retentionChanged, session.usersChanged):
            signal.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        statuses = self.retention.status()
        self.status.clear()
        for st in statuses:
            item = QTreeWidgetItem([st.file_name, st.state.replace("_", " "), st.rule.replace("_", " "),
                                    _day(st.deadline), _days_left(st.days_left),
                                    ", ".join(st.references)])
            item.setToolTip(1, retention_text(st))
            if st.state in (DUE, REVIEW_DUE):
                for c in range(len(STATUS_COLUMNS)):
                    item.setForeground(c, QBrush(QColor(theme.ERROR if st.state == DUE else theme.WARN)))
            self.status.addTopLevelItem(item)
        due = sum(st.state == DUE for st in statuses)
        review = sum(st.state == REVIEW_DUE for st in statuses)
        self.summary.setText(f"{len(statuses)} recordings · <b>{due}</b> due for deletion · {review} due for "
                             "review. Evidential footage is never deleted automatically; held footage never.")
        self.policies.clear()
        for p in self.retention.policies.list():
            self.policies.addTopLevelItem(QTreeWidgetItem([p.category.replace("_", " "), str(p.days), p.updated_by,
                                                           _day(p.updated_at)]))
        gov = self.session.gov
        may_purge, may_change = gov.can(Action.RUN_PURGE), gov.can(Action.CHANGE_RETENTION)
        self.purge.setEnabled(may_purge and due > 0)
        self.purge.setToolTip("Delete every recording that is due" if may_purge else "Only a supervisor can purge")
        self.set_period.setEnabled(may_change)
        self.set_period.setToolTip("" if may_change else "Only a supervisor can change retention periods")

    # ---- purge ----------------------------------------------------------------------------------------------
    def run(self, dry_run: bool) -> None:
        for b in (self.preview, self.purge):
            b.setEnabled(False)
        self.result.setText("Checking what is due…" if dry_run else "Purging…")
        self.runner.run(self.retention.run, dry_run=dry_run, key="retention", on_done=self._ran,
                        on_error=self._failed,
                        on_progress=lambda f, label: self.result.setText(f"{label} ({f:.0%})"))

    def _ran(self, report) -> None:
        self.last_report = report
        if report.dry_run:
            names = ", ".join(st.file_name for st in report.due) or "nothing"
            text = f"Preview: a purge now would delete {len(report.due)} recording(s): {names}."
        else:
            text = f"Purged {len(report.purged)} recording(s)" + \
                (f"; {len(report.skipped)} skipped ({report.skipped[0][1]})" if report.skipped else "") + "."
        if report.skipped and report.dry_run:
            text += f" {len(report.skipped)} would be skipped: {report.skipped[0][1]}."
        self.result.setText(text)
        self.refresh()
        self.preview.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        self.result.setText(f"<b style='color:{theme.ERROR}'>Purge refused or failed:</b> {exc}")
        self.refresh()
        self.preview.setEnabled(True)

    def _confirm_purge(self) -> None:
        due = [st for st in self.retention.status() if st.state == DUE]
        if not due:
            self.refresh()
            return
        names = "\n".join(f"• {st.file_name} (due {_day(st.deadline)})" for st in due[:15])
        more = f"\n… and {len(due) - 15} more" if len(due) > 15 else ""
        box = QMessageBox(QMessageBox.Icon.Warning, "Run purge",
                          f"Permanently delete the originals, caches and thumbnails of {len(due)} recording(s)?"
                          f"\n\n{names}{more}\n\nA tombstone and an audit event are kept for each.",
                          QMessageBox.StandardButton.Cancel, self)
        go = box.addButton("Delete them", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda b: self.run(dry_run=False) if b is go else None)
        self.confirm_box = box
        box.open()

    # ---- policy ---------------------------------------------------------------------------------------------
    def _change_period(self) -> None:
        dialog = PolicyDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._set_period(*dialog.values()))
        self.policy_dialog = dialog
        dialog.open()

    def _set_period(self, category: str, days: int, reason: str) -> None:
        try:
            self.retention.policies.set(category, days, reason)
        except Exception as exc:  # noqa: BLE001 - refusals and bad input are shown, the dialog stays usable
            self.result.setText(f"<b style='color:{theme.ERROR}'>Not changed:</b> {exc}")
            return
        self.result.setText(f"Retention period of {category} set to {days} days (Ctrl+Z undoes).")
        self.refresh()


class PolicyDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Change retention period")
        self.category = QLineEdit("non_evidential")
        self.category.setToolTip("non_evidential, evidential, or an evidential category such as complaint")
        self.days = QSpinBox()
        self.days.setRange(1, MAX_DAYS)
        self.days.setValue(31)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why (recorded in the audit trail)")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Category", self.category)
        form.addRow("Days", self.days)
        form.addRow("Reason", self.reason)
        form.addRow(buttons)

    def values(self) -> tuple[str, int, str]:
        return self.category.text().strip(), self.days.value(), self.reason.text().strip()


def _tree(columns, name: str) -> QTreeWidget:
    t = QTreeWidget()
    t.setObjectName(name)
    t.setHeaderLabels(list(columns))
    t.setRootIsDecorated(False)
    t.setAlternatingRowColors(True)
    t.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    t.header().setStretchLastSection(False)
    return t

"""The mask set's four-eyes approval in the Masks dock: whether the current masks are approved, by whom and when,
and an Approve button for a second user. The core decides and audits (reviewer/redact/approval.py); the button is
only enabled when the core would accept, and a refusal is shown here in one line."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from reviewer.errors import ReviewerError
from reviewer.govern.roles import Action
from reviewer.redact import approval


class ApprovalBox(QGroupBox):
    def __init__(self, session, parent: QWidget | None = None):
        super().__init__("Approval", parent)
        self.setObjectName("maskApproval")
        self.session = session
        self.status: approval.ApprovalStatus | None = None
        lay = QVBoxLayout(self)
        self.state = QLabel("")
        self.state.setObjectName("approvalState")
        self.state.setWordWrap(True)
        self.problem = QLabel("")
        self.problem.setObjectName("approvalProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.approve_button = QPushButton("Approve masks")
        self.approve_button.setObjectName("approveMasks")
        self.approve_button.clicked.connect(self.approve)
        lay.addWidget(self.state)
        lay.addWidget(self.problem)
        lay.addWidget(self.approve_button)
        # a drag changes the masks many times a second: re-read the approval once it settles
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(250)
        self._later.timeout.connect(self.refresh)
        session.changed.connect(self._later.start)
        session.recordingChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        rid = self.session.recording_id
        self.status = None if rid is None else approval.status(self.session.library, rid)
        st = self.status
        if st is None:
            self.state.setText("No recording open.")
        elif st.approved:
            self.state.setText(f"Approved by {st.latest.approved_by} ({st.latest.role.replace('_', ' ')}) "
                               f"at {st.latest.approved_at:%Y-%m-%d %H:%M} UTC.\nMask set {st.current_sha256[:12]}…")
        elif st.void:
            self.state.setText(f"Not approved: the masks changed after {st.latest.approved_by} approved them. "
                               "Exports by trainers and disclosures need a new approval.")
        elif st.has_masks:
            self.state.setText("Not approved. A second user who did not draw or edit these masks must approve "
                               "them before a trainer or a disclosure can export them.")
        else:
            self.state.setText("No masks to approve.")
        self._update_button()

    def _update_button(self) -> None:
        st, gov = self.status, self.session.library.gov
        why = ""
        if st is None or not st.has_masks or st.approved:
            why = "Nothing to approve."
        elif not gov.can(Action.APPROVE_REDACTION):
            why = "Your role may not approve redactions."
        elif gov.username in st.editors:
            why = "You worked on these masks; a second user must approve them."
        self.approve_button.setEnabled(not why)
        self.approve_button.setToolTip(why or "Approve exactly these masks (any later edit voids the approval)")

    def approve(self) -> None:
        rid = self.session.recording_id
        if rid is None:
            return
        try:
            approval.approve(self.session.library, rid)
        except ReviewerError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
        else:
            self.problem.hide()
        self.refresh()

"""Detection assist feature (issue 14 s.2): "Detect faces…" for the open recording (its in/out range when both are
marked), a Proposals dock to accept or reject, dashed outlines of pending proposals on the canvas, and a question
before an export while proposals are pending. The work is the core's (reviewer.detect); ui/detect/ has the parts.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from reviewer.detect.proposals import summary
from ui.detect.lane import ProposalsLane
from ui.detect.overlay import ProposalOverlay
from ui.detect.panel import ProposalsPanel
from ui.detect.review import ProposalReview
from ui.shortcuts import Shortcut

NAME = "detect"
SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("detect_faces", ("Ctrl+Alt+F",), "Detect faces (the marked in/out range, else the whole recording)…",
             "f.detect.detect", menu="Redaction"),
)


def install(window) -> "DetectFeature":
    return DetectFeature(window)


class DetectFeature:
    def __init__(self, window):
        self.window = window
        self.review = ProposalReview(window, window.f.masks)
        self.overlay = ProposalOverlay(self.review)
        window.canvas.overlays.append(self.overlay.paint)
        self.panel = ProposalsPanel(self)
        self.lane = window.timeline.add_lane(ProposalsLane(window.timeline, self.review))
        self.dock = window.add_dock("proposalsDock", "Proposals", self.panel, Qt.DockWidgetArea.RightDockWidgetArea)
        masks = window.docks.get("masksDock")
        if masks is not None:
            window.tabifyDockWidget(masks, self.dock)
        info = window.docks.get("infoDock")
        if info is not None:
            info.raise_()  # a tab added last comes to the front: the recording's facts stay what a launch shows
        self.review.message.connect(self.say)
        window.f.masks.review.add_source(self.review.review_items, self.review.changed)  # possible misses
        self.question: QMessageBox | None = None
        export = getattr(window.f, "export", None)
        if export is not None:
            export.checks.append(self.ask_before_export)

    def say(self, text: str) -> None:
        if text:
            self.window.statusBar().showMessage(text, 10_000)

    def _marked_range(self) -> tuple[int | None, int | None]:
        ann = getattr(self.window.f, "annotate", None)
        session = getattr(ann, "session", None)
        a, b = getattr(session, "in_index", None), getattr(session, "out_index", None)
        return (a, b) if a is not None and b is not None and a <= b else (None, None)

    # ---- actions (the shortcut and the panel's buttons) -----------------------------------------------------
    def detect(self) -> bool:
        self.window.controller.pause()
        started = self.review.start(*self._marked_range())
        if started:
            self.dock.show()
            self.dock.raise_()
        return started

    def accept_all(self) -> bool:
        return self.review.accept_all()

    def accept_selected(self) -> bool:
        return self.review.accept(self.panel.selected_ids())

    def reject_selected(self) -> bool:
        return self.review.reject(self.panel.selected_ids())

    # ---- export -----------------------------------------------------------------------------------------------
    def ask_before_export(self, recording_id: str, proceed: Callable[[], None]) -> bool:
        """The export feature's check: with proposals pending, ask (non-blocking) and proceed only on Yes.
        True: the question is open (the export waits for it)."""
        try:
            counts = summary(self.review.session.store, recording_id)
        except Exception:  # noqa: BLE001 - the export itself checks permissions; it must not be blocked by this
            return False
        if not counts.get("proposed"):
            return False
        box = QMessageBox(QMessageBox.Icon.Question, "Face proposals pending",
                          f"{counts['proposed']} face proposal(s) on this recording are still pending and will NOT "
                          f"be redacted ({counts['accepted']} accepted, {counts['rejected']} rejected).\n\n"
                          f"Export anyway?", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self.window)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(proceed)  # Yes is the accept role; No and Esc reject
        self.question = box
        box.open()
        return True

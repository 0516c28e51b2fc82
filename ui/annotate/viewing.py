"""The gate in front of the player: ask why before a recording is opened (once per recording per session), and
record viewing sessions (start when a recording reaches the player, end when it leaves it)."""

from __future__ import annotations

import logging
from typing import Callable

from PySide6.QtCore import QObject

from reviewer.errors import ReviewerError
from ui.annotate import justification_dialog

log = logging.getLogger(__name__)


class ViewingGate(QObject):
    def __init__(self, library, controller, parent_widget, report: Callable[[str], None]):
        super().__init__(parent_widget)
        self.library = library
        self.gov = library.gov
        self.controller = controller
        self.parent_widget = parent_widget
        self.report = report
        self.dialog: justification_dialog.JustificationDialog | None = None
        self.token: str | None = None
        controller.sourceOpened.connect(self._started)
        controller.sourceClosed.connect(self.end)

    def ask(self, recording_id: str, proceed: Callable[[str], None]) -> None:
        """The window's open_reason hook: proceed(reason) now if a reason was given this session, else once the
        user has answered the dialog; never if they cancel."""
        given = self.gov.justification_for(recording_id)
        if given:
            proceed(given)
            return
        try:
            name = self.library.get(recording_id).file_name
        except ReviewerError as exc:
            self.report(str(exc))
            return
        if self.dialog is not None:
            self.dialog.close()  # a newer request replaces an unanswered one
        self.dialog = d = justification_dialog.ask(self.parent_widget, name, proceed)
        if d is not None:
            d.finished.connect(lambda _r: setattr(self, "dialog", None) if self.dialog is d else None)

    def _started(self, source) -> None:
        self.end()
        view = getattr(source, "view", None)
        if view is None:
            return  # a bare file outside the library: nothing to govern
        try:
            self.token = self.gov.viewing_started(view.id)
        except ReviewerError as exc:
            log.warning("viewing session not recorded: %s", exc)
            self.report(f"Viewing session not recorded: {exc}")

    def end(self) -> None:
        token, self.token = self.token, None
        if token is not None:
            try:
                self.gov.viewing_ended(token)
            except Exception:  # noqa: BLE001 - closing the player must not fail; the start is on record
                log.exception("viewing end not recorded")

"""First launch with a new library: name its supervisor (asked once per launch while it has none, with the same
audited core call as `reviewer admin init`), then make demo footage locally (no downloads) and import it, so a
new user has something real to step through. The demo runs off the UI thread behind a progress dialog and can
be cancelled; it is offered once per library home, whatever the outcome. The dialog, the status bar and the empty
library list all say which recording is being made and about how long is left: the first run takes a minute or
two."""

from __future__ import annotations

import datetime as dt
import time
from typing import Callable

from reviewer.errors import ReviewerError
from reviewer.govern.roles import Action
from reviewer.progress import Task
from ui.dialogs.message import show_message
from ui.dialogs.progress_dialog import run_with_progress
from ui.export.jobs_panel import format_eta

FLAG = "demo_offered"
DEMO_INCIDENT = None  # the demo sidecars carry their own incident reference
ETA_AFTER = 0.02  # the first frames include building the scene: an estimate from them would be far too long


def should_generate(library, settings) -> bool:
    # A library linked to a store lists the store's footage, which arrives after the window is up: it is never
    # empty for long, and local demo recordings would sit among the force's evidence.
    return (not settings.flag(FLAG) and library.gov.store_authority() is None and not library.recordings()
            and library.gov.can(Action.IMPORT))


def init_question(library) -> str:
    return (f"Initialise this new library with you (OS account {library.gov.os_account}) as its supervisor?\n\n"
            f"{library.paths.home}\n\nA supervisor gives everyone else their role. This is recorded in the audit "
            "trail. Without a supervisor nobody can view or change anything in this library.")


def _ask(window, text: str) -> bool:
    from PySide6.QtWidgets import QMessageBox

    answer = QMessageBox.question(window, "New library", text, QMessageBox.StandardButton.Yes
                                  | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
    return answer == QMessageBox.StandardButton.Yes


def maybe_initialise(window, confirm: Callable[[object, str], bool] = _ask) -> bool:
    """Offer to make the OS account the supervisor of a library that has none; True when it was done."""
    library = window.library
    if library.gov.has_supervisor():
        return False
    if not confirm(window, init_question(library)):
        window.statusBar().showMessage("This library has no supervisor: nothing can be viewed or changed. "
                                       "Run `reviewer admin init --supervisor USER`.", 0)
        return False
    from reviewer.govern.bootstrap import initialise

    try:
        initialise(library.gov, library.gov.os_account)
    except ReviewerError as exc:
        window.last_alert = show_message(window, "New library", str(exc), "warning")
        return False
    window.setWindowTitle(window.title())
    window.statusBar().showMessage(f"{library.gov.os_account} is the supervisor of this library.", 10_000)
    return True


def warn_if_unsealable(window) -> bool:
    """Without a secure keyring the app still views footage, but nothing can be sealed: say so up front rather
    than at the first export. True when it warned."""
    from reviewer.govern.signing import KeyUnavailable, secure_backend

    try:
        secure_backend()
    except KeyUnavailable as exc:
        window.statusBar().showMessage(f"Viewing only, exports refused: {exc}", 0)
        return True
    return False


def start(window, confirm: Callable[[object, str], bool] = _ask, seconds: float | None = None):
    """What the app does once its window is up: name a supervisor if needed, then offer the demo footage."""
    maybe_initialise(window, confirm)
    op = maybe_generate_demo(window, seconds)
    warn_if_unsealable(window)
    return op


def _part(task: Task, lo: float, hi: float, prefix: str = "") -> Task:
    """A sub-task reporting into [lo, hi] of `task` and sharing its cancel token."""
    return Task(progress=lambda f, label: task.report(lo + (hi - lo) * f, prefix + label), cancel=task.cancel)


def with_eta(task: Task, clock: Callable[[], float] = time.monotonic) -> Task:
    """`task`, with "about M:SS left" added to each label, from the rate so far."""
    start = clock()

    def report(fraction: float, label: str) -> None:
        elapsed = clock() - start
        if ETA_AFTER <= fraction < 1.0 and elapsed > 0:
            label = f"{label} — about {format_eta(elapsed * (1 - fraction) / fraction)} left"
        task.report(fraction, label)

    return Task(progress=report, cancel=task.cancel)


def generate_and_import(library, seconds: float | None = None, *, task: Task):
    """Worker: generate the demo clips (with sidecars) into the library's demo folder, then ingest them."""
    from reviewer.demo import generate_demo  # only needed once per library; keep it off the startup path
    task = with_eta(task)
    folder = library.paths.demo
    folder.mkdir(parents=True, exist_ok=True)
    task.report(0.0, "Generating demo footage…")
    part = _part(task, 0.0, 0.85)
    # The demo incident happened "yesterday afternoon": footage dated months back would greet a new user as
    # already due for deletion under the 31-day rule.
    yesterday = dt.datetime.now(dt.timezone.utc).replace(hour=14, minute=37, second=5, microsecond=0) - dt.timedelta(days=1)
    kwargs = {"incident_start": yesterday} if seconds is None else {"incident_start": yesterday, "seconds": seconds}
    files = generate_demo(folder, part, **kwargs)
    task.check("demo import")
    task.report(0.85, "Importing demo footage…")
    return library.import_paths(list(files), incident=DEMO_INCIDENT,
                                task=_part(task, 0.85, 1.0, "Importing demo footage: "))


def maybe_generate_demo(window, seconds: float | None = None):
    """Start demo generation if this is a first launch; returns the Operation, or None when not needed."""
    if not should_generate(window.library, window.settings):
        return None
    window.settings.set_flag(FLAG)
    panel = window.library_panel

    def progress(_fraction: float, label: str) -> None:
        if label:
            panel.set_activity(label)
            window.statusBar().showMessage(label)

    def done(report) -> None:
        panel.set_activity(None)
        window.statusBar().clearMessage()
        panel.refresh()
        if report.errors:
            problems = "\n".join(f"{p}: {msg}" for p, msg in report.errors)
            window.last_alert = show_message(window, "Demo footage", f"Some demo files could not be imported:\n\n"
                                             f"{problems}", "warning")
        elif report.added:
            window.statusBar().showMessage(f"Demo footage ready: {len(report.added)} recordings. "
                                           "Double-click one to open it.", 15_000)

    def failed(exc: BaseException) -> None:
        panel.set_activity(None)
        window.statusBar().showMessage("Demo footage could not be generated.", 10_000)
        window.last_alert = show_message(window, "Demo footage", f"Demo footage could not be generated:\n\n{exc}",
                                         "warning")

    def cancelled() -> None:
        panel.set_activity(None)
        window.statusBar().showMessage("Demo footage cancelled. Import your own footage with Ctrl+I.", 10_000)

    panel.set_activity("Preparing demo footage…")
    op, _dialog = run_with_progress(window.runner, window, "Preparing demo footage", generate_and_import,
                                    window.library, seconds, on_done=done, on_error=failed,
                                    on_cancelled=cancelled, on_progress=progress)
    return op

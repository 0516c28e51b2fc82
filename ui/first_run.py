"""First launch with an empty library: make demo footage locally (no downloads) and import it, so a new user
has something real to step through. Runs off the UI thread behind a progress dialog and can be cancelled; it is
offered once per library home, whatever the outcome."""

from __future__ import annotations

import datetime as dt

from reviewer.progress import Task
from ui.dialogs.message import show_message
from ui.dialogs.progress_dialog import run_with_progress

FLAG = "demo_offered"
DEMO_INCIDENT = None  # the demo sidecars carry their own incident reference


def should_generate(library, settings) -> bool:
    return not settings.flag(FLAG) and not library.recordings()


def _part(task: Task, lo: float, hi: float) -> Task:
    """A sub-task reporting into [lo, hi] of `task` and sharing its cancel token."""
    return Task(progress=lambda f, label: task.report(lo + (hi - lo) * f, label), cancel=task.cancel)


def generate_and_import(library, seconds: float | None = None, *, task: Task):
    """Worker: generate the demo clips (with sidecars) into the library's demo folder, then ingest them."""
    from reviewer.demo import generate_demo  # only needed once per library; keep it off the startup path
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
    return library.import_paths(list(files), incident=DEMO_INCIDENT, task=_part(task, 0.85, 1.0))


def maybe_generate_demo(window, seconds: float | None = None):
    """Start demo generation if this is a first launch; returns the Operation, or None when not needed."""
    if not should_generate(window.library, window.settings):
        return None
    window.settings.set_flag(FLAG)

    def done(report) -> None:
        window.library_panel.refresh()
        if report.errors:
            problems = "\n".join(f"{p}: {msg}" for p, msg in report.errors)
            window.last_alert = show_message(window, "Demo footage", f"Some demo files could not be imported:\n\n"
                                             f"{problems}", "warning")
        elif report.added:
            window.statusBar().showMessage(f"Demo footage ready: {len(report.added)} recordings. "
                                           "Double-click one to open it.", 15_000)

    def failed(exc: BaseException) -> None:
        window.last_alert = show_message(window, "Demo footage", f"Demo footage could not be generated:\n\n{exc}",
                                         "warning")

    op, _dialog = run_with_progress(window.runner, window, "Preparing demo footage", generate_and_import,
                                    window.library, seconds, on_done=done, on_error=failed,
                                    on_cancelled=lambda: window.statusBar().showMessage(
                                        "Demo footage cancelled. Import your own footage with Ctrl+I.", 10_000))
    return op

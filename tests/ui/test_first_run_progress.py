"""First-launch demo generation says which recording it is making, about how long is left, and the status bar and
the empty library list say the same while it runs."""

from __future__ import annotations

from reviewer.progress import Task
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from ui import first_run
from ui.panels.library_panel import EMPTY_TEXT


def test_eta_from_the_rate_so_far():
    now = [100.0]
    seen = []
    task = first_run.with_eta(Task(progress=lambda f, label: seen.append(label)), clock=lambda: now[0])
    task.report(0.0, "recording 1 of 2")
    now[0] = 110.0
    task.report(0.25, "recording 1 of 2")
    now[0] = 190.0
    task.report(0.5, "recording 2 of 2")
    task.report(1.0, "done")
    assert seen == ["recording 1 of 2", "recording 1 of 2 — about 0:30 left", "recording 2 of 2 — about 1:30 left",
                    "done"]


def test_the_worker_says_which_recording_and_how_long_is_left(library):
    labels = []
    report = first_run.generate_and_import(library, 1.0, task=Task(progress=lambda f, label: labels.append(label)))
    assert len(report.added) == 2
    making = [s for s in labels if s.startswith("Generating demo footage, recording")]
    assert any(s.startswith("Generating demo footage, recording 1 of 2 (officer PC 2231)") for s in making)
    assert any(s.startswith("Generating demo footage, recording 2 of 2 (officer PC 1187)") for s in making)
    assert all(" — about " in s and s.endswith(" left") for s in making[-5:]), "an ETA once the rate is known"
    assert any(s.startswith("Importing demo footage: ") for s in labels)


def test_the_status_bar_and_library_list_say_what_is_happening(qtbot, window):
    status, panel_texts = [], []

    def heard(message: str) -> None:
        if message:
            status.append(message)
            panel_texts.append(window.library_panel.empty.text())

    window.statusBar().messageChanged.connect(heard)
    op = first_run.maybe_generate_demo(window, seconds=1.0)  # short clips: the real ones are 75 s
    assert op is not None
    assert window.library_panel.empty.text() == "Preparing demo footage…"
    qtbot.waitUntil(lambda: op.finished, timeout=60_000)
    qtbot.waitUntil(lambda: any(s.startswith("Demo footage ready: 2 recordings") for s in status), timeout=60_000)
    # progress reaches the screen coalesced, so not every report is shown; those shown are in both places
    working = [(s, p) for s, p in zip(status, panel_texts) if s.startswith(("Generating", "Importing"))]
    assert any(s.startswith("Generating demo footage, recording ") for s, _p in working)
    assert all(s == p for s, p in working), "the empty library list says what the status bar says"
    assert window.library_panel.empty.text() == EMPTY_TEXT

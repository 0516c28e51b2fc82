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


def test_demo_generation_tells_the_user_what_is_happening(qtbot, window):
    status, panel_texts = [], []

    def heard(message: str) -> None:
        if message:
            status.append(message)
            panel_texts.append(window.library_panel.empty.text())

    window.statusBar().messageChanged.connect(heard)
    op = first_run.maybe_generate_demo(window, seconds=1.0)  # short clips: the real ones are 75 s
    assert op is not None
    qtbot.waitUntil(lambda: op.finished, timeout=60_000)
    qtbot.waitUntil(lambda: any(s.startswith("Demo footage ready: 2 recordings") for s in status), timeout=10_000)
    making = [s for s in status if s.startswith("Generating demo footage, recording")]
    assert any("recording 1 of 2 (officer PC 2231)" in s for s in making)
    assert any("recording 2 of 2 (officer PC 1187)" in s for s in making)
    assert any(s.startswith("Importing demo footage: ") for s in status)
    assert any(" left" in s for s in making), "an ETA once the rate is known"
    # the empty library list said the same as the status bar while the work ran
    for s, p in zip(status, panel_texts):
        if s.startswith(("Generating", "Importing")):
            assert p == s
    assert window.library_panel.empty.text() == EMPTY_TEXT

"""Open an incident's recordings for the grid: each original verified and audited as a single open is
(Library.open_recording), with one reason for the whole incident. Runs on a worker thread; Qt-free."""

from __future__ import annotations

from reviewer.errors import ReviewerError
from reviewer.incident.clock import IncidentClock
from reviewer.incident.service import IncidentClocks
from reviewer.library.ingest import subtask
from reviewer.progress import NO_TASK, Task
from ui.multicam.session import MAX_TILES


def open_incident(library, reference: str, reason: str | None = None,
                  task: Task = NO_TASK) -> tuple[IncidentClock, dict]:
    clock = IncidentClocks(library).clock(reference)
    placements = clock.placements
    if len(placements) < 2:
        raise ReviewerError(f"incident {reference!r} has {len(placements)} recording; the grid needs 2 to "
                            f"{MAX_TILES}")
    if len(placements) > MAX_TILES:
        raise ReviewerError(f"incident {reference!r} has {len(placements)} recordings; the grid shows at most "
                            f"{MAX_TILES} in this version")
    sources = {}
    for i, p in enumerate(placements):
        part = subtask(task, i / len(placements), 1 / len(placements))
        sources[p.key] = library.open_recording(p.recording_id, part, reason=reason)
    return clock, sources

"""Detection assist's entry point for the CLI and the UI (which runs it on its Runner with progress and cancel):
check the permission and the model first, open the recording (verified, audited), run the pass over the range,
write the proposals; optionally accept them all as one undo step."""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.detect.centerface import CenterFace
from reviewer.detect.detector import READER_CACHE_BYTES, Detector, PassResult, Settings
from reviewer.detect.proposals import accept, propose
from reviewer.errors import ReviewerError
from reviewer.govern.roles import Action
from reviewer.media.frame_reader import FrameReader
from reviewer.media.geometry import Geometry
from reviewer.library.ingest import subtask
from reviewer.progress import NO_TASK, Task
from reviewer.redact.editor import MaskEditor
from reviewer.redact.model import MaskTrack
from reviewer.redact.store import MaskStore


@dataclass
class Detection:
    recording_id: str
    result: PassResult
    proposals: list[MaskTrack]
    accepted: bool


def run_detection(library, recording_id: str, first: int | None = None, last: int | None = None,
                  settings: Settings = Settings(), task: Task = NO_TASK, accept_all: bool = False,
                  reason: str | None = None, editor: MaskEditor | None = None) -> Detection:
    """Cancelled (Task.cancel) part way: Cancelled is raised and nothing is written, because a proposal from a
    partial pass would end where the pass stopped, not where the face left. `editor`: the UI's, so an accept
    lands on its undo stack."""
    view = library.get(recording_id)
    library.gov.require(Action.REDACT, "recording", view.id)
    model = CenterFace()  # ModelMissing before any footage is touched
    opened = library.open_recording(view.id, subtask(task, 0.0, 0.05), reason=reason)
    n = opened.table.frame_count
    a, b = 0 if first is None else first, n - 1 if last is None else last
    if not (0 <= a <= b < n):
        raise ReviewerError(f"recording {view.id}: frame range {a}-{b} is outside its frames 0-{n - 1}")
    store = editor.store if editor is not None else MaskStore(library)
    reader = FrameReader(opened.path, opened.table, cache_bytes=READER_CACHE_BYTES)
    try:
        result = Detector(reader, settings, model, Geometry.of(opened.info)).run(a, b, subtask(task, 0.05, 0.93))
    finally:
        reader.close()
    masks = propose(store, view.id, opened.table, result, settings)
    accepted = False
    if accept_all and masks:
        ed = editor or MaskEditor(store, view.id, author=library.gov.username)
        accept(ed, [m.id for m in masks])
        accepted = True
    task.report(1.0, f"face detection: {len(masks)} proposals")
    return Detection(view.id, result, masks, accepted)

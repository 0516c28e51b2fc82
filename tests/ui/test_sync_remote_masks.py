"""A mask change that arrives by sync (applied on the sync thread) shows in the open recording at once: the
session reloads the masks on the UI thread, and the change paints like a local one."""

from __future__ import annotations

import json
import shutil
import threading

import pytest
from sqlalchemy import select

from reviewer.library import Library
from reviewer.library.models_ops import OpLogRow
from reviewer.ops.apply import apply_remote
from reviewer.ops.envelope import Operation
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore
from tests.fixtures.testlib import make_test_library
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui
WAIT = 60_000


def _import(lib, clip, folder):
    folder.mkdir()
    shutil.copy(clip.path, folder / "a.mp4")
    return lib.import_paths([folder / "a.mp4"]).added[0]


def test_a_mask_drawn_on_another_workstation_appears_in_the_open_recording(qtbot, window, library, make_clip,
                                                                          tmp_path):
    clip = make_clip("cfr_h264")
    here = _import(library, clip, tmp_path / "here")
    # the other workstation: its own library holding the same footage, where a mask is drawn
    with Library(make_test_library(tmp_path / "other-home")) as other:
        there = _import(other, clip, tmp_path / "there")
        table = other.open_recording(there.id, reason="test").table
        track = MaskTrack(ShapeKind.RECT, (Keyframe(int(table.pts[0]), ((10.0, 10.0), (60.0, 60.0))),),
                          effect=Effect(EffectKind.SOLID), reason="third-party face")
        MaskStore(other).save_track(there.id, track)
        with other.sessions() as s:
            envelopes = [json.loads(r.envelope) for r in s.scalars(select(OpLogRow).order_by(OpLogRow.seq))]

    with qtbot.waitSignal(window.controller.frameShown, timeout=WAIT):
        window.open_recording(here.id, reason="test: remote masks")
    session = window.f.masks.session
    qtbot.waitUntil(lambda: session.editor is not None and session.recording_id == here.id, timeout=WAIT)
    assert session.mask_set.tracks == ()

    def sync_thread():
        for env in envelopes:
            apply_remote(library.gov, Operation.from_json(env), "investigator")

    worker = threading.Thread(target=sync_thread)
    worker.start()
    qtbot.waitUntil(lambda: not worker.is_alive(), timeout=WAIT)
    qtbot.waitUntil(lambda: [t.id for t in session.mask_set.tracks] == [track.id], timeout=WAIT)
    lanes = window.f.masks.lanes.lanes
    qtbot.waitUntil(lambda: len(lanes) == 1, timeout=WAIT)

"""Exports queue up behind each other, report fps/ETA, and can be cancelled queued or running."""

from __future__ import annotations

import shutil

from reviewer.export.queue import ExportQueue
from reviewer.export.service import ExportJob
from reviewer.library import Library


def test_queue_runs_in_order_reports_progress_and_cancels(home, make_clip, tmp_path):
    src = tmp_path / "in" / "clip.mp4"
    src.parent.mkdir()
    shutil.copy(make_clip("cfr_h264").path, src)
    with Library(home) as lib:
        rid = lib.import_paths([src]).added[0].id
        q = ExportQueue(lib)
        seen = []
        q.subscribe(lambda st: seen.append((st.id, st.state, st.fps, st.eta_seconds)))
        out = tmp_path / "out"
        out.mkdir()
        a = q.submit(ExportJob(rid, out / "a.mp4", ranges=((0, 149),), report=False))
        # b cancels itself once it is running and has made progress
        b = q.submit(ExportJob(rid, out / "b.mp4", report=False))
        c = q.submit(ExportJob(rid, out / "c.mp4", ranges=((0, 29),), report=False))
        q.cancel(c.id)  # still queued
        q.subscribe(lambda st: q.cancel(b.id) if st.id == b.id and st.fraction > 0.2 else None)
        assert q.wait(a.id, 120).state == "done"
        assert q.wait(b.id, 120).state == "cancelled"
        assert q.wait(c.id, 120).state == "cancelled"
        q.shutdown()
    assert (out / "a.mp4").exists() and not (out / "b.mp4").exists() and not (out / "c.mp4").exists()
    assert not list(out.glob("*.part.mp4"))
    running_a = [s for s in seen if s[0] == a.id and s[1] == "running" and s[2] > 0]
    assert running_a and all(s[3] is not None and s[3] >= 0 for s in running_a), "fps and ETA reported"
    order = [s[0] for s in seen if s[1] == "running"]
    assert order.index(a.id) < order.index(b.id), "jobs run in the order they were queued"

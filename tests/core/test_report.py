"""The court-bundle report: a real PDF that poppler reads, carrying the hashes and the redaction log."""

from __future__ import annotations

import subprocess
from pathlib import Path

from reviewer.export import report
from reviewer.export.job import export
from reviewer.export.settings import ExportRequest, Provenance
from reviewer.media.source import MediaSource
from reviewer.redact.model import Keyframe, MaskSet, MaskTrack, PtsRange, ShapeKind


def test_report_pdf_holds_hashes_redaction_log_and_bookmarks(make_clip, tmp_path):
    src = MediaSource.from_file(make_clip("cfr_noaudio").path)
    t = src.table
    ms = MaskSet(tracks=(MaskTrack(ShapeKind.RECT, (Keyframe(int(t.pts[0]), ((0.0, 0.0), (220.0, 40.0))),),
                                   label="bystander face", reason="third-party face", author="pc1234"),),
                 blackouts=(PtsRange(int(t.pts[10]), int(t.pts[20]), reason="screen"),))
    res = export(src, ms, ExportRequest(), tmp_path / "out.mp4",
                 Provenance("pc1234", "investigator", "ws1", "court bundle", "CPS Wessex", None, "INC-42"))
    with src.reader() as r:
        thumb = r.frame(30).rgb()
    pdf = report.write(report.report_path_for(res.output), res.manifest, t,
                       [report.ReportBookmark(30, "Door opens", "evidence", "note text", thumb)])
    assert pdf.read_bytes().startswith(b"%PDF-1.")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for needle in (res.manifest["source"]["sha256"], res.manifest["output"]["sha256"], "CPS Wessex", "INC-42",
                   "bystander face", "third-party face", "Full-frame blackout", "Door opens", "Leak check PASSED",
                   # drawn on frame 0 only, the mask held to the last frame: the log says what the export did
                   "bystander face: rect solid, frames 0-149"):
        assert needle in flat, needle
    png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(png)], check=True)
    assert Path(f"{png}-1.png").stat().st_size > 1000

"""Proposals on the canvas: a dashed outline (and its label) where each pending proposal is on the frame shown.
They are outlines only: a proposal never redacts the preview (nor the export) until it is accepted."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPen, QTransform

from reviewer.redact.interpolate import interpolate
from ui.redaction.overlay import _shape, _tag

PROPOSED = QColor(255, 120, 220)


class ProposalOverlay:
    def __init__(self, review):
        self.review = review  # ui.detect.review.ProposalReview: the pending tracks and the open recording's table

    def paint(self, p: QPainter, xf: QTransform, index: int) -> None:
        tracks = self.review.pending_tracks
        pts = self.review.pts_of(index)
        if not tracks or pts is None:
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(PROPOSED, 2, Qt.PenStyle.DashLine)
        for track in tracks:
            points = interpolate(track, pts)
            if points is None:
                continue
            _shape(p, xf, track.kind, points, pen)
            _tag(p, xf, points, f"{track.label} (proposed)", PROPOSED)

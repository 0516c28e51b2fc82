"""Proposals on the canvas: a dashed outline (and its label) where each pending proposal is on the frame shown;
the ones selected in the Proposals list are drawn solid and thicker in another colour, so the user sees which face
an Accept or Reject will act on. They are outlines only: a proposal never redacts the preview (nor the export)
until it is accepted."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPen, QTransform

from reviewer.redact.interpolate import interpolate
from ui.redaction.overlay import _shape, _tag

PROPOSED = QColor(255, 120, 220)
SELECTED = QColor(255, 210, 0)


class ProposalOverlay:
    def __init__(self, review):
        self.review = review  # ui.detect.review.ProposalReview: the pending tracks and the open recording's table

    def paint(self, p: QPainter, xf: QTransform, index: int) -> None:
        tracks = self.review.pending_tracks
        pts = self.review.pts_of(index)
        if not tracks or pts is None:
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pending = QPen(PROPOSED, 2, Qt.PenStyle.DashLine)
        chosen = QPen(SELECTED, 4, Qt.PenStyle.SolidLine)
        selected = self.review.highlighted
        # the selected last, so an overlapping neighbour's outline never hides them
        for track in sorted(tracks, key=lambda t: t.id in selected):
            points = interpolate(track, pts)
            if points is None:
                continue
            on = track.id in selected
            _shape(p, xf, track.kind, points, chosen if on else pending)
            _tag(p, xf, points, f"{track.label} ({'selected' if on else 'proposed'})", SELECTED if on else PROPOSED)

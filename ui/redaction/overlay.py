"""What the draw tool paints over the video: mask outlines (the selected masks always; every mask in the
outlines-only preview), the current mask's handles (filled on its keyframes, hollow where the geometry is
interpolated), a dashed "held" outline where the current mask is hidden or out of range, the shape being drawn,
and a frame border while a blackout range covers the frame.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF, QTransform

from reviewer.redact.effects import padded
from reviewer.redact.model import ShapeKind
from ui.redaction import geometry as geo
from ui.redaction.preview import PreviewMode
from ui.redaction.session import held_geometry

HANDLE_PX = 4.0  # half-size of a handle square, screen px
SELECTED = QColor(0, 200, 255)
OUTLINE = QColor(255, 205, 0)
GHOST = QColor(210, 210, 220)
DRAWING = QColor(80, 255, 140)
BLACKOUT = QColor(255, 60, 60)


class MaskOverlay:
    def __init__(self, tool):
        self.tool = tool  # ui.redaction.draw_tool.DrawTool: its session, preview mode and gesture in progress

    def paint(self, p: QPainter, xf: QTransform, index: int) -> None:
        t = self.tool
        pts = t.session.pts_of(index)
        if pts is None:
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        mode = t.preview.mode
        ms = t.session.display_set
        if mode is not PreviewMode.EFFECT and any(b.contains(pts) for b in ms.blackouts):
            self._blackout_frame(p, xf)
        selected = set(t.session.selected)
        cur = t.session.current
        for track in ms.tracks:
            is_sel = track.id in selected
            if not is_sel and mode is not PreviewMode.OUTLINES:
                continue
            points, live = held_geometry(track, pts)
            if not live and not is_sel:
                continue
            colour = SELECTED if is_sel else OUTLINE
            style = Qt.PenStyle.SolidLine if live else Qt.PenStyle.DashLine
            _shape(p, xf, track.kind, points, QPen(colour if live else GHOST, 2 if is_sel else 1.5, style))
            if track.padding > 0 and live:
                _shape(p, xf, track.kind, padded(track.kind, points, track.padding),
                       QPen(colour, 1, Qt.PenStyle.DotLine))
            tag = track.label or track.reason or "reason needed"
            if track.inverse:
                tag += " (inverse)"
            if cur is not None and track.id == cur.id:
                self._handles(p, xf, track.kind, points, track.keyframe_at(pts) is not None)
                if not live:
                    tag += " — not shown here; drag to show it from this frame"
            _tag(p, xf, points, tag, colour if live else GHOST)
        drawing = t.drawing()
        if drawing is not None:
            kind, points, open_trace = drawing
            pen = QPen(DRAWING, 1.5, Qt.PenStyle.DashLine)
            if kind is ShapeKind.POLYGON:
                poly = QPolygonF([xf.map(QPointF(x, y)) for x, y in points])
                p.setPen(pen)
                p.drawPolyline(poly) if open_trace or len(points) < 3 else p.drawPolygon(poly)
            else:
                _shape(p, xf, kind, geo.box(points[0], points[-1]), pen)

    def _handles(self, p: QPainter, xf: QTransform, kind: ShapeKind, points, keyframe: bool) -> None:
        """Filled handles when this frame holds a keyframe of the track, hollow when the geometry here is
        interpolated (dragging it will create one)."""
        t = self.tool
        p.setPen(QPen(SELECTED, 1.5))
        p.setBrush(QBrush(SELECTED) if keyframe else Qt.BrushStyle.NoBrush)
        allowed, _r = t.handle_set(kind, points)
        for i, (x, y) in enumerate(geo.handles(kind, points)):
            if allowed is not None and i not in allowed:
                continue
            c = xf.map(QPointF(x, y))
            p.drawRect(QRectF(c.x() - HANDLE_PX, c.y() - HANDLE_PX, 2 * HANDLE_PX, 2 * HANDLE_PX))
        p.setBrush(Qt.BrushStyle.NoBrush)

    def _blackout_frame(self, p: QPainter, xf: QTransform) -> None:
        t = self.tool
        source = t.controller.source
        if t.controller.current_image is None or source is None:
            return
        r = xf.mapRect(QRectF(0, 0, source.info.width, source.info.height))  # xf maps source pixels
        p.setPen(QPen(BLACKOUT, 4))
        p.drawRect(r.adjusted(2, 2, -2, -2))
        p.drawText(r.adjusted(12, 8, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                   "BLACKOUT (whole frame)")


def _shape(p: QPainter, xf: QTransform, kind: ShapeKind, points, pen: QPen) -> None:
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    if kind is ShapeKind.POLYGON:
        p.drawPolygon(QPolygonF([xf.map(QPointF(x, y)) for x, y in points]))
        return
    (x0, y0), (x1, y1) = geo.box(points[0], points[-1])
    # normalised: on a rotated picture the source's top-left corner may be any corner on screen
    r = QRectF(xf.map(QPointF(x0, y0)), xf.map(QPointF(x1, y1))).normalized()
    p.drawRect(r) if kind is ShapeKind.RECT else p.drawEllipse(r)


def _tag(p: QPainter, xf: QTransform, points, text: str, colour: QColor) -> None:
    if not text:
        return
    on_screen = [xf.map(QPointF(x, y)) for x, y in points]  # the label sits at the top-left as seen
    at = QPointF(min(q.x() for q in on_screen), min(q.y() for q in on_screen))
    fm = p.fontMetrics()
    w, h = fm.horizontalAdvance(text) + 8, fm.height() + 2
    box = QRectF(at.x(), at.y() - h - 2, w, h)
    p.fillRect(box, QColor(0, 0, 0, 160))
    p.setPen(colour)
    p.drawText(box.adjusted(4, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, text)

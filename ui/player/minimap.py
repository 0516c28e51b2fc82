"""Where am I when zoomed: a small overview of the whole frame in the canvas's corner with the visible part
outlined, and a zoom readout for the status bar."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QLabel, QWidget

MINIMAP_WIDTH = 180
MARGIN = 10
OUTLINE = QColor(255, 200, 0)


def zoom_text(canvas) -> str:
    pct = round(canvas.effective_zoom() * 100)
    return f"Zoom fit ({pct}%)" if canvas.zoom == "fit" else f"Zoom {pct}%"


class ZoomLabel(QLabel):
    """'Zoom fit (36%)' or 'Zoom 250%': the factor of video pixels to screen pixels, whenever a picture is up."""

    def __init__(self, canvas, parent: QWidget | None = None):
        super().__init__(parent)
        self.canvas = canvas
        self.setObjectName("zoomIndicator")
        self.setToolTip("Ctrl+wheel zooms about the cursor; F fits, 1/2/4 set 100/200/400%")
        canvas.viewChanged.connect(self._update)
        canvas.controller.sourceClosed.connect(self._update)
        self._update()

    def _update(self) -> None:
        has_picture = self.canvas.shown_index >= 0
        self.setVisible(has_picture)
        if has_picture:
            self.setText(zoom_text(self.canvas))


class Minimap(QWidget):
    """Shown only while part of the frame is off screen; paints the frame small with the visible part outlined."""

    def __init__(self, canvas):
        super().__init__(canvas)
        self.canvas = canvas
        self.setObjectName("minimap")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        canvas.viewChanged.connect(self._update)
        canvas.controller.sourceClosed.connect(self._update)
        self.hide()

    def map_rect(self) -> QRectF:
        """Where the visible part sits inside this widget (for tests and painting)."""
        img = self.canvas.current_image_size()
        vis = self.canvas.visible_image_rect()
        if img is None or vis.isEmpty():
            return QRectF()
        k = self.width() / img.width()
        return QRectF(vis.x() * k, vis.y() * k, vis.width() * k, vis.height() * k)

    def _update(self) -> None:
        img = self.canvas.current_image_size()
        vis = self.canvas.visible_image_rect()
        show = (img is not None and not vis.isEmpty()
                and (vis.width() < img.width() - 0.5 or vis.height() < img.height() - 0.5))
        if show:
            w = min(MINIMAP_WIDTH, max(60, self.canvas.width() // 5))
            h = round(w * img.height() / img.width())
            self.setGeometry(self.canvas.width() - w - MARGIN, MARGIN, w, h)
            self.raise_()
        self.setVisible(show)
        self.update()

    def paintEvent(self, event) -> None:
        image = self.canvas.current_image()
        if image is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.setOpacity(0.85)
        p.drawImage(QRectF(self.rect()), image, QRectF(image.rect()))
        p.setOpacity(1.0)
        p.setPen(QPen(OUTLINE, 2))
        p.drawRect(self.map_rect().adjusted(1, 1, -1, -1))
        p.setPen(QPen(QColor(0, 0, 0, 180), 1))
        p.drawRect(QRectF(self.rect()).adjusted(0, 0, -1, -1))
        p.end()

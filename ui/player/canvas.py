"""The video canvas: the exact frame, scaled by nearest neighbour so every screen pixel is a real video pixel.

Zoom is fit, or a fixed factor where 100% maps one video pixel to one *device* pixel (HiDPI correct). Larger
frames pan by dragging. Ctrl+wheel zooms about the cursor: the video pixel under it stays under it. Overlays (redaction masks, later) paint in the same paintEvent through `overlays`: each
is called as fn(painter, source_to_widget: QTransform, frame_index) after the picture is drawn: overlays are in
source (storage) pixels, as masks are stored, and the picture is the displayed one (rotation and sample aspect
ratio applied, reviewer/media/geometry.py); source_to_widget() is the one place the two meet (ADR 0022).
"""

from __future__ import annotations

import math
from typing import Callable

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QRegion, QTransform, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from reviewer.media.geometry import Geometry
from ui.player.minimap import Minimap

BACKGROUND = QColor(16, 16, 18)
PLACEHOLDER = QColor(120, 120, 128)
ZOOM_STEPS = (1.0, 2.0, 4.0)
MIN_ZOOM, MAX_ZOOM = 0.05, 32.0
WHEEL_STEP = 1.25  # zoom factor per wheel notch (120 eighths of a degree)

Overlay = Callable[[QPainter, QTransform, int], None]


class VideoCanvas(QWidget):
    zoomChanged = Signal(object)  # "fit" or a float factor
    viewChanged = Signal()  # zoom, pan, size or picture changed: what part of the frame is visible

    def __init__(self, controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.overlays: list[Overlay] = []
        self._image: QImage | None = None
        self._index = -1
        self._zoom: str | float = "fit"
        self._pan = QPointF(0.0, 0.0)  # offset of the picture centre from the widget centre, logical px
        self._drag_from: QPointF | None = None
        self.setObjectName("videoCanvas")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        controller.imageReady.connect(self._on_image)
        controller.sourceClosed.connect(self._clear)
        self.minimap = Minimap(self)

    # ---- picture -------------------------------------------------------------------------------------------
    def _on_image(self, index: int, image: QImage) -> None:
        first = self._image is None or self._image.size() != image.size()
        self._image, self._index = image, index
        if first:
            self._clamp_pan()
        self.update()
        self.viewChanged.emit()

    def _clear(self) -> None:
        self._image, self._index = None, -1
        self.update()
        self.viewChanged.emit()

    def current_image(self) -> QImage | None:
        return self._image

    def current_image_size(self):
        return self._image.size() if self._image is not None and not self._image.isNull() else None

    @property
    def shown_index(self) -> int:
        """Index of the picture this widget holds (-1 when empty)."""
        return self._index

    # ---- zoom and pan --------------------------------------------------------------------------------------
    @property
    def zoom(self) -> str | float:
        return self._zoom

    def zoom_fit(self) -> None:
        self._set_zoom("fit")

    def set_zoom(self, factor: float) -> None:
        self._set_zoom(float(factor))

    def zoom_in(self) -> None:
        cur = self._effective_zoom()
        self._set_zoom(next((z for z in ZOOM_STEPS if z > cur + 1e-6), ZOOM_STEPS[-1]))

    def zoom_out(self) -> None:
        cur = self._effective_zoom()
        smaller = [z for z in ZOOM_STEPS if z < cur - 1e-6]
        self._set_zoom(smaller[-1] if smaller else "fit")

    def _set_zoom(self, zoom: str | float) -> None:
        if zoom != "fit" and not MIN_ZOOM <= zoom <= MAX_ZOOM:
            raise ValueError(f"zoom {zoom} out of range")
        old = self._scale()
        self._zoom = zoom
        new = self._scale()
        if zoom == "fit":
            self._pan = QPointF(0.0, 0.0)
        elif old > 0:
            self._pan = self._pan * (new / old)  # keep the picture point at the widget centre in place
        self._clamp_pan()
        self.update()
        self.zoomChanged.emit(zoom)
        self.viewChanged.emit()

    def zoom_at(self, factor: float, pos: QPointF) -> None:
        """Multiply the zoom by `factor`, keeping the video point under widget position `pos` where it is (as far
        as the picture's edges allow: a picture smaller than the widget stays centred)."""
        if self._image is None or self._image.isNull():
            return
        old_s = self._scale()
        r = self._frame_rectf()
        point = QPointF((pos.x() - r.x()) / old_s, (pos.y() - r.y()) / old_s)  # video pixels
        target = max(MIN_ZOOM, min(MAX_ZOOM, self._effective_zoom() * factor))
        self._zoom = target
        s = self._scale()
        img = self._image
        # the picture's top-left must land at pos - point * s; pan is measured from the centred position
        self._pan = QPointF(pos.x() - point.x() * s - (self.width() - img.width() * s) / 2,
                            pos.y() - point.y() * s - (self.height() - img.height() * s) / 2)
        self._clamp_pan()
        self.update()
        self.zoomChanged.emit(target)
        self.viewChanged.emit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and event.angleDelta().y():
            self.zoom_at(WHEEL_STEP ** (event.angleDelta().y() / 120), event.position())
            event.accept()
            return
        super().wheelEvent(event)

    def widget_to_image(self, pos: QPointF) -> QPointF:
        """The video pixel position under widget position `pos` (may lie outside the frame)."""
        r, s = self._frame_rectf(), self._scale()
        return QPointF((pos.x() - r.x()) / s, (pos.y() - r.y()) / s)

    def visible_image_rect(self) -> QRectF:
        """The part of the frame the widget shows, in video pixels (the whole frame at fit)."""
        img = self._image
        if img is None or img.isNull():
            return QRectF()
        tl = self.widget_to_image(QPointF(0, 0))
        br = self.widget_to_image(QPointF(self.width(), self.height()))
        return QRectF(tl, br).intersected(QRectF(0, 0, img.width(), img.height()))

    def effective_zoom(self) -> float:
        """Video pixels -> device pixels factor in use (at fit, what fitting came to)."""
        return self._effective_zoom()

    def _effective_zoom(self) -> float:
        """Video pixels -> device pixels factor currently in use."""
        return self._scale() * self.devicePixelRatioF()

    def _scale(self) -> float:
        """Logical pixels per video pixel."""
        img = self._image
        if img is None or img.isNull():
            return 1.0
        if self._zoom == "fit":
            return min(self.width() / img.width(), self.height() / img.height())
        return float(self._zoom) / self.devicePixelRatioF()

    def _frame_rectf(self) -> QRectF:
        img = self._image
        if img is None:
            return QRectF()
        s = self._scale()
        w, h = img.width() * s, img.height() * s
        dpr = self.devicePixelRatioF()
        # snap the top-left to the device-pixel grid so 100% really is one video pixel per device pixel
        x = round((self.width() - w) / 2 * dpr + self._pan.x() * dpr) / dpr
        y = round((self.height() - h) / 2 * dpr + self._pan.y() * dpr) / dpr
        return QRectF(x, y, w, h)

    def frame_rect(self) -> QRect:
        """Where the video sits inside the widget, logical pixels (may extend past the edges when zoomed)."""
        return self._frame_rectf().toRect()

    def device_frame_rect(self) -> QRect:
        """frame_rect() in the device pixels of rendered_image() (differs from it on HiDPI screens)."""
        r, dpr = self._frame_rectf(), self.devicePixelRatioF()
        return QRectF(r.x() * dpr, r.y() * dpr, r.width() * dpr, r.height() * dpr).toRect()

    def image_to_widget(self) -> QTransform:
        r = self._frame_rectf()
        s = self._scale()
        return QTransform(s, 0, 0, s, r.x(), r.y())

    def source_to_widget(self) -> QTransform:
        """Source (storage) pixels of the open recording -> widget: the display geometry, then the view."""
        source = self.controller.source
        img = self._image
        if source is None or img is None or img.isNull():
            return self.image_to_widget()
        geometry = Geometry.of(source.info)
        m11, m12, m21, m22, dx, dy = geometry.display_affine()
        dw, dh = geometry.display_size
        # the picture on screen is the display picture; scaled here only if it ever arrives at another size
        fit = QTransform.fromScale(img.width() / dw, img.height() / dh)
        return QTransform(m11, m12, m21, m22, dx, dy) * fit * self.image_to_widget()

    def source_scale(self) -> float:
        """Widget pixels per source pixel (the geometric mean where the aspect ratio stretches one axis)."""
        return math.sqrt(abs(self.source_to_widget().determinant()))

    def _clamp_pan(self) -> None:
        img = self._image
        if img is None or self._zoom == "fit":
            self._pan = QPointF(0.0, 0.0)
            return
        s = self._scale()
        mx = max(0.0, (img.width() * s - self.width()) / 2)
        my = max(0.0, (img.height() * s - self.height()) / 2)
        self._pan = QPointF(max(-mx, min(mx, self._pan.x())), max(-my, min(my, self._pan.y())))

    def resizeEvent(self, event) -> None:
        self._clamp_pan()
        super().resizeEvent(event)
        self.viewChanged.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._zoom != "fit":
            self._drag_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            delta = event.position() - self._drag_from
            self._drag_from = event.position()
            self._pan += delta
            self._clamp_pan()
            self.update()
            self.viewChanged.emit()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            self._drag_from = None
            self.unsetCursor()
        super().mouseReleaseEvent(event)

    # ---- painting ------------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), BACKGROUND)
        img = self._image
        if img is None or img.isNull():
            p.setPen(PLACEHOLDER)
            text = "No recording open" if self.controller.source is None else "Decoding…"
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, text)
            p.end()
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.drawImage(self._frame_rectf(), img, QRectF(img.rect()))
        if self.overlays:
            xf = self.source_to_widget()
            for overlay in list(self.overlays):
                p.save()
                overlay(p, xf, self._index)
                p.restore()
        p.end()

    def rendered_image(self) -> QImage:
        """What the widget paints (picture and overlays), at device resolution, without the child widgets laid
        over it (minimap, full-screen transport): for tests and snapshots of the picture itself."""
        dpr = self.devicePixelRatioF()
        img = QImage(round(self.width() * dpr), round(self.height() * dpr), QImage.Format.Format_RGB32)
        img.setDevicePixelRatio(dpr)
        img.fill(BACKGROUND)
        self.render(img, QPoint(), QRegion(), QWidget.RenderFlag.DrawWindowBackground)
        return img

"""Drawing and editing masks on the video canvas: rectangle, ellipse, polygon (click vertices) and freehand lasso
(simplified to a polygon), then move and resize with handles.

Everything happens on the frame the canvas shows (canvas.shown_index), paused. A change at a frame creates or
updates that frame's keyframe through MaskEditor.set_geometry; the steps of one drag share a merge key, so one
drag is one undo step. Between commits the shape under the pointer is shown as the session's live geometry.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal

from reviewer.redact.interpolate import bounds
from reviewer.redact.model import Point, ShapeKind
from ui.redaction import geometry as geo
from ui.redaction.overlay import MaskOverlay
from ui.redaction.session import held_geometry

GRAB_PX = 7.0  # how close (screen px) counts as on a handle or a vertex
SMALL_PX = 60.0  # a box narrower than this on screen gets corner handles only, so its middle stays grabbable
COMMIT_INTERVAL_S = 0.25  # during a drag, store the geometry at most this often (and always on release)


class Tool(str, enum.Enum):
    SELECT = "select"
    RECT = "rect"
    ELLIPSE = "ellipse"
    POLYGON = "polygon"
    LASSO = "lasso"

    @property
    def label(self) -> str:
        return {"select": "Select", "rect": "Rectangle", "ellipse": "Ellipse", "polygon": "Polygon",
                "lasso": "Freehand"}[self.value]


@dataclass
class _Draw:
    kind: ShapeKind
    pts: int
    points: list[Point]  # rect/ellipse: [anchor, pointer]; polygon/lasso: the vertices so far


@dataclass
class _Drag:
    track_id: str
    pts: int
    handle: int | None  # None: move the whole shape
    origin: Point
    start: tuple[Point, ...]
    points: tuple[Point, ...]
    key: object = field(default_factory=object)
    committed_at: float = 0.0
    dirty: bool = False


class DrawTool(QObject):
    toolChanged = Signal(object)
    message = Signal(str)  # for the status bar

    def __init__(self, session, canvas, controller, preview, new_track_options, parent: QObject | None = None):
        """`new_track_options()` -> dict of MaskTrack fields (effect, padding) for a newly drawn shape; never a
        reason, which the properties box asks for."""
        super().__init__(parent)
        self.session, self.canvas, self.controller, self.preview = session, canvas, controller, preview
        self.new_track_options = new_track_options
        self.tool = Tool.SELECT
        self._gesture: _Draw | _Drag | None = None
        canvas.installEventFilter(self)
        canvas.setMouseTracking(True)
        self.overlay = MaskOverlay(self)
        canvas.overlays.append(self.overlay.paint)
        for sig in (session.changed, session.selectionChanged, preview.modeChanged):
            sig.connect(lambda *_: canvas.update())

    # ---- tools ----------------------------------------------------------------------------------------------
    def set_tool(self, tool: Tool) -> None:
        tool = Tool(tool)
        self._gesture = None
        self.session.clear_live()
        if tool is not self.tool:
            self.tool = tool
            self.toolChanged.emit(tool)
        if tool is Tool.SELECT:
            self.canvas.unsetCursor()
        else:
            self.canvas.setCursor(Qt.CursorShape.CrossCursor)
            self.message.emit(_HINTS[tool])
        self.canvas.update()

    def cancel(self) -> None:
        self._gesture = None
        self.session.clear_live()
        self.canvas.update()

    # ---- coordinates ----------------------------------------------------------------------------------------
    def _to_image(self, pos: QPointF) -> Point:
        inv, _ok = self.canvas.source_to_widget().inverted()  # masks are in source pixels (ADR 0022)
        q = inv.map(QPointF(pos))
        return q.x(), q.y()

    def _grab_radius(self) -> float:
        return GRAB_PX / max(1e-6, self.canvas.source_scale())

    def _frame_pts(self) -> int | None:
        if self.session.editor is None or self.canvas.shown_index < 0:
            return None
        return self.session.pts_of(self.canvas.shown_index)

    # ---- events ---------------------------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is not self.canvas:
            return False
        t = event.type()
        if t == QEvent.Type.MouseButtonPress:
            return self._press(event)
        if t == QEvent.Type.MouseMove:
            return self._move(event)
        if t == QEvent.Type.MouseButtonRelease:
            return self._release(event)
        if t == QEvent.Type.MouseButtonDblClick and isinstance(self._gesture, _Draw) and self.tool is Tool.POLYGON:
            self._finish_polygon()
            return True
        if t == QEvent.Type.KeyPress and self._gesture is not None:
            return self._key(event)
        return False

    def _key(self, event) -> bool:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.cancel()
            return True
        if isinstance(self._gesture, _Draw) and self.tool is Tool.POLYGON:
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._finish_polygon()
                return True
            if key == Qt.Key.Key_Backspace and len(self._gesture.points) > 1:
                self._gesture.points.pop(-2)  # the last placed vertex (the final one follows the pointer)
                self.canvas.update()
                return True
        return False

    def _press(self, event) -> bool:
        pts = self._frame_pts()
        if pts is None:
            return False
        p = self._to_image(event.position())
        if event.button() == Qt.MouseButton.RightButton and isinstance(self._gesture, _Draw):
            self._finish_polygon() if self.tool is Tool.POLYGON else self.cancel()
            return True
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        if self.tool is not Tool.SELECT and self.controller.playing:
            self.controller.pause()  # shapes are drawn on a still frame: the one on screen now
        if self.tool in (Tool.RECT, Tool.ELLIPSE):
            self._gesture = _Draw(ShapeKind.RECT if self.tool is Tool.RECT else ShapeKind.ELLIPSE, pts, [p, p])
            return True
        if self.tool is Tool.LASSO:
            self._gesture = _Draw(ShapeKind.POLYGON, pts, [p])
            return True
        if self.tool is Tool.POLYGON:
            g = self._gesture
            if not isinstance(g, _Draw):
                self._gesture = _Draw(ShapeKind.POLYGON, pts, [p, p])
            elif len(g.points) > 3 and max(abs(g.points[0][0] - p[0]), abs(g.points[0][1] - p[1])) <= \
                    self._grab_radius():
                self._finish_polygon()  # clicked the first vertex: close the outline
            else:
                g.points[-1] = p
                g.points.append(p)
            self.canvas.update()
            return True
        return self._press_select(event, pts, p)

    def _press_select(self, event, pts: int, p: Point) -> bool:
        hit = self._hit(pts, p)
        if hit is None:
            if not event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
                self.session.select([])
            return False  # the canvas pans a zoomed picture
        track, handle, points = hit
        selected = self.session.selected
        if event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
            self.session.select([i for i in selected if i != track.id] if track.id in selected
                                else selected + [track.id])
            return True
        self.session.select([i for i in selected if i != track.id] + [track.id] if track.id in selected
                            else [track.id])
        if self.controller.playing:
            self.controller.pause()  # a mask is edited on the frame it was grabbed on
        self._gesture = _Drag(track.id, pts, handle, p, points, points)
        return True

    def _hit(self, pts: int, p: Point):
        """(track, handle index or None, its geometry here) under image point p: the current track's handles
        first, then visible shapes from the top, then the current track's held outline."""
        r = self._grab_radius()
        cur = self.session.current
        if cur is not None:
            points, _live = held_geometry(cur, pts)
            allowed, hr = self.handle_set(cur.kind, points)
            h = geo.nearest_handle(cur.kind, points, p, hr, allowed)
            if h is not None:
                return cur, h, points
        ms = self.session.display_set
        for track in sorted(reversed(ms.tracks), key=lambda t: t.id not in self.session.selected):
            points, live = held_geometry(track, pts)
            if live and geo.contains(track.kind, points, p, r):
                return track, None, points
        if cur is not None:
            points, _live = held_geometry(cur, pts)
            if geo.contains(cur.kind, points, p, r):
                return cur, None, points
        return None

    def _move(self, event) -> bool:
        g = self._gesture
        if g is None:
            self._hover(event)
            return False
        p = self._to_image(event.position())
        if isinstance(g, _Draw):
            if self.tool is Tool.LASSO:
                last = g.points[-1]
                if max(abs(last[0] - p[0]), abs(last[1] - p[1])) >= 1.0:
                    g.points.append(p)
            else:
                g.points[-1] = p
            self.canvas.update()
            return True
        if g.handle is None:
            g.points = geo.translate(g.start, p[0] - g.origin[0], p[1] - g.origin[1])
        else:
            track = self.session.track(g.track_id)
            if track is None:
                self.cancel()
                return True
            g.points = geo.drag_handle(track.kind, g.start, g.handle, p)
        g.dirty = True
        self.session.set_live(g.track_id, g.pts, g.points)
        if time.monotonic() - g.committed_at >= COMMIT_INTERVAL_S:
            self._commit(g)
        return True

    def _release(self, event) -> bool:
        g = self._gesture
        if g is None or event.button() != Qt.MouseButton.LeftButton:
            return g is not None
        if isinstance(g, _Drag):
            self._gesture = None
            if g.dirty:
                self._commit(g)
            if self.session.editor is not None:
                self.session.editor.end_gesture()
            self.session.clear_live()
            return True
        if self.tool is Tool.POLYGON:
            return True  # vertices are placed on press; the outline closes on double-click, Enter or vertex 1
        self._gesture = None
        if self.tool is Tool.LASSO:
            points = geo.simplify_lasso(tuple(g.points), epsilon=max(1.0, 1.5 * self._grab_radius() / GRAB_PX))
            if len(points) >= 3 and geo.big_enough(points):
                self._add(ShapeKind.POLYGON, g.pts, points)
        else:
            points = geo.box(g.points[0], g.points[-1])
            if geo.big_enough(points):
                self._add(g.kind, g.pts, points)
        self.canvas.update()
        return True

    def _finish_polygon(self) -> None:
        g = self._gesture
        self._gesture = None
        if isinstance(g, _Draw):
            points = tuple(g.points[:-1])  # the last vertex is the one following the pointer
            if len(points) >= 3 and geo.big_enough(points):
                self._add(ShapeKind.POLYGON, g.pts, points)
            else:
                self.message.emit("A polygon needs at least three corners.")
        self.canvas.update()

    def drawing(self) -> tuple[ShapeKind, list[Point], bool] | None:
        """The shape being drawn, for the overlay: (kind, points so far, whether it is an open freehand trace)."""
        g = self._gesture
        if not isinstance(g, _Draw):
            return None
        return g.kind, list(g.points), self.tool is Tool.LASSO

    def handle_set(self, kind: ShapeKind, points) -> tuple[frozenset[int] | None, float]:
        """Which handles a shape offers at the current zoom, and their grab radius in image px: a shape small on
        screen offers its corners only, with a radius that leaves its middle for moving it."""
        scale = max(1e-6, self.canvas.source_scale())
        x0, y0, x1, y1 = bounds(points)
        side = min(x1 - x0, y1 - y0) * scale
        radius = min(GRAB_PX, max(3.0, side / 5)) / scale
        if kind is ShapeKind.POLYGON or side >= SMALL_PX:
            return None, radius
        return geo.CORNERS, radius

    def _hover(self, event) -> None:
        if self.tool is not Tool.SELECT:
            return
        pts = self._frame_pts()
        hit = self._hit(pts, self._to_image(event.position())) if pts is not None else None
        if hit is None:
            self.canvas.unsetCursor()
        elif hit[1] is None:
            self.canvas.setCursor(Qt.CursorShape.SizeAllCursor)
        else:
            self.canvas.setCursor(Qt.CursorShape.CrossCursor)

    # ---- edits ----------------------------------------------------------------------------------------------
    def _commit(self, g: _Drag) -> None:
        g.committed_at = time.monotonic()
        g.dirty = False
        editor = self.session.editor
        if editor is None or self.session.track(g.track_id) is None:
            return
        try:
            editor.set_geometry(g.track_id, g.pts, g.points, merge_key=g.key)
        except Exception as exc:  # noqa: BLE001 - a refused edit is reported; the drag is abandoned
            self._gesture = None
            self.session.clear_live()
            self.message.emit(f"Mask not moved: {exc}")

    def _add(self, kind: ShapeKind, pts: int, points: tuple[Point, ...]) -> None:
        editor = self.session.editor
        if editor is None:
            return
        try:
            track = editor.add_track(kind, pts, points, **self.new_track_options())
        except Exception as exc:  # noqa: BLE001
            self.message.emit(f"Mask not added: {exc}")
            return
        self.session.select([track.id])
        self.set_tool(Tool.SELECT)
        self.message.emit(f"{kind.value.capitalize()} mask added: choose its reason in the Masks panel. It stays "
                          "until you hide it (Ctrl+H); drag it where the subject moves, or track it (Ctrl+T).")

_HINTS = {
    Tool.RECT: "Drag a rectangle over the subject.",
    Tool.ELLIPSE: "Drag an ellipse over the subject.",
    Tool.POLYGON: "Click the corners; double-click, Enter or click the first corner to close. Esc cancels.",
    Tool.LASSO: "Draw around the subject with the mouse held down.",
}

"""The timeline dock: the scrubber on top, then one lane per feature (bookmarks, clips, masks, waveform, ...).

Every lane maps frames to x exactly as the scrubber does (same width, same margins), so a marker sits under the
playhead of the frame it names.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from ui.timeline.scrubber import PLAYHEAD, TimelineScrubber

LANE_BG = QColor(34, 34, 39)
LANE_LABEL = QColor(150, 150, 160)


class Lane(QWidget):
    """Base for a lane: paints its content between the scrubber's margins, draws the playhead line, and seeks
    to the clicked frame unless a subclass handles the click (override lane_press to claim it)."""

    title = ""
    lane_height = 22

    def __init__(self, timeline: "TimelineLanes"):
        super().__init__()
        self.timeline = timeline
        self.controller = timeline.controller
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.lane_height)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # Bound methods, never lambdas: a lambda keeps firing after the lane is deleted (every frame would then
        # raise "already deleted"), and detach() can name what it connected.
        self._listening = ((self.controller.frameShown, self._repaint), (self.controller.sourceOpened, self._repaint),
                           (self.controller.sourceClosed, self._repaint))
        for signal, slot in self._listening:
            signal.connect(slot)

    def _repaint(self, *_args) -> None:
        self.update()

    def detach(self) -> None:
        """Stop listening to the player: called when the lane leaves the timeline. Subclasses that listen to more
        extend this."""
        for signal, slot in self._listening:
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):  # already gone with its sender
                pass
        self._listening = ()

    def x_of_index(self, index: int) -> float:
        return self.timeline.scrubber.x_of_index(index)

    def index_at_x(self, x: float) -> int:
        return self.timeline.scrubber.index_at_x(x)

    def sizeHint(self) -> QSize:
        return QSize(600, self.lane_height)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), LANE_BG)
        if self.controller.table is not None:
            self.paint_lane(p)
            x = self.x_of_index(self.controller.current_index)
            p.setPen(PLAYHEAD)
            p.drawLine(int(x), 0, int(x), self.height())
        if self.title:
            p.setPen(LANE_LABEL)
            p.drawText(self.rect().adjusted(4, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, self.title)
        p.end()

    def paint_lane(self, p: QPainter) -> None:
        """Subclasses paint their markers and ranges here."""

    def lane_press(self, event: QMouseEvent) -> bool:
        """Return True when the lane handled the click itself."""
        return False

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.controller.table is None or self.lane_press(event):
            return
        self.controller.seek(self.index_at_x(event.position().x()), exact=True)


class TimelineLanes(QWidget):
    def __init__(self, controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("timelineLanes")
        self.controller = controller
        self.scrubber = TimelineScrubber(controller)
        self.lanes: list[Lane] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(1)
        self._layout.addWidget(self.scrubber)
        self._layout.addStretch(1)

    def add_lane(self, lane: Lane) -> Lane:
        self._layout.insertWidget(self._layout.count() - 1, lane)
        self.lanes.append(lane)
        return lane

    def remove_lane(self, lane: Lane) -> None:
        lane.detach()
        self._layout.removeWidget(lane)
        self.lanes.remove(lane)
        lane.deleteLater()

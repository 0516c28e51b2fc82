"""The Masks dock: drawing tools, preview mode, the list of mask tracks (effect, reason, range; several can be
selected), the actions on them, tracking assist with progress and cancel, the review walk, the selected masks'
properties, and blackout/audio ranges. Buttons call the feature's actions, the same ones the shortcuts run.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QGridLayout, QHBoxLayout,
                               QHeaderView, QLabel, QProgressBar, QPushButton, QScrollArea, QSizePolicy,
                               QToolButton,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from ui.redaction.approval_box import ApprovalBox
from ui.redaction.draw_tool import Tool
from ui.redaction.edit_guard import EditGuard
from ui.redaction.preview import MODES
from ui.redaction.ranges_box import RangesBox
from ui.redaction.session import hidden_at
from ui.redaction.track_props import EFFECT_LABELS, TrackProperties

COLUMNS = ("Mask", "Effect", "Reason", "Range")
NO_REASON = "reason needed"


class MasksPanel(QScrollArea):
    def __init__(self, feature, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("masksPanel")
        self.feature = feature
        self.session = feature.session
        self._syncing = False
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        self.setWidget(body)
        lay = QVBoxLayout(body)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(self._tools_row())
        lay.addLayout(self._preview_row())
        self.tracks = QTreeWidget()
        self.tracks.setObjectName("maskTracks")
        self.tracks.setHeaderLabels(list(COLUMNS))
        self.tracks.setRootIsDecorated(False)
        self.tracks.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tracks.setMinimumHeight(90)
        self.tracks.setMaximumHeight(170)  # the properties below matter more than empty rows
        header = self.tracks.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 62), (2, 92), (3, 96)):  # fixed so the dock can be narrow; full text in tooltips
            header.resizeSection(col, width)
        lay.addWidget(self.tracks)
        lay.addLayout(self._actions_grid())
        lay.addLayout(self._tracking_row())
        lay.addLayout(self._review_row())
        self.props = TrackProperties(self.session)
        lay.insertWidget(lay.indexOf(self.tracks), self.props.prompt)  # right above the list, not scrolled away
        lay.addWidget(self.props)
        self.ranges = RangesBox(self.session, feature.controller, lambda: self.props.last_reason or "other")
        lay.addWidget(self.ranges)
        self.approval = ApprovalBox(self.session)
        lay.addWidget(self.approval)
        lay.addStretch(1)
        self.guard = EditGuard(body, self.props.commit_pending)

        self.tracks.itemSelectionChanged.connect(self._list_selection_changed)
        self.tracks.itemDoubleClicked.connect(lambda _item, _col: feature.review.track_start())
        self.session.changed.connect(self.refresh)
        self.session.selectionChanged.connect(self._select_rows)
        self.session.selectionChanged.connect(self._show_prompt)
        self.session.selectionChanged.connect(self._update_buttons)
        feature.controller.frameShown.connect(lambda _i: self._update_buttons())
        self.refresh()

    # ---- building -------------------------------------------------------------------------------------------
    def _tools_row(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setSpacing(4)
        self.tool_buttons: dict[Tool, QToolButton] = {}
        group = QButtonGroup(self)
        group.setExclusive(True)
        keys = {Tool.SELECT: "Shift+V", Tool.RECT: "Shift+R", Tool.ELLIPSE: "Shift+O", Tool.POLYGON: "Shift+P",
                Tool.LASSO: "Shift+D"}
        for i, tool in enumerate(Tool):
            b = QToolButton()
            b.setText(tool.label)
            b.setToolTip(f"{tool.label} ({keys[tool]})")
            b.setCheckable(True)
            b.setObjectName(f"tool_{tool.value}")
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            b.clicked.connect(lambda _c=False, t=tool: self.feature.set_tool(t.value))
            group.addButton(b)
            grid.addWidget(b, i // 3, i % 3)
            self.tool_buttons[tool] = b
        self.tool_buttons[Tool.SELECT].setChecked(True)
        self.feature.draw.toolChanged.connect(lambda t: self.tool_buttons[t].setChecked(True))
        return grid

    def _preview_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("Preview"))
        self.preview_mode = QComboBox()
        self.preview_mode.setObjectName("previewMode")
        for m in MODES:
            self.preview_mode.addItem(m.label, m)
        self.preview_mode.currentIndexChanged.connect(
            lambda _i: self.feature.preview.set_mode(self.preview_mode.currentData()))
        self.feature.preview.modeChanged.connect(
            lambda m: self.preview_mode.setCurrentIndex(self.preview_mode.findData(m)))
        row.addWidget(self.preview_mode, 1)
        return row

    def _actions_grid(self) -> QGridLayout:
        grid = QGridLayout()
        f = self.feature
        self.duplicate_button = QPushButton("Duplicate")
        self.split_button = QPushButton("Split here")
        self.hide_button = QPushButton("Hide from here")
        self.delete_key_button = QPushButton("Delete keyframe")
        self.delete_button = QPushButton("Delete mask")
        for i, (b, fn, tip) in enumerate((
                (self.duplicate_button, f.duplicate, "Copy the selected masks"),
                (self.split_button, f.split, "Two masks: up to this frame, and from it on"),
                (self.hide_button, f.toggle_hidden, "The subject is out of view from this frame on (or back)"),
                (self.delete_key_button, f.delete_keyframe, "Delete the selected mask's keyframe on this frame"),
                (self.delete_button, f.delete_selected, "Delete the selected masks"))):
            b.setToolTip(tip)
            b.clicked.connect(fn)
            grid.addWidget(b, i // 2, i % 2)
        return grid

    def _tracking_row(self) -> QVBoxLayout:
        box = QVBoxLayout()
        row = QHBoxLayout()
        t = self.feature.tracking
        self.track_back_button = QPushButton("◀ Track back")
        self.track_fwd_button = QPushButton("Track forward ▶")
        self.fast_check = QCheckBox("Fast (KCF)")
        self.fast_check.setToolTip("KCF is several times faster than CSRT but loses targets more easily")
        self.track_back_button.clicked.connect(self.feature.track_backward)
        self.track_fwd_button.clicked.connect(self.feature.track_forward)
        self.fast_check.toggled.connect(lambda on: setattr(t, "fast", bool(on)))
        for w in (self.track_back_button, self.track_fwd_button):
            row.addWidget(w)
        box.addLayout(row)
        box.addWidget(self.fast_check)
        prow = QHBoxLayout()
        self.track_progress = QProgressBar()
        self.track_progress.setRange(0, 1000)
        self.track_cancel = QPushButton("Cancel")
        self.track_cancel.clicked.connect(t.cancel)
        prow.addWidget(self.track_progress, 1)
        prow.addWidget(self.track_cancel)
        box.addLayout(prow)
        for w in (self.track_progress, self.track_cancel):
            w.hide()
        t.runningChanged.connect(self._tracking_running)
        t.progressed.connect(lambda f, label: (self.track_progress.setValue(int(f * 1000)),
                                               self.track_progress.setFormat(f"{label} (%p%)")))
        return box

    def _review_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.review_label = QLabel()
        self.review_label.setWordWrap(True)
        self.review_button = QPushButton("Review next")
        self.review_button.setToolTip("Go to the next hidden stretch, abrupt jump or unseen keyframe (Alt+N)")
        self.review_button.clicked.connect(self.feature.review_next)
        self.feature.review.summaryChanged.connect(self.review_label.setText)
        row.addWidget(self.review_label, 1)
        row.addWidget(self.review_button)
        return row

    # ---- state ----------------------------------------------------------------------------------------------
    def _tracking_running(self, running: bool) -> None:
        self.track_progress.setVisible(running)
        self.track_cancel.setVisible(running)
        self.track_progress.setValue(0)
        self._update_buttons()
        if running:  # Ctrl+T with the panel scrolled to the list: the progress and its Cancel were out of sight
            QTimer.singleShot(0, self.show_tracking_progress)

    def show_tracking_progress(self) -> None:
        if self.track_cancel.isVisible():
            self.ensureWidgetVisible(self.track_progress, 0, 10)
            self.ensureWidgetVisible(self.track_cancel, 0, 10)

    def refresh(self) -> None:
        """Rebuild the rows from the masks (keeping the selection)."""
        self._syncing = True
        try:
            self.tracks.clear()
            table = self.session.table
            for n, t in enumerate(self.session.display_set.tracks, 1):
                span = self.session.frame_span(t)
                if span is None or table is None:
                    rng = "—"
                else:
                    rng = f"{_short_time(table.media_time(span[0]))}–{_short_time(table.media_time(span[1]))}"
                effect = EFFECT_LABELS[t.effect.kind] + (" (inverse)" if t.inverse else "")
                reason = (t.reason or NO_REASON) + (f": {t.reason_text}" if t.reason_text else "")
                item = QTreeWidgetItem([t.label or f"{t.kind.value} {n}", effect, reason, rng])
                if not t.reason.strip():
                    item.setForeground(2, QColor(224, 96, 96))  # the export refuses this mask
                item.setData(0, Qt.ItemDataRole.UserRole, t.id)
                keys = f"{len(t.keyframes)} keyframe{'s' if len(t.keyframes) != 1 else ''}"
                tip = f"{effect}, {reason}; {t.kind.value}, {keys}" + (f", frames {span[0]}–{span[1]}" if span
                                                                          else "")
                for col in range(len(COLUMNS)):
                    item.setToolTip(col, tip)
                self.tracks.addTopLevelItem(item)
        finally:
            self._syncing = False
        self._select_rows()
        self._update_buttons()

    def _show_prompt(self) -> None:
        if self.props.unreasoned():
            # once the layout has made room for the prompt that has just appeared: its place is known only then
            QTimer.singleShot(0, lambda: self.ensureWidgetVisible(self.props.prompt, 0, 0))

    def row_ids(self) -> list[str]:
        return [self.tracks.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
                for i in range(self.tracks.topLevelItemCount())]

    def _select_rows(self) -> None:
        self._syncing = True
        try:
            wanted = set(self.session.selected)
            for i in range(self.tracks.topLevelItemCount()):
                item = self.tracks.topLevelItem(i)
                item.setSelected(item.data(0, Qt.ItemDataRole.UserRole) in wanted)
        finally:
            self._syncing = False

    def _list_selection_changed(self) -> None:
        if self._syncing:
            return
        rows = {id(i) for i in self.tracks.selectedItems()}
        keep = [tid for tid in self.session.selected]
        ids = [self.tracks.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
               for i in range(self.tracks.topLevelItemCount()) if id(self.tracks.topLevelItem(i)) in rows]
        # keep the existing order so the most recently picked row stays the current mask
        self.session.select([t for t in keep if t in ids] + [t for t in ids if t not in keep])

    def _update_buttons(self) -> None:
        has = bool(self.session.selected)
        cur = self.session.current
        running = self.feature.tracking.running
        for b in (self.duplicate_button, self.delete_button):
            b.setEnabled(has)
        pts = self.session.pts_of(self.feature.controller.current_index)
        for b in (self.split_button, self.hide_button):
            b.setEnabled(cur is not None)
        kf = cur.keyframe_at(pts) if (cur is not None and pts is not None) else None
        self.delete_key_button.setEnabled(kf is not None)
        hidden = cur is not None and pts is not None and hidden_at(cur, pts)
        self.hide_button.setText("Show from here" if hidden else "Hide from here")
        for b in (self.track_back_button, self.track_fwd_button):
            b.setEnabled(cur is not None and not running)


def _short_time(seconds: float) -> str:
    """m:ss.s (h:mm:ss past an hour): a range fits a narrow column; the tooltip has exact frames."""
    m, s = divmod(round(max(0.0, seconds), 1), 60)
    if m >= 60:
        return f"{int(m // 60)}:{int(m % 60):02d}:{int(s):02d}"
    return f"{int(m)}:{s:04.1f}"

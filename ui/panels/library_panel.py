"""The library: thumbnails, text search, a UTC date range and incidents (as a filter or as groups).

The panel only reads the library; importing and opening are requests (signals) the main window carries out off
the UI thread. It refreshes when the library publishes "recordings_changed", which may come from any thread, so
the notification is re-emitted through a queued signal and the refresh always runs here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QDate, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from reviewer.media.timecode import format_media_time
from ui import theme

UTC = dt.timezone.utc
ID_ROLE = Qt.ItemDataRole.UserRole
THUMB = QSize(112, 63)
SEARCH_DELAY_MS = 200
NO_INCIDENT = "No incident"
EMPTY_TEXT = "No recordings yet.\nImport files or a folder to start."
UPLOADING_BADGE = "  ⇡ UPLOADING"
UPLOADING_LINE = "Still uploading from the dock: opens once the store has verified it"


class LibraryPanel(QWidget):
    openRequested = Signal(str)  # recording id
    importFilesRequested = Signal()
    importFolderRequested = Signal()
    _libraryChanged = Signal()

    def __init__(self, library, parent: QWidget | None = None):
        super().__init__(parent)
        self.library = library
        self._icons: dict[Path, QIcon] = {}
        # fn() -> {recording id: badge line}, set by features that know more (evidential, retention days left)
        self.badge_provider: Callable[[], dict[str, str]] | None = None
        self._build()
        self._libraryChanged.connect(self.refresh, Qt.ConnectionType.QueuedConnection)
        self.library.subscribe(self._on_library_event)
        self.refresh()

    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search officer, device, incident, file name…")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.refresh)

        self.incident = QComboBox()
        self.incident.setToolTip("Show only one incident's recordings")
        self.incident.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.incident.setMinimumContentsLength(12)
        self.group = QCheckBox("Group")
        self.group.setToolTip("Group recordings under their incident reference")
        self.incident.currentIndexChanged.connect(self.refresh)
        self.group.toggled.connect(self.refresh)

        self.use_dates = QCheckBox("Dates")
        self.use_dates.setToolTip("Only recordings whose camera start falls in this range (UTC days, inclusive)")
        today = QDate.currentDate()
        self.date_from, self.date_to = QDateEdit(today.addMonths(-1)), QDateEdit(today)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            edit.dateChanged.connect(self.refresh)
        self.use_dates.toggled.connect(self._dates_toggled)

        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(THUMB)
        self.tree.setUniformRowHeights(False)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(12)
        self.tree.setAlternatingRowColors(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # camera file names differ at the end
        self.tree.itemActivated.connect(self._activated)

        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setWordWrap(True)
        self.empty.setObjectName("hintText")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.count = QLabel()
        self.count.setObjectName("hintText")

        import_files = QPushButton("Import files…")
        import_files.clicked.connect(self.importFilesRequested)
        import_folder = QPushButton("Import folder…")
        import_folder.clicked.connect(self.importFolderRequested)

        filters = QHBoxLayout()
        filters.addWidget(self.incident, 1)
        filters.addWidget(self.group)
        dates = QHBoxLayout()
        dates.addWidget(self.use_dates)
        dates.addWidget(self.date_from, 1)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.date_to, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(import_files)
        buttons.addWidget(import_folder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addLayout(dates)
        layout.addWidget(self.empty)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.count)
        layout.addLayout(buttons)

    # -- library events -------------------------------------------------------------------------------------------
    def _on_library_event(self, name: str, payload: dict) -> None:  # any thread
        if name == "recordings_changed":
            try:
                self._libraryChanged.emit()
            except RuntimeError:  # the panel was deleted before it could unsubscribe
                pass

    def detach(self) -> None:
        """Stop listening to the library (before the panel or the library goes away)."""
        self.library.unsubscribe(self._on_library_event)

    # -- querying -------------------------------------------------------------------------------------------------
    def _dates_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self.refresh()

    def date_range(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        if not self.use_dates.isChecked():
            return None, None
        start = _utc_midnight(self.date_from.date())
        end = _utc_midnight(self.date_to.date()) + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
        return start, end

    def _span_dates(self, views) -> None:
        """Keep the (unused) date fields on the library's own span, so ticking "Dates" starts from real days."""
        starts = [v.camera_start for v in views if v.camera_start is not None]
        if not starts:
            return
        for edit, when in ((self.date_from, min(starts)), (self.date_to, max(starts))):
            d = when.astimezone(UTC).date()
            edit.blockSignals(True)
            edit.setDate(QDate(d.year, d.month, d.day))
            edit.blockSignals(False)

    def set_activity(self, text: str | None) -> None:
        """Say what is being done for an empty library (demo footage being made), or None for the usual hint."""
        self.empty.setText(text or EMPTY_TEXT)

    def selected_incident(self) -> str | None:
        return self.incident.currentData()

    def refresh(self) -> None:
        """Re-query with the current filters; quick (one indexed SQLite query), so it runs on the UI thread."""
        self._refresh_incidents()
        since, until = self.date_range()
        text = self.search.text().strip() or None
        views = self.library.recordings(text=text, since=since, until=until, incident=self.selected_incident())
        selected = self.selected_id()
        self.tree.clear()
        grouped = self.group.isChecked()
        self.tree.setRootIsDecorated(grouped)
        groups: dict[str, QTreeWidgetItem] = {}
        badges = self.badge_provider() if self.badge_provider is not None else {}
        for view in views:
            item = self._item(view, badges.get(view.id, ""))
            if grouped:
                ref = view.incident_ref or NO_INCIDENT
                if ref not in groups:
                    groups[ref] = QTreeWidgetItem(self.tree, [ref])
                    groups[ref].setFlags(Qt.ItemFlag.ItemIsEnabled)
                    groups[ref].setExpanded(True)
                groups[ref].addChild(item)
            else:
                self.tree.addTopLevelItem(item)
            if view.id == selected:
                self.tree.setCurrentItem(item)
        if not self.use_dates.isChecked() and not text and not self.selected_incident():
            self._span_dates(views)
        for ref, node in groups.items():
            node.setText(0, f"{ref}  ({node.childCount()})")
        total_filtered = bool(text or since or self.selected_incident())
        self.count.setText(f"{len(views)} recording{'s' if len(views) != 1 else ''}"
                           + (" match the filters" if total_filtered else ""))
        self.empty.setVisible(not views and not total_filtered)
        self.tree.setVisible(bool(views) or total_filtered)

    def _refresh_incidents(self) -> None:
        current = self.selected_incident()
        incidents = self.library.incidents()
        wanted = [(None, "All incidents")] + [(ref, f"{ref}  ({n})") for ref, n in incidents]
        if [self.incident.itemData(i) for i in range(self.incident.count())] == [w[0] for w in wanted]:
            for i, (_, label) in enumerate(wanted):
                self.incident.setItemText(i, label)
            return
        self.incident.blockSignals(True)
        self.incident.clear()
        for ref, label in wanted:
            self.incident.addItem(label, ref)
        index = self.incident.findData(current)
        self.incident.setCurrentIndex(max(0, index))
        self.incident.blockSignals(False)

    def _item(self, view, status: str = "") -> QTreeWidgetItem:
        start = view.camera_start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if view.camera_start \
            else "camera time unknown"
        who = " · ".join(x for x in (view.officer_id, view.device_id, view.incident_ref) if x)
        details = f"{start}\n{format_media_time(view.duration)} · {view.width}×{view.height}" + \
                  (f"\n{who}" if who else "") + (f"\n{status}" if status else "")
        badge = {"failed": "  ⚠ INTEGRITY FAILED", "unverified": ""}.get(view.integrity, "")
        uploading = getattr(view, "is_uploading", False)
        if uploading:  # listed by the central store before its footage arrived (metadata first)
            badge += UPLOADING_BADGE
            details += f"\n{UPLOADING_LINE}"
        item = QTreeWidgetItem([f"{view.file_name}{badge}\n{details}"])
        item.setData(0, ID_ROLE, view.id)
        item.setToolTip(0, f"{view.file_name}\nSHA-256 {view.sha256}\nintegrity: {view.integrity}"
                        + (f"\n{UPLOADING_LINE}" if uploading else ""))
        if uploading:
            item.setForeground(0, QBrush(QColor(theme.DIM_TEXT)))
        item.setIcon(0, self._icon(view.thumbnail_path))
        if view.integrity == "failed":
            item.setForeground(0, QBrush(QColor(theme.ERROR)))
        return item

    def _icon(self, path: Path | None) -> QIcon:
        if path is None:
            return QIcon()
        icon = self._icons.get(path)
        if icon is None:
            pixmap = QPixmap(str(path))
            if pixmap.isNull():
                icon = QIcon()
            else:  # scaled for the screen's pixel ratio, so thumbnails stay sharp on HiDPI displays
                dpr = self.devicePixelRatioF()
                pixmap = pixmap.scaled(THUMB * dpr, Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation)
                pixmap.setDevicePixelRatio(dpr)
                icon = QIcon(pixmap)
            self._icons[path] = icon
        return icon

    # -- selection ------------------------------------------------------------------------------------------------
    def selected_id(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, ID_ROLE) if item is not None else None

    def ids(self) -> list[str]:
        """Recording ids in display order (tests and keyboard navigation)."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            kids = [top.child(j) for j in range(top.childCount())] or [top]
            out += [k.data(0, ID_ROLE) for k in kids if k.data(0, ID_ROLE)]
        return out

    def item_for(self, recording_id: str) -> QTreeWidgetItem | None:
        for item in self.tree.findItems("", Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive):
            if item.data(0, ID_ROLE) == recording_id:
                return item
        return None

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        rid = item.data(0, ID_ROLE)
        if rid:
            self.openRequested.emit(rid)


def _utc_midnight(d: QDate) -> dt.datetime:
    return dt.datetime(d.year(), d.month(), d.day(), tzinfo=UTC)

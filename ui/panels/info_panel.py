"""What the reviewer must be able to quote about the open recording: identity (SHA-256, integrity), provenance
(camera start, officer, device, incident) and the technical facts that affect timing (frame count, VFR, audio).

Long values (file names, paths) are elided in the middle to fit the dock, never cut; the full text is in the
tooltip and "Copy" copies it exactly. The hash is always shown in full.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QFormLayout, QLabel, QMenu, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from reviewer.media.timecode import format_camera_time, format_media_time

FIELDS = (
    ("file_name", "File"), ("integrity", "Integrity"), ("evidential", "Evidential"), ("retention", "Retention"),
    ("sha256", "SHA-256"), ("id", "Recording id"),
    ("camera_start", "Camera start"), ("officer_id", "Officer"), ("device_id", "Device"),
    ("incident_ref", "Incident"), ("container", "Container"), ("codec", "Video"), ("resolution", "Resolution"),
    ("frame_count", "Frames"), ("duration", "Duration"), ("average_fps", "Average fps"), ("vfr", "Frame rate"),
    ("audio", "Audio"), ("size", "Size"), ("imported_at", "Imported"), ("imported_from", "Imported from"),
    ("original_path", "Stored as"), ("verified_at", "Last verified"),
)

INTEGRITY_TEXT = {
    "ok": ("Verified ✓", "badgeOk", "The original matches the SHA-256 recorded at import (checked when opened)."),
    "unverified": ("Not yet verified", "badgeWarn", "The original is checked against its hash when it is opened."),
    "failed": ("FAILED ✗", "badgeFailed", "The original no longer matches the SHA-256 recorded at import. "
                                         "It will not be opened."),
}


class ValueLabel(QLabel):
    """A selectable value that elides in the middle when narrow and always copies its full text."""

    def __init__(self, mono: bool = False, elide: bool = True):
        super().__init__()
        self._full = ""
        self._elide = elide
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        if mono:
            self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        if elide:
            self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str, display: str | None = None) -> None:
        self._full = text
        self.setToolTip(text if len(text) > 24 else "")
        self._display = display if display is not None else text
        self._refit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._refit()

    def _refit(self) -> None:
        text = self._display
        if self._elide and "\n" not in text:
            text = self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideMiddle, max(20, self.width()))
        if text != self.text():
            self.setText(text)

    def _menu(self, pos) -> None:
        menu = QMenu(self)
        menu.addAction("Copy", lambda: QGuiApplication.clipboard().setText(self._full))
        menu.exec(self.mapToGlobal(pos))


class InfoPanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._labels: dict[str, ValueLabel] = {}
        # fn(view) -> {key: (text, style object name, tooltip)}, set by features that know more (evidential)
        self.extra_provider: Callable[[object], dict[str, tuple[str, str, str]]] | None = None
        self._view = None
        body = QWidget()
        form = QFormLayout(body)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, title in FIELDS:
            value = ValueLabel(mono=key in ("sha256", "id"), elide=key != "sha256")
            name = QLabel(title)
            name.setObjectName("hintText")
            form.addRow(name, value)
            self._labels[key] = value
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(scroll)
        self.clear()

    def value(self, key: str) -> str:
        """The full value (not the elided display)."""
        return self._labels[key].full_text()

    def clear(self) -> None:
        for key, label in self._labels.items():
            label.set_full_text("No recording open" if key == "file_name" else "—")
            _restyle(label, "")
        self._badge("", "")
        self._view = None

    def show_source(self, source) -> None:
        """Fill from an OpenRecording (has .view) or a plain MediaSource (file outside the library)."""
        view = getattr(source, "view", None)
        info = getattr(source, "info", None)
        if view is not None:
            self.show_recording(view, info)
            return
        self.clear()
        if info is not None:
            self._fill_media(Path(source.path).name, info.container, info.codec, info.width, info.height,
                             info.frame_count, info.duration, info.average_fps, info.is_vfr, info.has_audio,
                             info.size, info)
        self._set("file_name", Path(source.path).name)
        self._set("sha256", "not computed (file is not in the library)")
        self._set("camera_start", format_camera_time(getattr(source, "camera_start", None)))

    def show_recording(self, view, info=None) -> None:
        self.clear()
        self._fill_media(view.file_name, view.container, view.codec, view.width, view.height, view.frame_count,
                         view.duration, view.average_fps, view.is_vfr, view.has_audio, view.size, info)
        self._set("file_name", view.file_name)
        # four lines of 16: fits a narrow dock and is easy to read aloud or compare in groups
        self._labels["sha256"].set_full_text(view.sha256, "\n".join(view.sha256[i:i + 16] for i in range(0, 64, 16)))
        self._set("id", view.id)
        source = getattr(view, "camera_start_source", None)
        start = format_camera_time(view.camera_start) if view.camera_start else "unknown"
        self._set("camera_start", start)
        if source and view.camera_start:
            self._labels["camera_start"].setToolTip(f"{start}, taken from the recording's {source}")
        self._set("officer_id", view.officer_id or "—")
        self._set("device_id", view.device_id or "—")
        self._set("incident_ref", view.incident_ref or "—")
        self._set("imported_at", _utc(view.imported_at))
        self._set("imported_from", getattr(view, "imported_from", "") or "—")
        self._set("original_path", str(view.original_path))
        self._set("verified_at", _utc(getattr(view, "verified_at", None)))
        text, style, tip = INTEGRITY_TEXT.get(view.integrity, (str(view.integrity), "badgeWarn", ""))
        self._badge(text, style, tip)
        self._view = view
        self.refresh_extra()

    def refresh_extra(self) -> None:
        """Re-ask the extra provider about the shown recording (e.g. after it was marked evidential)."""
        if self._view is None or self.extra_provider is None:
            return
        for key, (text, style, tip) in self.extra_provider(self._view).items():
            label = self._labels[key]
            label.set_full_text(text)
            label.setToolTip(tip)
            _restyle(label, style)

    def _fill_media(self, file_name, container, codec, width, height, frames, duration, fps, vfr, audio, size,
                    info) -> None:
        ext = Path(file_name).suffix.lstrip(".").upper()
        self._set("container", f"{ext} ({container.split(',')[0]})" if ext else container)
        self._labels["container"].setToolTip(f"FFmpeg demuxer: {container}")
        self._set("codec", codec + (f" ({info.pix_fmt})" if info is not None and info.pix_fmt else ""))
        self._set("resolution", f"{width} × {height}")
        self._set("frame_count", f"{frames:,}")
        self._set("duration", format_media_time(duration))
        self._set("average_fps", f"{fps:.3f}")
        self._set("vfr", "Variable (VFR)" if vfr else "Constant")
        if not audio:
            self._set("audio", "None")
        elif info is not None and info.audio_codec:
            extra = ", ".join(x for x in (f"{info.audio_sample_rate} Hz" if info.audio_sample_rate else "",
                                          f"{info.audio_channels} ch" if info.audio_channels else "") if x)
            self._set("audio", f"{info.audio_codec}" + (f" ({extra})" if extra else ""))
        else:
            self._set("audio", "Yes")
        self._set("size", _size(size))

    def _set(self, key: str, text: str) -> None:
        self._labels[key].set_full_text(text)

    def _badge(self, text: str, style: str, tip: str = "") -> None:
        label = self._labels["integrity"]
        label.set_full_text(text or "—")
        label.setToolTip(tip)
        _restyle(label, style)


def _restyle(label: QLabel, style: str) -> None:
    if label.objectName() != style:
        label.setObjectName(style)
        label.style().unpolish(label)
        label.style().polish(label)


def _size(n: float) -> str:
    if n < 1024:
        return f"{int(n):,} bytes"
    for unit in ("KB", "MB", "GB", "TB"):
        n /= 1024
        if n < 1024 or unit == "TB":
            return f"{n:.1f} {unit}"
    return ""


def _utc(t: dt.datetime | None) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC") if t else "—"

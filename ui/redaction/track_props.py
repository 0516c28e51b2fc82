"""Properties of the selected masks (effect, strength, colour, padding, inverse, reason, label), or, with
nothing selected, of the next mask to be drawn. Edits apply to every selected mask through the undoable editor;
the last values used become the defaults for new masks.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit,
                               QPushButton, QSpinBox, QWidget)

from reviewer.redact.model import REASONS, Effect, EffectKind

EFFECT_LABELS = {EffectKind.BLUR: "Blur", EffectKind.PIXELATE: "Pixelate", EffectKind.SOLID: "Solid fill"}
STRENGTH_SUFFIX = {EffectKind.BLUR: " % of size", EffectKind.PIXELATE: " px blocks", EffectKind.SOLID: ""}
DEBOUNCE_MS = 400  # spin-box arrows fire per step: one edit (one undo step) once the user pauses


class TrackProperties(QGroupBox):
    message = Signal(str)

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__("New masks", parent)
        self.session = session
        self.defaults = {"effect": Effect(EffectKind.BLUR, 25), "reason": REASONS[0], "reason_text": "",
                         "padding": 0.1}
        self._populating = False
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.label = QLineEdit()
        self.label.setPlaceholderText("e.g. bystander in red coat")
        self.effect = QComboBox()
        for kind, text in EFFECT_LABELS.items():
            self.effect.addItem(text, kind.value)  # Qt stores a str-enum as a plain str: keep it explicit
        self.strength = QSpinBox()
        self.strength.setRange(1, 200)
        self.colour = QPushButton()
        self.colour.setToolTip("Fill colour")
        self.colour.setFixedWidth(48)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.strength, 1)
        row.addWidget(self.colour)
        self.padding = QSpinBox()
        self.padding.setRange(0, 100)
        self.padding.setSuffix(" %")
        self.padding.setToolTip("Grow the redacted region by this share of its size on every side")
        self.inverse = QCheckBox("Inverse (redact outside)")
        self.inverse.setToolTip("Redact everything except the shape")
        self.reason = QComboBox()
        self.reason.addItems(list(REASONS))
        self.reason_text = QLineEdit()
        self.reason_text.setPlaceholderText("details (optional)")
        form.addRow("Label", self.label)
        form.addRow("Effect", self.effect)
        form.addRow("Strength", row)  # a solid fill has no strength: the row then holds its colour
        form.addRow("Padding", self.padding)
        form.addRow("", self.inverse)
        form.addRow("Reason", self.reason)
        form.addRow("", self.reason_text)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._apply_numbers)
        self.label.editingFinished.connect(lambda: self._apply(label=self.label.text().strip()))
        self.effect.currentIndexChanged.connect(lambda _i: self._apply_effect())
        self.strength.valueChanged.connect(lambda _v: self._numbers_changed())
        self.padding.valueChanged.connect(lambda _v: self._numbers_changed())
        self.colour.clicked.connect(self._pick_colour)
        self.inverse.toggled.connect(lambda on: self._apply(inverse=bool(on)))
        self.reason.currentIndexChanged.connect(lambda _i: self._apply(reason=self.reason.currentText()))
        self.reason_text.editingFinished.connect(lambda: self._apply(reason_text=self.reason_text.text().strip()))
        session.selectionChanged.connect(self.populate)
        session.changed.connect(self.populate)
        self.populate()

    # ---- showing --------------------------------------------------------------------------------------------
    def new_track_options(self) -> dict:
        return dict(self.defaults)

    def populate(self) -> None:
        if self._debounce.isActive():
            return  # the user is mid-edit: do not overwrite what they are typing
        track = self.session.current
        n = len(self.session.selected)
        self.setTitle("New masks" if track is None else ("Selected mask" if n == 1 else f"{n} selected masks"))
        values = self.defaults if track is None else {
            "effect": track.effect, "reason": track.reason, "reason_text": track.reason_text,
            "padding": track.padding, "label": track.label, "inverse": track.inverse}
        self._populating = True
        try:
            eff: Effect = values["effect"]
            self.effect.setCurrentIndex(self.effect.findData(eff.kind.value))
            self.strength.setValue(eff.strength)
            self._show_colour(eff.color)
            self._update_effect_widgets(eff.kind)
            self.padding.setValue(int(round(values["padding"] * 100)))
            if not self.label.hasFocus():
                self.label.setText(values.get("label", ""))
            self.label.setEnabled(track is not None)
            self.inverse.setChecked(bool(values.get("inverse", False)))
            self.inverse.setEnabled(track is not None)
            i = self.reason.findText(values["reason"])
            self.reason.setCurrentIndex(i if i >= 0 else self.reason.count() - 1)
            if not self.reason_text.hasFocus():
                self.reason_text.setText(values["reason_text"])
        finally:
            self._populating = False

    def _show_colour(self, rgb) -> None:
        self._colour = tuple(int(c) for c in rgb)
        self.colour.setStyleSheet(f"background-color: rgb{self._colour}; border: 1px solid #888;")

    def _update_effect_widgets(self, kind: EffectKind) -> None:
        self.strength.setVisible(kind is not EffectKind.SOLID)
        self.colour.setVisible(kind is EffectKind.SOLID)
        self.strength.setSuffix(STRENGTH_SUFFIX[kind])

    # ---- editing --------------------------------------------------------------------------------------------
    def _current_effect(self) -> Effect:
        return Effect(EffectKind(self.effect.currentData()), int(self.strength.value()), self._colour)

    def _apply_effect(self) -> None:
        if self._populating:
            return
        kind = EffectKind(self.effect.currentData())
        if kind is EffectKind.PIXELATE and self.strength.value() > 64:
            self._populating = True
            self.strength.setValue(16)  # a blur percentage is far too coarse as a block size
            self._populating = False
        self._update_effect_widgets(kind)
        self._apply(effect=self._current_effect())

    def _numbers_changed(self) -> None:
        if not self._populating:
            self._debounce.start()

    def _apply_numbers(self) -> None:
        self._apply(effect=self._current_effect(), padding=self.padding.value() / 100.0)

    def _pick_colour(self) -> None:
        c = QColorDialog.getColor(QColor(*self._colour), self, "Fill colour")
        if c.isValid():
            self._show_colour((c.red(), c.green(), c.blue()))
            self._apply(effect=self._current_effect())

    def _apply(self, **changes) -> None:
        """Edit every selected mask (one undo step each) and remember the values for the next new mask."""
        if self._populating:
            return
        for key in ("effect", "reason", "reason_text", "padding"):
            if key in changes:
                self.defaults[key] = changes[key]
        editor = self.session.editor
        if editor is None:
            return
        for tid in self.session.selected:
            track = self.session.track(tid)
            if track is None:
                continue
            diff = {k: v for k, v in changes.items() if getattr(track, k) != v}
            if not diff:
                continue
            try:
                editor.edit_track(tid, **diff)
            except Exception as exc:  # noqa: BLE001 - a refused edit is reported, the rest still apply
                self.message.emit(f"Mask not changed: {exc}")
        self.populate()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.setFocus()  # commit a line edit without closing anything
            return
        super().keyPressEvent(event)

"""Properties of the selected masks (effect, strength, colour, padding, inverse, reason, label), or, with
nothing selected, of the next mask to be drawn. Edits apply to every selected mask through the undoable editor,
as one undo step however many are selected; the last effect, strength and padding used become the defaults for
new masks. A reason is never defaulted (it goes into the court report): a mask without one shows the reason
prompt, and the export refuses it (reviewer/redact/reasons.py).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QComboBox, QFormLayout, QFrame, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget)

from reviewer.redact.model import REASONS, Effect, EffectKind

EFFECT_LABELS = {EffectKind.BLUR: "Blur", EffectKind.PIXELATE: "Pixelate", EffectKind.SOLID: "Solid fill"}
STRENGTH_SUFFIX = {EffectKind.BLUR: " % of size", EffectKind.PIXELATE: " px blocks", EffectKind.SOLID: ""}
DEBOUNCE_MS = 400  # spin-box arrows fire per step: one edit (one undo step) once the user pauses
CHOOSE = "Choose a reason…"


class TrackProperties(QGroupBox):
    message = Signal(str)

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__("New masks", parent)
        self.session = session
        # what a new mask starts with: the last choices; never a reason (the prompt asks for it every time)
        self.defaults = {"effect": Effect(EffectKind.BLUR, 25), "padding": 0.1}
        self.last_reason = ""  # the last reason chosen, for blackout and audio ranges
        self._populating = False
        form = QFormLayout(self)
        self.prompt = self._reason_prompt()  # the Masks panel places it where it is seen: next to the list
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
        self.reason.addItem(CHOOSE, "")  # shown only for a mask without a reason; choosing it changes nothing
        for r in REASONS:
            self.reason.addItem(r, r)
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
        self.label.editingFinished.connect(lambda: self._apply_text(self.label, "label"))
        self.effect.currentIndexChanged.connect(lambda _i: self._apply_effect())
        self.strength.valueChanged.connect(lambda _v: self._numbers_changed())
        self.padding.valueChanged.connect(lambda _v: self._numbers_changed())
        for spin in (self.strength, self.padding):  # leaving the field (or Return) stores it at once, so a
            spin.editingFinished.connect(self.commit_pending)  # Ctrl+Z pressed elsewhere finds it on the history
        self.colour.clicked.connect(self._pick_colour)
        self.inverse.toggled.connect(lambda on: self._apply(inverse=bool(on)))
        self.reason.currentIndexChanged.connect(lambda _i: self._reason_picked(self.reason.currentData()))
        self.reason_text.editingFinished.connect(lambda: self._apply_text(self.reason_text, "reason_text"))
        session.selectionChanged.connect(self.populate)
        session.changed.connect(self.populate)
        self.populate()

    def _reason_prompt(self) -> QFrame:
        """Asks why a mask without a reason is there: one click per reason, no focus taken from the canvas."""
        box = QFrame()
        box.setObjectName("reasonPrompt")
        box.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(box)
        grid.setContentsMargins(6, 6, 6, 6)
        text = QLabel("Why is this mask needed? Choose its reason: the export is blocked until every mask has one.")
        text.setObjectName("badgeWarn")
        text.setWordWrap(True)
        grid.addWidget(text, 0, 0, 1, 2)
        self.reason_buttons: dict[str, QPushButton] = {}
        for n, r in enumerate(REASONS):
            b = QPushButton(r)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the canvas (J/K/L, arrows)
            b.clicked.connect(lambda _c=False, r=r: self._reason_picked(r, self.unreasoned()))
            grid.addWidget(b, 1 + n // 2, n % 2)
            self.reason_buttons[r] = b
        box.hide()
        return box

    # ---- showing --------------------------------------------------------------------------------------------
    def new_track_options(self) -> dict:
        return dict(self.defaults)

    def populate(self) -> None:
        if self._debounce.isActive():
            return  # the user is mid-edit: do not overwrite what they are typing
        track = self.session.current
        n = len(self.session.selected)
        self.setTitle("New masks" if track is None else ("Selected mask" if n == 1 else f"{n} selected masks"))
        values = {**self.defaults, "reason": "", "reason_text": ""} if track is None else {
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
            if not self.label.isModified():  # typing in progress is the user's until they commit it
                self.label.setText(values.get("label", ""))
            self.label.setEnabled(track is not None)
            self.inverse.setChecked(bool(values.get("inverse", False)))
            self.inverse.setEnabled(track is not None)
            self._show_reason(values["reason"])
            self.reason.setEnabled(track is not None)
            self.reason_text.setEnabled(track is not None)
            if not self.reason_text.isModified():
                self.reason_text.setText(values["reason_text"])
        finally:
            self._populating = False
        self.prompt.setVisible(bool(self.unreasoned()))

    def _show_reason(self, reason: str) -> None:
        while self.reason.count() > 1 + len(REASONS):  # drop an earlier mask's imported reason
            self.reason.removeItem(self.reason.count() - 1)
        i = self.reason.findData(reason)
        if i < 0:  # a reason from an imported mask file, not one of ours: show it as it is
            self.reason.addItem(reason, reason)
            i = self.reason.count() - 1
        self.reason.setCurrentIndex(i)

    def unreasoned(self) -> list[str]:
        """Selected masks that have no reason yet."""
        return [tid for tid in self.session.selected
                if (t := self.session.track(tid)) is not None and not t.reason.strip()]

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

    def _reason_picked(self, reason: str | None, ids: list[str] | None = None) -> None:
        """The reason combo sets every selected mask; the prompt answers only for those without one, so it
        never overwrites a reason already given."""
        if self._populating:
            return
        if not reason:  # the "choose" placeholder: there is no way back to no reason
            self.populate()
            return
        self.last_reason = reason
        self._apply(ids, reason=reason)
        if reason == "other" and self.session.selected:
            self.reason_text.setFocus()  # "other" means little in a report without a word on what

    def commit_pending(self) -> None:
        """Store what is typed but not yet applied (a spin box mid-debounce, a line edit being edited), so the
        undo that follows takes back exactly what the user sees."""
        if self._debounce.isActive():
            self._debounce.stop()
            self._apply_numbers()
        for field, name in ((self.label, "label"), (self.reason_text, "reason_text")):
            if field.isModified():
                self._apply_text(field, name)

    def _apply_text(self, field: QLineEdit, name: str) -> None:
        field.setModified(False)  # committed: from now on the field shows what is stored (an undo included)
        self._apply(**{name: field.text().strip()})

    def _apply(self, ids: list[str] | None = None, **changes) -> None:
        """Edit every selected mask (or those of `ids`) as ONE undo step, and remember effect and padding for the
        next new mask."""
        if self._populating:
            return
        for key in ("effect", "padding"):
            if key in changes:
                self.defaults[key] = changes[key]
        editor = self.session.editor
        if editor is None:
            return
        diffs = {}
        for tid in self.session.selected if ids is None else ids:
            track = self.session.track(tid)
            if track is None:
                continue
            diff = {k: v for k, v in changes.items() if getattr(track, k) != v}
            if diff:
                diffs[tid] = diff
        if diffs:
            try:
                editor.edit_tracks(diffs)
            except Exception as exc:  # noqa: BLE001 - a refused edit is reported; none of the selection changed
                self.message.emit(f"Masks not changed: {exc}")
        self.populate()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.setFocus()  # commit a line edit without closing anything
            return
        super().keyPressEvent(event)

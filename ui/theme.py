"""Dark theme for dim review rooms: Fusion style, a dark palette, and a small stylesheet for what palettes miss.

Contrast is kept moderate (light grey on near-black rather than white) so the video stays the brightest thing in
the room; the highlight is a muted blue that does not tint how footage is perceived.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from reviewer.resources import resource

QSS = "theme.qss"  # in resources/, with the other non-code files the app ships

WINDOW = "#202226"
BASE = "#17181b"
ALT_BASE = "#1d1f23"
BUTTON = "#2b2e33"
TEXT = "#d9dce1"
DIM_TEXT = "#8b9099"
DISABLED = "#5d626b"
HIGHLIGHT = "#3a6ea5"
LINK = "#7fb0e6"
WARN = "#e0a040"
ERROR = "#e06060"
OK = "#5fb878"


def dark_palette() -> QPalette:
    p = QPalette()
    R, G = QPalette.ColorRole, QPalette.ColorGroup
    for role, colour in {
        R.Window: WINDOW, R.WindowText: TEXT, R.Base: BASE, R.AlternateBase: ALT_BASE,
        R.ToolTipBase: BUTTON, R.ToolTipText: TEXT, R.PlaceholderText: DIM_TEXT, R.Text: TEXT,
        R.Button: BUTTON, R.ButtonText: TEXT, R.BrightText: "#ffffff", R.Link: LINK, R.LinkVisited: LINK,
        R.Highlight: HIGHLIGHT, R.HighlightedText: "#ffffff", R.Light: "#3a3d43", R.Midlight: "#32353a",
        R.Mid: "#26282c", R.Dark: "#121315", R.Shadow: "#000000",
    }.items():
        p.setColor(role, QColor(colour))
    for role in (R.WindowText, R.Text, R.ButtonText, R.HighlightedText):
        p.setColor(G.Disabled, role, QColor(DISABLED))
    p.setColor(G.Disabled, R.Highlight, QColor("#33363b"))
    return p


def stylesheet() -> str:
    return resource(QSS).read_text(encoding="utf-8")


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(stylesheet())

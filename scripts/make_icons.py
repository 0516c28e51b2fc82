"""Render resources/icons/bwv-reviewer.svg to the PNG sizes desktops ask for and a Windows .ico.

    .venv/bin/python scripts/make_icons.py

Run after changing the SVG; the outputs are committed so a build needs no SVG renderer.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    svg = QSvgRenderer(str(ICONS / "bwv-reviewer.svg"))
    for size in SIZES:
        img = QImage(size, size, QImage.Format.Format_ARGB32)
        img.fill(Qt.GlobalColor.transparent)
        painter = QPainter(img)
        svg.render(painter)
        painter.end()
        img.save(str(ICONS / f"bwv-reviewer-{size}.png"))
    big = Image.open(ICONS / "bwv-reviewer-256.png")
    big.save(ICONS / "bwv-reviewer.ico", sizes=[(s, s) for s in (16, 32, 48, 64, 128, 256)])
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The report's PDF writer: A4 pages of flowing text and JPEG images, on fpdf2.

Names are printed as written: the fonts (Noto Sans, Noto Sans Arabic, a Noto Sans CJK subset; resources/fonts,
OFL 1.1) are embedded and HarfBuzz shapes the text, so Welsh and Polish accents, joined right-to-left Arabic and
Chinese characters come out as the reader typed them, and pdftotext reads them back. fpdf2 embeds only the
glyphs a report uses, so a report stays small whatever the fonts weigh.
"""

from __future__ import annotations

import io
import unicodedata

import cv2
import numpy as np
from fpdf import FPDF

from reviewer.resources import resource

A4 = (595.0, 842.0)  # points
MARGIN = 50.0
LATIN, ARABIC, CJK = "NotoSans", "NotoSansArabic", "NotoSansCJK"
FONTS = (
    (LATIN, "", "fonts/NotoSans-Regular.ttf"),
    (LATIN, "B", "fonts/NotoSans-Bold.ttf"),
    (ARABIC, "", "fonts/NotoSansArabic-Regular.ttf"),
    (ARABIC, "B", "fonts/NotoSansArabic-Bold.ttf"),
    (CJK, "", "fonts/NotoSansCJKsc-Subset.otf"),  # no bold face: bold CJK falls back to regular
)


class Document:
    def __init__(self, title: str = "") -> None:
        pdf = FPDF(orientation="portrait", unit="pt", format="A4")
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(True, MARGIN)
        pdf.c_margin = 0  # text starts at the margin, in line with the thumbnails
        for family, style, path in FONTS:
            pdf.add_font(family, style, str(resource(path)))
        pdf.set_fallback_fonts([ARABIC, CJK], exact_match=False)
        pdf.set_text_shaping(True)
        pdf.set_creator("BWV Reviewer")
        if title:
            pdf.set_title(title)
        pdf.add_page()
        self._pdf = pdf
        self._covered = frozenset().union(*(f.cmap for f in pdf.fonts.values()))

    def _showable(self, line: str) -> str:
        """A character none of the fonts can draw would vanish from the page without a trace; it is written as
        its code point instead ("[U+2000B]"), so the name on paper still identifies the name as typed."""
        return "".join(c if ord(c) in self._covered or c.isspace() or unicodedata.category(c) in ("Cf", "Cc")
                       else f"[U+{ord(c):04X}]" for c in line)

    @property
    def y(self) -> float:
        return self._pdf.get_y()

    def text(self, line: str, size: float = 10.0, bold: bool = False, indent: float = 0.0) -> None:
        pdf = self._pdf
        pdf.set_font(LATIN, "B" if bold else "", size)
        pdf.set_x(MARGIN + indent)
        line = self._showable(line)
        # a hash or a path alone on its line has no spaces: break it anywhere rather than overflow the page
        wrap = "WORD" if " " in line.strip() else "CHAR"
        align = "R" if _right_to_left(line) else "L"
        pdf.multi_cell(0, size * 1.4, line, new_x="LMARGIN", new_y="NEXT", wrapmode=wrap, align=align)

    def gap(self, points: float = 8.0) -> None:
        self._pdf.ln(points)

    def image(self, rgb: np.ndarray, width: float, caption: str = "") -> None:
        h, w = rgb.shape[:2]
        height = width * h / w
        self.gap(4)
        ok, jpg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
        if not ok:
            raise ValueError("could not encode thumbnail")
        pdf = self._pdf
        if pdf.will_page_break(height + 16):
            pdf.add_page()
        pdf.image(io.BytesIO(jpg.tobytes()), x=MARGIN, y=pdf.get_y(), w=width, h=height)
        pdf.set_y(pdf.get_y() + height)
        if caption:
            self.text(caption, size=8)

    def to_bytes(self) -> bytes:
        return bytes(self._pdf.output())


def _right_to_left(line: str) -> bool:
    """A paragraph whose first letter is Arabic or Hebrew reads from the right (Unicode's rule P2), so a note
    written in Arabic is set against the right margin as its writer would expect."""
    for c in line:
        kind = unicodedata.bidirectional(c)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False

"""Text for burned-in overlays as a coverage mask (uint8, 0 = no ink), in the Noto fonts the report uses.

OpenCV's Hershey fonts know ASCII only: a recipient watermark "For: Siân Wójcik" came out as "For: Si??n
W??jcik". Here each run of characters is set in the first font that has them (Noto Sans, Noto Sans Arabic, the
Noto CJK subset) with Pillow, shaped by HarfBuzz through libraqm where Pillow has it, so Welsh, Polish, Arabic
and Chinese names read as written. Runs are laid left to right in typed order, which is right for a left-to-right
line holding right-to-left names (each Arabic run is itself shaped and ordered right to left).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, features

from reviewer.resources import resource

FONT_FILES = ("fonts/NotoSans-Bold.ttf", "fonts/NotoSansArabic-Bold.ttf", "fonts/NotoSansCJKsc-Subset.otf")
LATIN, ARABIC, CJK = 0, 1, 2  # indices into FONT_FILES
NEUTRAL_TAIL = " \t,.;:!?/-–—()[]'\"«»"
SIZE = 0.6  # font size in pixels per pixel of strip height
BASELINE = 0.72  # baseline, as a fraction of the strip height from its top


@lru_cache(maxsize=None)
def _cmap(index: int) -> frozenset[int]:
    return frozenset(TTFont(str(resource(FONT_FILES[index])), lazy=True).getBestCmap())


@lru_cache(maxsize=32)
def _font(index: int, px: int) -> ImageFont.FreeTypeFont:
    layout = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(resource(FONT_FILES[index])), px, layout_engine=layout)


def _font_for(ch: str) -> int | None:
    for i in range(len(FONT_FILES)):
        if ord(ch) in _cmap(i):
            return i
    return None


def runs(text: str) -> list[tuple[int, str]]:
    """(font index, characters) in typed order. Spaces and punctuation stay with the run they are in, so a
    name is shaped whole, but a right-to-left run hands its trailing ones on (shaped right to left, a trailing
    space would land on the run's left). A character no font has is written as its code point, as in the
    report."""
    out: list[tuple[int, str]] = []
    for ch in text:
        if unicodedata.category(ch) in ("Cf", "Cc"):
            continue
        neutral = not ch.isalnum() and out and ord(ch) in _cmap(out[-1][0])
        index = out[-1][0] if neutral else _font_for(ch)
        piece = ch
        if index is None:
            index, piece = 0, f"[U+{ord(ch):04X}]"
        if out and out[-1][0] == index:
            out[-1] = (index, out[-1][1] + piece)
        else:
            if out and out[-1][0] == ARABIC:
                body = out[-1][1].rstrip(NEUTRAL_TAIL)
                tail = out[-1][1][len(body):]
                out[-1] = (ARABIC, body)
                if tail and index == LATIN:
                    piece = tail + piece
                elif tail:
                    out.append((LATIN, tail))
            out.append((index, piece))
    return [r for r in out if r[1]]


@lru_cache(maxsize=64)
def text_mask(text: str, strip_height: int) -> np.ndarray:
    """Coverage of `text` set on a strip `strip_height` pixels high: shape (strip_height, width)."""
    px = max(8, round(strip_height * SIZE))
    base = round(strip_height * BASELINE)
    pieces = [(_font(i, px), s, _font(i, px).getlength(s)) for i, s in runs(text)]
    img = Image.new("L", (max(1, int(np.ceil(sum(p[2] for p in pieces))) + 2), strip_height), 0)
    draw = ImageDraw.Draw(img)
    x = 0.0
    for font, s, length in pieces:
        draw.text((x, base), s, fill=255, font=font, anchor="ls")
        x += length
    return _frozen(np.asarray(img))


def ascii_mask(text: str, strip_height: int) -> np.ndarray:
    """text_mask for a printable-ASCII line that changes every frame (the timestamp): glyphs are set one by one
    from a cache, 40x quicker than laying the line out afresh, which would slow every export down."""
    if not all(" " <= c <= "~" for c in text):
        return text_mask(text, strip_height)
    glyphs = [_glyph(c, strip_height) for c in text]
    x, spots = 0.0, []
    for mask, advance in glyphs:
        spots.append(round(x))
        x += advance
    out = np.zeros((strip_height, int(np.ceil(x)) + 2 * _PAD + 2), np.uint8)
    for (mask, _adv), at in zip(glyphs, spots):
        region = out[:, at:at + mask.shape[1]]
        np.maximum(region, mask, out=region)
    return out[:, _PAD:]


_PAD = 4  # room either side of a glyph for side bearings that reach past its advance


@lru_cache(maxsize=512)
def _glyph(ch: str, strip_height: int) -> tuple[np.ndarray, float]:
    font = _font(LATIN, max(8, round(strip_height * SIZE)))
    advance = font.getlength(ch)
    img = Image.new("L", (int(np.ceil(advance)) + 2 * _PAD, strip_height), 0)
    ImageDraw.Draw(img).text((_PAD, round(strip_height * BASELINE)), ch, fill=255, font=font, anchor="ls")
    return _frozen(np.asarray(img)), advance


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)  # cached and shared between frames
    return a

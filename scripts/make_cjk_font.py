"""Build resources/fonts/NotoSansCJKsc-Subset.otf from Debian's fonts-noto-cjk (Noto Sans CJK SC, OFL 1.1).

The full face is 19 MB; the report needs the characters names are written in. The subset keeps every hanzi of
GB 2312 (simplified), Big5 level 1 (traditional), JIS X 0208 (Japanese kanji and kana), the KS X 1001 Hangul
syllables, and CJK punctuation and full-width forms. Run: python scripts/make_cjk_font.py [path/to/NotoSansCJK-Regular.ttc]
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
OUT = Path(__file__).resolve().parent.parent / "resources" / "fonts" / "NotoSansCJKsc-Subset.otf"
FACE = "Noto Sans CJK SC"


def double_byte(codec: str, lead: range, trail: range) -> set[int]:
    out = set()
    for a in lead:
        for b in trail:
            try:
                out.update(map(ord, bytes((a, b)).decode(codec)))
            except UnicodeDecodeError:
                pass
    return out


def wanted() -> set[int]:
    chars = double_byte("gb2312", range(0xA1, 0xF8), range(0xA1, 0xFF))
    chars |= double_byte("big5", range(0xA4, 0xC7), range(0x40, 0xFF))  # level 1 hanzi + symbols
    chars |= double_byte("euc_jp", range(0xA1, 0xF5), range(0xA1, 0xFF))
    chars |= double_byte("euc_kr", range(0xB0, 0xC9), range(0xA1, 0xFF))  # the 2350 Hangul syllables
    chars |= set(range(0x3000, 0x3100)) | set(range(0xFF00, 0xFFF0))
    return {c for c in chars if c > 0x2E7F}  # Latin, Greek, Cyrillic come from Noto Sans


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else SOURCE
    face = next(f for f in TTCollection(str(source)).fonts if f["name"].getDebugName(4) == FACE)
    keep = wanted() & set(face.getBestCmap())
    opts = subset.Options()
    opts.hinting = False
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]  # the copyright and licence records travel with the font
    opts.notdef_outline = True
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=keep)
    sub.subset(face)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    face.save(str(OUT))
    print(f"{OUT}: {len(keep)} characters, {OUT.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

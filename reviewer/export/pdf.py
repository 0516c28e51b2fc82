"""A minimal PDF writer for reports: A4 pages, Helvetica text, JPEG images. No Qt in the core, no extra
dependency; the PDF 1.4 subset used here opens in every viewer and in pdftoppm."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

A4 = (595.0, 842.0)  # points
MARGIN = 50.0


def _escape(text: str) -> str:
    # Helvetica with WinAnsi covers Latin-1; anything else is shown as '?' rather than corrupting the file
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


@dataclass
class _Page:
    ops: list[str] = field(default_factory=list)
    images: list[int] = field(default_factory=list)  # indices into Document._images


class Document:
    def __init__(self) -> None:
        self._pages: list[_Page] = [_Page()]
        self._images: list[tuple[bytes, int, int]] = []
        self.y = A4[1] - MARGIN

    # ---- layout -----------------------------------------------------------------------------------------------
    def _need(self, height: float) -> None:
        if self.y - height < MARGIN:
            self._pages.append(_Page())
            self.y = A4[1] - MARGIN

    def text(self, line: str, size: float = 10.0, bold: bool = False, indent: float = 0.0) -> None:
        width_chars = int((A4[0] - 2 * MARGIN - indent) / (size * 0.5))
        for chunk in _wrap(line, width_chars):
            self._need(size * 1.4)
            self.y -= size * 1.4
            font = "F2" if bold else "F1"
            self._pages[-1].ops.append(f"BT /{font} {size:.1f} Tf {MARGIN + indent:.1f} {self.y:.1f} Td ({_escape(chunk)}) Tj ET")

    def gap(self, points: float = 8.0) -> None:
        self.y -= points

    def image(self, rgb: np.ndarray, width: float, caption: str = "") -> None:
        h, w = rgb.shape[:2]
        height = width * h / w
        self.gap(4)
        self._need(height + 16)
        ok, jpg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
        if not ok:
            raise ValueError("could not encode thumbnail")
        self._images.append((jpg.tobytes(), w, h))
        idx = len(self._images) - 1
        self.y -= height
        page = self._pages[-1]
        page.images.append(idx)
        page.ops.append(f"q {width:.1f} 0 0 {height:.1f} {MARGIN:.1f} {self.y:.1f} cm /Im{idx} Do Q")
        if caption:
            self.text(caption, size=8)

    # ---- output ------------------------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        objects: list[bytes] = []

        def add(body: bytes) -> int:
            objects.append(body)
            return len(objects)

        catalog = add(b"")  # filled in below
        pages_obj = add(b"")
        f1 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        f2 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
        image_ids = []
        for data, w, h in self._images:
            head = (f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceRGB "
                    f"/BitsPerComponent 8 /Filter /DCTDecode /Length {len(data)} >>\nstream\n").encode()
            image_ids.append(add(head + data + b"\nendstream"))
        page_ids = []
        for page in self._pages:
            content = "\n".join(page.ops).encode("latin-1")
            cid = add(f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream")
            xobj = " ".join(f"/Im{i} {image_ids[i]} 0 R" for i in page.images)
            page_ids.append(add(
                f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {A4[0]:.0f} {A4[1]:.0f}] "
                f"/Resources << /Font << /F1 {f1} 0 R /F2 {f2} 0 R >> /XObject << {xobj} >> >> "
                f"/Contents {cid} 0 R >>".encode()))
        objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode()
        kids = " ".join(f"{p} 0 R" for p in page_ids)
        objects[pages_obj - 1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode()

        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for n, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
        out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
        out += f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
        return bytes(out)


def _wrap(line: str, width: int) -> list[str]:
    if len(line) <= width:
        return [line]
    out, cur = [], ""
    for word in line.split(" "):
        while len(word) > width:  # hashes and paths have no spaces
            if cur:
                out.append(cur)
                cur = ""
            out.append(word[:width])
            word = word[width:]
        if len(cur) + len(word) + (1 if cur else 0) > width:
            out.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    if cur:
        out.append(cur)
    return out

"""The court report prints every name as written: Welsh, Polish, Arabic and Chinese read back from the PDF with
poppler's pdftotext, and the original file name (not the store's SHA-256 name) in the manifest and report."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from reviewer.annotate.service import Annotations
from reviewer.export import manifest as mf
from reviewer.export import report
from reviewer.export.pdf import Document
from reviewer.export.service import ExportJob, run_export
from reviewer.library import Library

RECIPIENT = "Siân Wójcik — CPS Cymru / محمد"
NAMES = ("Siân Wójcik", "Łukasz Żółć", "Dafydd ap Gwŷnedd", "محمد عبد الله", "李小龙", "王芳")


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    # pdftotext wraps right-to-left runs in bidi embedding marks, sometimes with the neighbouring space inside
    # them: read each mark as a word break
    text = "".join(" " if unicodedata.category(c) == "Cf" else c for c in out.decode("utf-8"))
    return " ".join(text.split())


@pytest.mark.parametrize("bold", [False, True])
def test_names_in_four_scripts_read_back_exactly(tmp_path, bold):
    d = Document()
    d.text(f"Recipient: {RECIPIENT}", bold=bold)
    for name in NAMES:
        d.text(f"Officer: {name}", bold=bold)
    pdf = tmp_path / "names.pdf"
    pdf.write_bytes(d.to_bytes())
    text = pdf_text(pdf)
    assert "Siân Wójcik — CPS Cymru / محمد" in text
    for name in NAMES:
        assert f"Officer: {name}" in text, name
    assert "?" not in text, "a character was replaced"


def test_a_character_no_font_has_is_written_as_its_code_point(tmp_path):
    d = Document()
    d.text("Witness: 𠀋 Jones 😀")
    pdf = tmp_path / "rare.pdf"
    pdf.write_bytes(d.to_bytes())
    assert "Witness: [U+2000B] Jones [U+1F600]" in pdf_text(pdf)


def test_a_note_written_in_arabic_is_set_against_the_right_margin(tmp_path):
    d = Document()
    d.text("Witness محمد speaks")
    d.text("قال محمد إن السيارة كانت متوقفة")
    pdf = tmp_path / "rtl.pdf"
    pdf.write_bytes(d.to_bytes())
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    words = [(float(x0), (float(y0) + float(y1)) / 2, float(x1), w) for x0, y0, x1, y1, w in
             re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]
    mid = next(m for _x0, m, _x1, w in words if w == "Witness")
    first = [(x0, x1) for x0, m, x1, _w in words if abs(m - mid) < 6]
    second = [(x0, x1) for x0, m, x1, _w in words if abs(m - mid) >= 6]
    assert len(first) == 3 and len(second) == 6
    assert min(x0 for x0, _ in first) < 60, "a left-to-right line starts at the left margin"
    assert max(x1 for _, x1 in second) > 540 and min(x0 for x0, _ in second) > 200, "right-to-left: right margin"


def test_long_hash_lines_wrap_without_losing_characters(tmp_path):
    d = Document()
    h = "0123456789abcdef" * 4
    d.text(h * 3, size=9)
    pdf = tmp_path / "hash.pdf"
    pdf.write_bytes(d.to_bytes())
    assert (h * 3) in pdf_text(pdf).replace(" ", "")


def test_export_report_and_manifest_carry_unicode_names_and_the_original_file_name(home, make_clip, tmp_path):
    original = tmp_path / "in" / "Caerdydd_BWC-0042_Łukasz.mp4"
    original.parent.mkdir()
    shutil.copy(make_clip("cfr_h264").path, original)
    with Library(home) as lib:
        rid = lib.import_paths([original]).added[0].id
        opened = lib.open_recording(rid)
        Annotations(lib).add_bookmark(rid, int(opened.table.pts[20]), "李 leaves the car", note="Witness محمد speaks")
        out = tmp_path / "exports" / "court.mp4"
        out.parent.mkdir()
        res, = run_export(lib, ExportJob(rid, out, ranges=((0, 59),), purpose="Llys y Goron — R v Wójcik",
                                         recipient=RECIPIENT))
        stored = opened.path.name
    manifest = mf.load(res.manifest_path)
    assert manifest["source"]["name"] == original.name
    assert manifest["recipient"] == RECIPIENT
    assert stored != original.name  # the store's SHA-256 name, which nobody outside the library knows
    text = pdf_text(report.report_path_for(out))
    assert f"Master: {original.name}" in text
    assert stored not in text
    assert f"Recipient: {RECIPIENT}" in text
    assert "Purpose: Llys y Goron — R v Wójcik" in text
    assert "李 leaves the car" in text and "Witness محمد speaks" in text
    assert manifest["source"]["sha256"] in text.replace(" ", "")
    assert "?" not in text

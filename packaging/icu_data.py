"""A smaller ICU data library for the bundle: Qt's libicudata.so.73 (32 MB) with only what the app can reach.

QtCore links ICU for collation (QCollator), locale-aware case mapping and text codecs; the app's UI is English
(and Welsh is the one other language a force here may need), so the locale data of ~800 other locales, the CJK,
Thai, Khmer, Lao and Burmese word dictionaries of the break iterators (Qt breaks lines with its own Unicode tables),
transliteration, and the code-page converters beyond the Unicode and Latin ones are never read.

libicudata is nothing but one symbol, icudt<major>_dat, holding an ICU "common data" package: a header, a table
of contents of item names ("icudt73l/coll/root.res") sorted by name with their offsets, then the items, each
aligned to 16 bytes. This module reads that package out of the library, keeps the items kept() selects, and builds a
library with the same SONAME and symbol around the smaller package (gcc, binutils), so libicuuc finds it as before.
ICU looks items up by name and falls back to the root locale when one is missing, which is what a filtered ICU
build (its data filter) does too. tests/core/test_icu_data.py checks the package format round trip and Qt's
collation, case mapping and line breaking with the filtered library.
"""

from __future__ import annotations

import re
import struct
import subprocess
import tempfile
from pathlib import Path

# What goes, by item name without the "icudt73l/" prefix (and size): the locale data of every language but English
# and Welsh, in every tree (root, coll, curr, lang, region, unit, zone, rbnf, brkitr), with each tree's res_index
# (the list of locales) and pool kept; transliteration; the word dictionaries of the break iterators (the .brk
# rules stay); and the multi-byte, mostly East Asian, code-page converters (every converter over 16 KB; the
# single-byte ones, about 150 of 1-8 KB, stay with the alias table). Unicode names and layout properties,
# NFKC/IDNA normalisation, the root collation (ucadata) and the supplemental data (likely subtags, time zones,
# plurals, units, ...) all stay; ICU's core properties, case mapping and NFC are compiled into libicuuc itself.
KEPT_LANGUAGES = ("en", "cy")
LOCALE = re.compile(r"^(?P<lang>[a-z]{2,3})(_[A-Za-z0-9]+)*\.res$")
MAX_CONVERTER = 16_000
PREFIX = re.compile(r"^icudt\d+[lbe]/")


def read_package(library: Path) -> tuple[bytes, str]:
    """The common-data package inside an ICU data library and the name of the symbol that holds it."""
    out = subprocess.run(["nm", "-D", "-S", "--defined-only", str(library)], capture_output=True, text=True,
                         check=True).stdout
    found = [line.split() for line in out.splitlines() if re.search(r"\bicudt\d+_dat$", line)]
    if len(found) != 1:
        raise SystemExit(f"packaging/icu_data.py: {library}: no single icudt*_dat symbol")
    addr, size, _, symbol = found[0]
    with tempfile.TemporaryDirectory() as tmp:
        rodata = Path(tmp) / "rodata"
        subprocess.run(["objcopy", "-O", "binary", "--only-section=.rodata", str(library), str(rodata)], check=True)
        sections = subprocess.run(["readelf", "-SW", str(library)], capture_output=True, text=True,
                                  check=True).stdout
        start = int(re.search(r"\.rodata\s+PROGBITS\s+([0-9a-f]+)", sections).group(1), 16)
        data = rodata.read_bytes()
    offset = int(addr, 16) - start
    return data[offset:offset + int(size, 16)], symbol


def items(package: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """(header, [(name, item bytes)]) of a little-endian common-data package, in table-of-contents order."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", package, 0)
    if (magic1, magic2) != (0xDA, 0x27) or package[12:16] != b"CmnD":
        raise SystemExit("packaging/icu_data.py: not an ICU common-data package")
    toc = package[header_size:]
    (count,) = struct.unpack_from("<I", toc, 0)
    entries = [struct.unpack_from("<II", toc, 4 + 8 * i) for i in range(count)]
    # an item ends where the next one (by offset) begins; the last at the end of the package
    ends = dict(zip(sorted(o for _, o in entries), sorted(o for _, o in entries)[1:] + [len(toc)]))
    out = []
    for name_off, data_off in entries:
        name = toc[name_off:toc.index(b"\0", name_off)].decode("ascii")
        out.append((name, toc[data_off:ends[data_off]]))
    return package[:header_size], out


def write_package(header: bytes, entries: list[tuple[str, bytes]]) -> bytes:
    """The package holding `entries` (sorted by name, as ICU's binary search over the table needs)."""
    entries = sorted(entries, key=lambda e: e[0].encode("ascii"))
    names_at = 4 + 8 * len(entries)
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in entries)
    data_at = _align(names_at + len(names))
    table, blob, name_off, data_off = [], bytearray(), names_at, data_at
    for name, data in entries:
        table.append(struct.pack("<II", name_off, data_off))
        name_off += len(name) + 1
        padded = data + b"\0" * (_align(len(data)) - len(data))
        blob += padded
        data_off += len(padded)
    toc = struct.pack("<I", len(entries)) + b"".join(table) + names
    return header + toc + b"\0" * (data_at - len(toc)) + bytes(blob)


def _align(n: int) -> int:
    return (n + 15) & ~15


def kept(name: str, size: int) -> bool:
    path = PREFIX.sub("", name)
    leaf = path.rsplit("/", 1)[-1]
    if path.startswith("translit/") or leaf.endswith(".dict"):
        return False
    if leaf.endswith(".cnv"):
        return size <= MAX_CONVERTER
    m = LOCALE.match(leaf)
    return not m or leaf == "res_index.res" or m.group("lang") in KEPT_LANGUAGES


def build_library(package: bytes, symbol: str, soname: str, out: Path) -> None:
    """A shared library exporting `symbol` = `package` (16-byte aligned, read-only), like ICU's own."""
    out.parent.mkdir(parents=True, exist_ok=True)
    blob, asm = out.with_suffix(".dat"), out.with_suffix(".S")
    blob.write_bytes(package)
    asm.write_text(f'\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n{symbol}:\n'
                   f'\t.incbin "{blob}"\n\t.size {symbol}, {len(package)}\n'
                   '\t.section .note.GNU-stack,"",@progbits\n', encoding="ascii")
    done = subprocess.run(["gcc", "-shared", "-nostdlib", "-o", str(out), str(asm), f"-Wl,-soname,{soname}"],
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"packaging/icu_data.py: building {soname} failed: {done.stderr.strip()}")
    blob.unlink()
    asm.unlink()


def filtered(library: Path, out: Path) -> tuple[int, int]:
    """Write the filtered copy of `library` to `out`: (items kept, items in the original)."""
    package, symbol = read_package(library)
    header, entries = items(package)
    keep = [e for e in entries if kept(e[0], len(e[1]))]
    build_library(write_package(header, keep), symbol, library.name, out)
    return len(keep), len(entries)


ICU_DATA = re.compile(r"(^|/)PySide6/Qt/lib/libicudata\.so\.\d+$")


def filter_in_toc(binaries: list[tuple], work: Path) -> list[tuple]:
    """PyInstaller's binaries TOC with Qt's ICU data library replaced by its filtered copy, built in `work`."""
    hits = [e for e in binaries if ICU_DATA.search(e[0].replace("\\", "/"))]
    if len(hits) != 1:
        raise SystemExit(f"packaging/icu_data.py: {len(hits)} ICU data libraries in the bundle, not one; review it")
    dest, src, typecode = hits[0]
    out = work / "icu" / Path(src).name
    n_kept, n_all = filtered(Path(src), out)
    print(f"icu_data: {Path(src).name} {Path(src).stat().st_size / 1e6:.1f} MB -> {out.stat().st_size / 1e6:.1f} MB "
          f"({n_kept} of {n_all} items)")
    return [(dest, str(out), typecode) if e is hits[0] else e for e in binaries]

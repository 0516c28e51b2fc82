"""packaging/icu_data.py: Qt's ICU data library filtered for the bundle (32 MB -> ~5 MB) reads back item for item,
keeps its SONAME and symbol, and Qt's collation (English, Welsh), case mapping and line breaking are the same with
it as with the full data; only what the filter says goes (Chinese tailoring, East Asian converters) changes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import PySide6

from tests.fixtures import icu_check

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import icu_data  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None or shutil.which("objcopy") is None,
                                reason="gcc and binutils build the library")

FULL = next((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))


@pytest.fixture(scope="module")
def filtered(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("icu") / FULL.name
    icu_data.filtered(FULL, out)
    return out


def test_a_package_written_back_reads_as_the_same_items():
    package, _ = icu_data.read_package(FULL)
    header, entries = icu_data.items(package)
    again = icu_data.write_package(header, entries)
    assert len(again) == len(package)
    assert icu_data.items(again) == (header, entries)


def test_the_filtered_library_keeps_soname_and_symbol_and_drops_only_what_the_filter_names(filtered):
    soname = subprocess.run(["objdump", "-p", str(filtered)], capture_output=True, text=True).stdout
    assert f"SONAME               {FULL.name}" in soname
    package, symbol = icu_data.read_package(filtered)
    assert symbol == icu_data.read_package(FULL)[1]
    names = {n.split("/", 1)[1] for n, _ in icu_data.items(package)[1]}
    assert {"unames.icu", "ulayout.icu", "nfkc.nrm", "uts46.nrm", "cnvalias.icu", "coll/ucadata.icu",
            "coll/root.res", "coll/cy.res", "coll/en.res", "brkitr/line.brk", "brkitr/en.res", "en_GB.res", "cy.res",
            "root.res", "res_index.res",
            "supplementalData.res", "zoneinfo64.res", "ibm-5348_P100-1997.cnv"} <= names
    assert not names & {"coll/zh.res", "fr.res", "brkitr/cjdict.dict", "translit/root.res", "gb18030.cnv",
                        "curr/de.res"}
    assert filtered.stat().st_size < 6e6 < 30e6 < FULL.stat().st_size


def test_qt_sorts_cases_and_breaks_text_as_with_the_full_data(filtered):
    full, ours = icu_check.measure(), icu_check.measure(filtered)
    assert ours["maps"] == [str(filtered)]  # the filtered data was the one loaded
    assert icu_check.differences(full, ours) <= icu_check.EXPECTED_CHANGES
    assert ours["welsh"] == icu_check.WELSH_ORDER
    assert ours["numeric en_GB"].index("item 9") < ours["numeric en_GB"].index("item 10")
    assert ours["upper"][0] == "STRASSE FIX Ǆ" and ours["lower"][1] == "istanbul σας"
    assert ours["converters"] == {"windows-1252": True, "ISO-8859-15": True, "IBM850": True, "Shift_JIS": False}

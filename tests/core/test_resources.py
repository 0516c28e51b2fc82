"""Shipped resources are found from a checkout and from an installed copy's share folder."""

from __future__ import annotations

import shutil
import sys

import pytest

from reviewer import resources
from reviewer.errors import ReviewerError

FONTS = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf",
         "NotoSansCJKsc-Subset.otf", "OFL.txt")


def test_checkout_ships_every_font_and_its_licence():
    for name in FONTS:
        assert resources.resource(f"fonts/{name}").stat().st_size > 1000, name
    assert "SIL OPEN FONT LICENSE" in resources.resource("fonts/OFL.txt").read_text().upper()


def test_installed_layout_is_found_under_the_prefix(tmp_path, monkeypatch):
    share = tmp_path / "prefix" / resources.SHARE / "fonts"
    share.mkdir(parents=True)
    shutil.copy(resources.resource("fonts/OFL.txt"), share / "OFL.txt")
    monkeypatch.setattr(resources, "__file__", str(tmp_path / "site-packages" / "reviewer" / "resources.py"))
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "prefix"))
    monkeypatch.delenv("REVIEWER_RESOURCES", raising=False)
    assert resources.resource("fonts/OFL.txt") == share / "OFL.txt"


def test_a_missing_resource_is_a_one_line_error_naming_it():
    with pytest.raises(ReviewerError) as err:
        resources.resource("fonts/Nope.ttf")
    assert "fonts/Nope.ttf: resource not found" in str(err.value) and "\n" not in str(err.value)


def test_desktop_integration_files_ship_and_agree():
    import configparser
    import xml.etree.ElementTree as ET

    desktop = configparser.ConfigParser(interpolation=None)
    desktop.optionxform = str
    desktop.read(resources.resource("bwv-reviewer.desktop"), encoding="utf-8")
    entry = desktop["Desktop Entry"]
    assert entry["Exec"].split()[0] == "bwv-reviewer" and entry["Icon"] == "bwv-reviewer"
    assert {"video/mp4", "video/quicktime", "video/x-matroska", "video/x-msvideo"} <= set(entry["MimeType"].split(";"))
    meta = ET.parse(resources.resource("uk.police.bwvreviewer.metainfo.xml")).getroot()
    assert meta.findtext("launchable") == "bwv-reviewer.desktop"
    assert meta.findtext("project_license") == "GPL-3.0-or-later"
    for size in (16, 32, 48, 64, 128, 256, 512):
        png = resources.resource(f"icons/bwv-reviewer-{size}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == size
    assert resources.resource("icons/bwv-reviewer.svg").read_text().lstrip().startswith("<?xml")
    assert "GNU GENERAL PUBLIC LICENSE" in resources.resource("licenses/GPL-3.0.txt").read_text()


def test_every_resource_is_installed_by_pyproject_data_files():
    """The installed copy (pip install) finds the same files as the checkout and the bundle (which copies the
    whole folder): a resource added without a data-files pattern would be missing only there."""
    import fnmatch
    import tomllib
    from pathlib import Path

    root = Path(resources.__file__).resolve().parent.parent
    files = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    patterns = [p for group in files.values() for p in group]
    shipped = [p.relative_to(root).as_posix() for p in (root / "resources").rglob("*") if p.is_file()]
    assert "resources/theme.qss" in shipped
    missing = [f for f in shipped if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert missing == []

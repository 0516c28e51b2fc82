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

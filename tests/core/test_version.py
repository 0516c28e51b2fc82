"""One --version line, with commit and build date, for both entry points; a bundle's build-info wins over git."""

from __future__ import annotations

import json
import re

import pytest

from reviewer import __version__, cli
from reviewer.version import version_line


def _printed(parser_main, capsys) -> str:
    with pytest.raises(SystemExit) as done:
        parser_main(["--version"])
    assert done.value.code == 0
    return capsys.readouterr().out.strip()


def test_both_entry_points_print_the_same_version_commit_and_date(capsys):
    from ui import launch  # the GUI entry's parser: Qt is imported only once the window is wanted

    cli_line = _printed(cli.main, capsys)
    gui_line = _printed(launch.main, capsys)
    assert re.fullmatch(rf"reviewer {re.escape(__version__)} \(commit \S+, built .+\)", cli_line), cli_line
    assert gui_line == "bwv-reviewer" + cli_line[len("reviewer"):]


def test_a_bundle_reports_its_build_info_not_git(tmp_path, monkeypatch):
    (tmp_path / "build-info.json").write_text(json.dumps({"commit": "0123456789ab", "built": "2026-11-28T23:00:00Z"}))
    monkeypatch.setenv("REVIEWER_RESOURCES", str(tmp_path))
    assert version_line("reviewer") == f"reviewer {__version__} (commit 0123456789ab, built 2026-11-28T23:00:00Z)"


def test_a_damaged_build_info_still_prints_a_version(tmp_path, monkeypatch):
    (tmp_path / "build-info.json").write_text("{not json")
    monkeypatch.setenv("REVIEWER_RESOURCES", str(tmp_path))
    assert version_line("reviewer").startswith(f"reviewer {__version__} (commit ")

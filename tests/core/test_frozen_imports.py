"""Modules loaded by name are declared to the bundle: PyInstaller cannot follow importlib.import_module("...") or
Alembic's scripts, so packaging/frozen_imports.py reads the registries that hold those names. A new by-name load
elsewhere would silently be missing from the bundle: this test makes it a failure until it is registered."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import frozen_imports  # noqa: E402

# the files whose by-name imports frozen_imports.by_name() covers
REGISTERED = {"reviewer/cli.py", "ui/features/__init__.py", "reviewer/library/__init__.py", "reviewer/ops/kinds.py"}


def test_every_by_name_import_is_in_a_registry_the_spec_reads():
    sites = set()
    for pkg in ("reviewer", "ui"):
        for path in (ROOT / pkg).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            if re.search(r"import_module\(|__import__\(", path.read_text(encoding="utf-8")):
                sites.add(path.relative_to(ROOT).as_posix())
    assert sites <= REGISTERED, f"register these in packaging/frozen_imports.py: {sorted(sites - REGISTERED)}"


def test_the_spec_declares_every_registered_module():
    from reviewer import cli
    from reviewer.library import _HOMES
    from reviewer.ops.kinds import HANDLER_MODULES
    from ui import features

    declared = set(frozen_imports.hidden_imports())
    assert (set(cli.FEATURE_MODULES) | set(features.FEATURE_MODULES) | set(_HOMES.values()) | {"ui.app"}
            | set(HANDLER_MODULES)) <= declared


def test_every_migration_file_is_bundled_where_the_library_looks():
    from reviewer.library import db

    dests = {(Path(src).name, dest) for src, dest in frozen_imports.migration_datas()}
    for path in db.MIGRATIONS.rglob("*.py"):
        if "__pycache__" not in path.parts:
            assert (path.name, path.parent.relative_to(ROOT).as_posix()) in dests

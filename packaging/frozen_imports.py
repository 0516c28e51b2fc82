"""Modules the app imports by name (importlib) or Alembic loads by path, which PyInstaller's import graph cannot see.

The lists are read from the code that owns them, so a feature module registered there is bundled without editing
the spec; packaging/smoke_test.sh proves each one loads inside the built bundle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _list_literal(path: Path, name: str) -> list[str]:
    """The string list or dict assigned to `name` at module level, read without importing the module (importing
    reviewer.cli would drag the whole core into the spec's interpreter)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id == name and node.value is not None:
            value = ast.literal_eval(node.value)
            return sorted(set(value.values())) if isinstance(value, dict) else list(value)
    raise SystemExit(f"{path}: no {name} list found; packaging/frozen_imports.py must be updated")


def by_name() -> list[str]:
    return (
        ["ui.app", "ui.launch"]  # reviewer.cli.launch_gui and packaging/entry.py
        + _list_literal(ROOT / "reviewer" / "cli.py", "FEATURE_MODULES")
        + _list_literal(ROOT / "ui" / "features" / "__init__.py", "FEATURE_MODULES")
        + _list_literal(ROOT / "reviewer" / "library" / "__init__.py", "_HOMES")
        + _list_literal(ROOT / "reviewer" / "ops" / "kinds.py", "HANDLER_MODULES")
    )


# What reviewer/library/migrations/env.py and versions/*.py import: Alembic runs those files from disk, so the
# graph never sees them.
MIGRATION_IMPORTS = [
    "alembic.context", "alembic.op", "alembic.runtime.migration", "alembic.runtime.environment",
    "alembic.ddl.sqlite", "alembic.ddl.impl", "alembic.operations.ops", "alembic.operations.batch",
    "alembic.script", "sqlalchemy.dialects.sqlite", "logging.config", "reviewer.library.models",
]


# The workstation key (reviewer/govern/signing.py): keyring finds its backends through entry points, and the
# Secret Service one imports its D-Bus stack lazily; Ed25519 comes from cryptography.
SIGNING_IMPORTS = [
    "keyring.backends.SecretService", "keyring.backends.kwallet", "keyring.backends.macOS",
    "keyring.backends.Windows", "keyring.backends.chainer", "keyring.backends.fail", "keyring.backends.null",
    "secretstorage", "jeepney", "cryptography.hazmat.primitives.asymmetric.ed25519",
]


def hidden_imports() -> list[str]:
    return by_name() + MIGRATION_IMPORTS + SIGNING_IMPORTS


def migration_datas() -> list[tuple[str, str]]:
    """(source, destination) pairs: the migrations folder as files, where db.MIGRATIONS looks in the bundle."""
    src = ROOT / "reviewer" / "library" / "migrations"
    out = []
    for path in sorted(src.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            out.append((str(path), str(path.parent.relative_to(ROOT))))
    return out

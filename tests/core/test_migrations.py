"""The schema of record is the Alembic history: its head must equal the models, and it must run anywhere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from reviewer.library.db import SCHEMA_HEAD, alembic_config, create_library_engine, open_database
from reviewer.library.models import Base


def test_alembic_head_equals_models(tmp_path):
    engine, _ = open_database(tmp_path / "lib.sqlite3")
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
            diffs = compare_metadata(ctx, Base.metadata)
            assert ctx.get_current_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()
    finally:
        engine.dispose()
    assert diffs == [], f"models and migrations disagree; write a migration: {diffs}"


def test_one_head_and_the_history_runs_down_and_up(tmp_path):
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [SCHEMA_HEAD], "new migration: update db.SCHEMA_HEAD"
    engine = create_library_engine(tmp_path / "lib.sqlite3")
    try:
        cfg = alembic_config(engine)
        command.upgrade(cfg, "head")
        assert {"incidents", "recordings"} <= set(inspect(engine).get_table_names())
        command.downgrade(cfg, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(cfg, "head")
        assert {"incidents", "recordings"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_database_settings(tmp_path):
    engine, _ = open_database(tmp_path / "lib.sqlite3")
    try:
        with engine.connect() as conn:
            pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") >= 5000
    finally:
        engine.dispose()


def test_library_opens_from_any_working_directory(tmp_path):
    """Alembic is configured in code, so an installed app finds its migrations wherever it is started."""
    code = ("import sys; from pathlib import Path; from reviewer.library import Library; "
            "lib = Library(Path(sys.argv[1])); print(len(lib.recordings())); lib.close()")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "home")], cwd="/", capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0"
    assert (tmp_path / "home" / "library.sqlite3").is_file()

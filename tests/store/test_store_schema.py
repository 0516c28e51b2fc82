"""The store's schema of record is its own Alembic history (separate from the desktop library's): its head must
equal the models, on SQLite and on PostgreSQL, and it must run down and up."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from reviewer.store.db import alembic_config, create_store_engine, open_store_database
from reviewer.store.errors import StoreError
from reviewer.store.models import StoreBase


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("pg_database")


def test_head_equals_models_and_history_runs_down_and_up(db_url):
    engine, _sessions = open_store_database(db_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True,
                                                         "version_table": "store_alembic_version"})
            assert compare_metadata(ctx, StoreBase.metadata) == []
        # the library's alembic_version table is not the store's: one database could hold both
        assert "store_alembic_version" in inspect(engine).get_table_names()
        cfg = alembic_config(engine)
        command.downgrade(cfg, "base")
        assert set(inspect(engine).get_table_names()) <= {"store_alembic_version"}
        command.upgrade(cfg, "head")
        tables = set(inspect(engine).get_table_names())
        assert {"blobs", "uploads", "users", "incidents", "recordings", "store_audit"} <= tables
    finally:
        engine.dispose()


def test_unreachable_database_is_one_clear_error(pg):
    url = pg.url.rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(StoreError, match=r"no_such_database: cannot open the store's database: .*does not exist"):
        open_store_database(url)
    create_store_engine(url).dispose()  # creating the engine alone never connects

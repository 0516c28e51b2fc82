"""Engine and session factory for the local SQLite library, migrated to the Alembic head on open."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from reviewer.errors import ReviewerError
from reviewer.sqlite_engine import sqlite_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration's revision id. Opening a library already at this revision skips loading Alembic (a third
# of a second per CLI call); test_migrations checks this equals the script directory's head.
SCHEMA_HEAD = "0011_incident_bookmarks"


def alembic_config(engine: Engine | None = None) -> "Config":
    """Configured in code, so migrations run the same from a source checkout and an installed package."""
    from alembic.config import Config

    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    cfg.attributes["configure_logging"] = False  # the app owns logging; alembic.ini's setup is for the CLI
    return cfg


def create_library_engine(database: Path) -> Engine:
    database.parent.mkdir(parents=True, exist_ok=True)
    return sqlite_engine(f"sqlite:///{database}")


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError:  # no alembic_version table: a new, empty database
        return None


def upgrade_to_head(engine: Engine) -> None:
    if current_revision(engine) == SCHEMA_HEAD:
        return
    from alembic import command
    from alembic.util.exc import CommandError

    try:
        command.upgrade(alembic_config(engine), "head")
    except CommandError as exc:  # e.g. a library written by a newer version of the app
        raise ReviewerError(f"{engine.url.database}: library database cannot be brought up to date ({exc})") from None


def open_database(database: Path) -> tuple[Engine, sessionmaker[Session]]:
    """Create or migrate the library database and return its engine and a session factory."""
    engine = create_library_engine(database)
    try:
        upgrade_to_head(engine)
    except Exception:
        engine.dispose()
        raise
    return engine, sessionmaker(engine, expire_on_commit=False)


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())

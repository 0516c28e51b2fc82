"""Engine for the store's database (SQLite embedded, PostgreSQL in production), migrated to its Alembic head."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from reviewer.sqlite_engine import sqlite_engine
from reviewer.store.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def create_store_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # BEGIN IMMEDIATE: a request reads, then writes; taking the write lock first keeps that atomic
    return sqlite_engine(url, begin="BEGIN IMMEDIATE", foreign_keys=False)


def open_reader_sessions(url: str, engine: Engine) -> tuple[Engine, sessionmaker[Session]]:
    """Sessions for reads that write nothing. SQLite: a second engine whose transactions start with a plain
    (deferred) BEGIN, a snapshot that waits for no writer in WAL mode; other databases: the store's own."""
    if make_url(url).get_backend_name() != "sqlite":
        return engine, sessionmaker(engine, expire_on_commit=False)
    reader = sqlite_engine(url, begin="BEGIN", foreign_keys=False)
    return reader, sessionmaker(reader, expire_on_commit=False)


def open_store_database(url: str) -> tuple[Engine, sessionmaker[Session]]:
    """Connect and migrate to head; a database that cannot be reached is one clear error, not a traceback."""
    from alembic import command

    engine = create_store_engine(url)
    try:
        command.upgrade(alembic_config(engine), "head")
    except SQLAlchemyError as exc:
        engine.dispose()
        where = make_url(url).render_as_string(hide_password=True)
        raise StoreError(f"{where}: cannot open the store's database: {str(exc).splitlines()[0]}") from None
    return engine, sessionmaker(engine, expire_on_commit=False)


def transact(sessions: sessionmaker[Session], fn):
    """fn(session) in one transaction; a Refused from fn is raised after its audit event has been committed."""
    from reviewer.store.errors import Refused

    refusal = None
    with sessions.begin() as s:
        try:
            return fn(s)
        except Refused as exc:
            refusal = exc
    raise refusal

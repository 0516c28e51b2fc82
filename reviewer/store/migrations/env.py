"""Alembic environment of the store's own schema; runs on the engine open_store_database hands over."""

from __future__ import annotations

from alembic import context

from reviewer.store.models import StoreBase

config = context.config


def run_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=StoreBase.metadata, render_as_batch=True,
                          compare_type=True, transactional_ddl=True, version_table="store_alembic_version")
        with context.begin_transaction():
            context.run_migrations()


run_online()

"""Fixtures of the sync tests: the store's real processes (tests/store/conftest.py: PostgreSQL, SeaweedFS) and a
sync world on an embedded store (SQLite + files), and workstations made from one template library."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.store import services
from tests.sync import world as sw


@pytest.fixture(scope="session")
def clip_paths(make_clip) -> dict[str, Path]:
    return {name: make_clip(name).path for name in sw.CLIPS}


@pytest.fixture(scope="session")
def sync_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sync-store")
    with services.store_server(services.write_store_config(folder)) as server:
        yield server


@pytest.fixture(scope="session")
def world(sync_store, clip_paths) -> sw.SyncWorld:
    return sw.build(sync_store, clip_paths)


@pytest.fixture(scope="session")
def template(world, clip_paths, tmp_path_factory) -> Path:
    return sw.make_template(tmp_path_factory.mktemp("sync-template"), clip_paths,
                            {world.user(p): r for p, r in sw.PEOPLE.items()})


@pytest.fixture
def stations(world, template, tmp_path):
    """stations("alice", "bob") -> workstations (closed at the end of the test)."""
    made: list[sw.Workstation] = []

    def make(*people: str) -> list[sw.Workstation]:
        for p in people:
            made.append(sw.workstation(world, template, tmp_path, p, name=f"{p}{len(made)}"))
        return made[-len(people):]

    yield make
    for w in made:
        w.close()


@pytest.fixture(scope="session")
def pg_world(pg, clip_paths):
    """The same world on a store backed by PostgreSQL."""
    import os

    import sqlalchemy as sa

    name = "sync" + os.urandom(4).hex()
    admin = sa.create_engine(pg.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = pg.url.rsplit("/", 1)[0] + "/" + name
    with tempfile.TemporaryDirectory(prefix="bwv-sync-pg-") as root:
        config = services.write_store_config(Path(root) / "srv", database_url=url)
        with services.store_server(config) as server:
            yield sw.build(server, clip_paths)

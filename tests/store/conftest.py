"""Real components for the store's tests: one throwaway PostgreSQL cluster and one SeaweedFS per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.store import services


@pytest.fixture(scope="session")
def weed(tmp_path_factory):
    with services.seaweed(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture
def pg_database(pg):
    """A fresh, empty database in the session's cluster, so tests never see each other's rows."""
    import sqlalchemy as sa

    name = "t" + os.urandom(6).hex()
    admin = sa.create_engine(pg.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield pg.url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def s3_bucket(weed):
    """One Object Lock bucket per session: SeaweedFS gives each bucket its own volumes, and -volume.max bounds
    them, so tests share the bucket and keep apart by key prefix."""
    return "bwv-test-" + os.urandom(4).hex()


@pytest.fixture
def s3_settings(weed, s3_bucket):
    from reviewer.store.blobs.s3 import S3Settings

    return S3Settings(endpoint=weed.endpoint, bucket=s3_bucket, access_key=weed.access_key,
                      secret_key=weed.secret_key, prefix=f"t{os.urandom(6).hex()}/")


@pytest.fixture
def s3_store(s3_settings):
    from reviewer.store.blobs.s3 import S3BlobStore

    store = S3BlobStore(s3_settings, multipart_threshold=6 * 1024 * 1024, part_size=5 * 1024 * 1024)
    store.ensure_bucket()
    return store


@pytest.fixture(scope="session")
def embedded_store(tmp_path_factory):
    """The real server as a subprocess on SQLite + filesystem blobs."""
    with services.store_server(services.write_store_config(tmp_path_factory.mktemp("store-embedded"))) as server:
        server.kind, server.s3 = "embedded", None
        yield server


@pytest.fixture(scope="session")
def production_store(tmp_path_factory, pg, weed):
    """The real server as a subprocess on PostgreSQL + S3 (SeaweedFS)."""
    from reviewer.store.blobs.s3 import S3Settings

    s3 = S3Settings(endpoint=weed.endpoint, bucket="bwv-store-" + os.urandom(4).hex(),
                    access_key=weed.access_key, secret_key=weed.secret_key, prefix="blobs/")
    config = services.write_store_config(tmp_path_factory.mktemp("store-production"), database_url=pg.url, s3=s3)
    with services.store_server(config) as server:
        server.kind, server.s3 = "production", s3
        yield server


@pytest.fixture(scope="session", params=["embedded", "production"])
def store(request):
    """Each test on both servers. Each server is a session fixture of its own, started once: pytest tears a
    parametrized session fixture down whenever the next test wants the other parameter, which one process avoids
    by grouping tests by parameter, but a pytest-xdist worker runs whole files and would restart both servers at
    every file (and the production one on a database its predecessor had already filled)."""
    return request.getfixturevalue(f"{request.param}_store")


@pytest.fixture
def store_blobs(store):
    """The blob store behind `store`, opened directly, to check what actually landed."""
    if store.s3 is None:
        from reviewer.store.blobs.fs import FileBlobStore

        return FileBlobStore(store.home / "blobs")
    from reviewer.store.blobs.s3 import S3BlobStore

    return S3BlobStore(store.s3)

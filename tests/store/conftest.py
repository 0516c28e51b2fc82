"""Real components for the store's tests: one throwaway PostgreSQL cluster and one SeaweedFS per session."""

from __future__ import annotations

import os

import pytest

from tests.store import services


@pytest.fixture(scope="session")
def pg(tmp_path_factory):
    with services.postgres(tmp_path_factory.mktemp("postgres")) as server:
        yield server


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

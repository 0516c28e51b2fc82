"""The store's own schema (separate from the desktop library's): blobs it holds and tus uploads in progress.
The Alembic history in reviewer/store/migrations is the schema of record; a test checks its head equals these."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from reviewer.library.models import NAMING_CONVENTION, UTCDateTime, utcnow


class StoreBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Blob(StoreBase):
    """A verified blob: its bytes are in the blob store under this SHA-256."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # Holds and retention dates are not copied here: the blob store's lock (S3 Object Lock) is their one truth.


class Upload(StoreBase):
    """A tus upload. `offset` counts the bytes durably staged; state: open, complete, failed."""

    __tablename__ = "uploads"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    length: Mapped[int] = mapped_column(BigInteger, nullable=False)
    offset: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    metadata_header: Mapped[str] = mapped_column(Text, nullable=False, default="")
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (Index("ix_uploads_state_expires_at", "state", "expires_at"),)

"""The local library schema as SQLAlchemy 2 typed models.

Keys are UUID strings so records made on different workstations never collide when they sync. Every mutable
record carries revision/updated_at/updated_by and is deleted by tombstone (deleted_at), which sync needs to
tell "changed" and "removed" apart from "never seen". The Alembic migrations are the schema of record; a test
checks that the migration head equals these models.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

UTC = dt.timezone.utc

# Fixed constraint names, so later migrations can alter constraints by name (SQLite batch mode needs them).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC so text comparison orders correctly.

    A naive datetime is refused: its zone is a guess, and a guessed time on evidence is worse than none.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: give a time zone (UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Tracked:
    """Columns every mutable, syncable record carries."""

    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True, default=None)

    def touch(self, by: str) -> None:
        """Record a user-meaningful change. Local bookkeeping (e.g. the last verification) does not bump the
        revision, so sync does not treat a mere re-check as an edit."""
        self.revision = (self.revision or 0) + 1
        self.updated_at = utcnow()
        self.updated_by = by


class Incident(Tracked, Base):
    """A case reference that groups recordings (e.g. a complaint number)."""

    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    title: Mapped[str | None] = mapped_column(String(300), nullable=True)

    recordings: Mapped[list["Recording"]] = relationship(back_populates="incident")


class Recording(Tracked, Base):
    """One ingested original. The file itself lives read-only in the originals store under its SHA-256."""

    __tablename__ = "recordings"
    __table_args__ = (
        Index("ix_recordings_camera_start", "camera_start"),
        Index("ix_recordings_incident_id", "incident_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # not unique: a tombstoned recording keeps its hash, and the same footage may be imported again later
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    file_name: Mapped[str] = mapped_column(String(500), nullable=False)
    original_ext: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    imported_from: Mapped[str] = mapped_column(Text, nullable=False)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    size: Mapped[int] = mapped_column(Integer, nullable=False)

    container: Mapped[str] = mapped_column(String(100), nullable=False)
    codec: Mapped[str] = mapped_column(String(50), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    time_base: Mapped[str] = mapped_column(String(40), nullable=False)
    frame_count: Mapped[int] = mapped_column(Integer, nullable=False)
    duration: Mapped[float] = mapped_column(Float, nullable=False)
    average_fps: Mapped[float] = mapped_column(Float, nullable=False)
    is_vfr: Mapped[bool] = mapped_column(Boolean, nullable=False)
    has_audio: Mapped[bool] = mapped_column(Boolean, nullable=False)
    audio_codec: Mapped[str | None] = mapped_column(String(50), nullable=True)
    # the whole probe result (MediaInfo as JSON), so opening a recording needs no re-probe
    media_json: Mapped[str] = mapped_column(Text, nullable=False)

    camera_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    camera_start_source: Mapped[str | None] = mapped_column(String(20), nullable=True)  # "sidecar" | "container"
    officer_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    incident_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("incidents.id", ondelete="RESTRICT"), nullable=True
    )

    # local state of this workstation's copy: "unverified" | "ok" | "failed"
    integrity: Mapped[str] = mapped_column(String(20), nullable=False, default="ok")
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    # Footage on demand (reviewer/sync/): whether the bytes are here ("local"), only in the central store
    # ("remote"), being fetched ("downloading") or dropped by the cache policy ("evicted"; metadata and
    # annotations stay). store_state is what the store said at the last catalog refresh: None for footage it has
    # never listed (a local import), "assigned" | "listed" | "absent" | "purged" | "destroyed".
    availability: Mapped[str] = mapped_column(String(20), nullable=False, default="local", server_default="local")
    store_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)  # LRU for eviction

    incident: Mapped[Incident | None] = relationship(back_populates="recordings")


# Tables of other features register on the same metadata; importing them here keeps Base.metadata complete
# for the Alembic head-equals-models check and for anyone who imports the models.
from reviewer.library import models_redact  # noqa: E402,F401
from reviewer.library import models_govern  # noqa: E402,F401
from reviewer.library import models_ops  # noqa: E402,F401
from reviewer.library import models_incident  # noqa: E402,F401

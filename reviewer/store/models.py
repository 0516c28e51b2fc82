"""The store's own schema (separate from the desktop library's): blobs, tus uploads, identity, access, audit.
The Alembic history in reviewer/store/migrations is the schema of record; a test checks its head equals these."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (BigInteger, Boolean, ForeignKey, Index, LargeBinary, MetaData, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column

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
    """A tus upload. `offset` counts the bytes durably received; state: open, complete, failed.

    Bytes go straight into the blob store as parts while they arrive (ADR 0008): `staging` (JSON) is the blob
    store's handle on the unfinished object and the parts written so far, `hash_state` the running SHA-256 over
    those parts (serialized, so any process continues it), and `tail` the bytes after the last whole part."""

    __tablename__ = "uploads"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    length: Mapped[int] = mapped_column(BigInteger, nullable=False)
    offset: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    metadata_header: Mapped[str] = mapped_column(Text, nullable=False, default="")
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    staging: Mapped[str | None] = mapped_column(Text, nullable=True)
    hash_state: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    tail: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))  # < one part; not on HEAD

    __table_args__ = (Index("ix_uploads_state_expires_at", "state", "expires_at"),)


# ---- identity, roles and access (ADR 0010) ------------------------------------------------------------------------
class User(StoreBase):
    """A person (or a docking station) known to this store. issuer "" is the store's embedded issuer; otherwise the
    external OIDC issuer URL, and `name` is the value of that issuer's configured username claim."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("issuer", "name"),)


class Credential(StoreBase):
    """A secret of the embedded issuer, stored only as its SHA-256: an enrolment code (single use) or a refresh
    token (rotated on use; `family` links a chain of rotations so a replayed one revokes them all)."""

    __tablename__ = "credentials"
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # enrolment | refresh
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    family: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Incident(StoreBase):
    __tablename__ = "incidents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID, canonical text form
    reference: Mapped[str] = mapped_column(String(255), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # made by the store for a dock's recording whose sidecar names no known incident (docs/dock.md): every
    # supervisor sees it until someone is assigned to it, which files it
    unfiled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Recording(StoreBase):
    """A recording's metadata, keyed by its footage's SHA-256, filed under one incident.

    A dock announces a recording when it creates the upload (metadata first, ADR 0018): it is listed at once in
    state "uploading", with no blob yet (hence no foreign key to blobs), and becomes "available" in the
    transaction that records its verified blob. Only an available recording has footage to serve or probe; an
    upload that fails its hash or expires withdraws its uploading recording."""

    __tablename__ = "recordings"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="available")  # uploading | available
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)  # declared at tus creation; the blob's once in
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), nullable=False, index=True)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    camera: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    officer: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Assignment(StoreBase):
    __tablename__ = "assignments"
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    assigned_by: Mapped[str] = mapped_column(String(32), nullable=False)
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class TrainingShare(StoreBase):
    """A clip shared for training: the redacted rendition (its own blob) of a recording. Trainers see it only once
    a second supervisor has approved the mask set it was rendered with."""

    __tablename__ = "training_shares"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    recording_sha256: Mapped[str] = mapped_column(ForeignKey("recordings.sha256"), nullable=False, index=True)
    clip_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False, default="")
    shared_by: Mapped[str] = mapped_column(String(32), nullable=False)
    approved_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditEvent(StoreBase):
    """The store's own audit trail: each row's hash covers its content and the previous row's hash."""

    __tablename__ = "store_audit"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(255), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    object_type: Mapped[str] = mapped_column(String(32), nullable=False)
    object_id: Mapped[str] = mapped_column(String(255), nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)  # ok | refused
    details: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
from reviewer.store import models_anchor as _models_anchor  # noqa: E402,F401  (ADR 0013 tables)
from reviewer.store import models_retention  # noqa: E402,F401  (registers its tables on StoreBase.metadata)

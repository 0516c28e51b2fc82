"""Tables of the operation model (ADR 0015): every change this library applied, the outbox of local changes not
yet acknowledged by the store, per-field merge stamps, the conflicts sync resolved, and small sync state."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewer.library.models import Base, UTCDateTime, utcnow


class OpLogRow(Base):
    """One operation as applied here, local or from the store, in local order (`seq`). `status`: applied,
    refused (the author's role may not), parked (its recording is not in this library yet)."""

    __tablename__ = "op_log"
    __table_args__ = (Index("ix_op_log_entity", "entity_type", "entity_id"),
                      Index("ix_op_log_scope", "scope_id", "status"))

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    stamp: Mapped[str] = mapped_column(String(300), nullable=False)  # hlc.Stamp.key(): sortable text
    actor: Mapped[str] = mapped_column(String(255), nullable=False)
    workstation: Mapped[str] = mapped_column(String(255), nullable=False)
    scope_type: Mapped[str] = mapped_column(String(20), nullable=False)
    scope_id: Mapped[str] = mapped_column(String(64), nullable=False)
    entity_type: Mapped[str] = mapped_column(String(64), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(255), nullable=False)
    revision_seen: Mapped[str | None] = mapped_column(String(36), nullable=True)
    envelope: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON, exactly as pushed
    origin: Mapped[str] = mapped_column(String(10), nullable=False)  # local | remote
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    store_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    author_role: Mapped[str | None] = mapped_column(String(40), nullable=True)  # as the store vouched (remote)


class OutboxRow(Base):
    """A local operation the store has not acknowledged yet. Removed when acknowledged, in the same transaction
    that records the store's sequence in op_log."""

    __tablename__ = "outbox"

    op_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class EntityHead(Base):
    """The latest operation applied on an entity: what a new local operation says it has seen
    (`revision_seen`), and what an undo expects to find."""

    __tablename__ = "entity_heads"

    entity_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    op_id: Mapped[str] = mapped_column(String(36), nullable=False)
    stamp: Mapped[str] = mapped_column(String(300), nullable=False)


class FieldStamp(Base):
    """Which operation last set a field of an entity, by HLC stamp: last writer wins per field."""

    __tablename__ = "field_stamps"

    entity_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(300), nullable=False)
    op_id: Mapped[str] = mapped_column(String(36), nullable=False)
    value_json: Mapped[str] = mapped_column(Text, nullable=False)


class SyncConflict(Base):
    """An automatic resolution that discarded someone's change: who, what and why (the conflicts panel)."""

    __tablename__ = "sync_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    entity_type: Mapped[str] = mapped_column(String(64), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(255), nullable=False)
    scope_id: Mapped[str] = mapped_column(String(64), nullable=False)
    field: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    lost_op_id: Mapped[str] = mapped_column(String(36), nullable=False)
    lost_actor: Mapped[str] = mapped_column(String(255), nullable=False)
    lost_value_json: Mapped[str] = mapped_column(Text, nullable=False, default="null")
    won_op_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    won_actor: Mapped[str | None] = mapped_column(String(255), nullable=True)
    why: Mapped[str] = mapped_column(Text, nullable=False)
    seen: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class SyncState(Base):
    """Small named values of this library's sync: the changes cursor, the last HLC stamp issued."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)

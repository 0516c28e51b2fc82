"""Tables of ADR 0013: workstations' audit chains held by the store (with the checkpoint it signed last) and the
operations log that sync pushes to and pulls from. Registered on StoreBase by the import at the end of models.py."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewer.library.models import UTCDateTime, utcnow
from reviewer.store.models import StoreBase


class WorkstationEvent(StoreBase):
    """One event of a workstation's audit chain, exactly as the workstation hashed it (canonical JSON of the
    hashed fields plus the hash). Append-only: a held seq is never replaced."""

    __tablename__ = "workstation_audit"
    workstation: Mapped[str] = mapped_column(String(255), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    event: Mapped[str] = mapped_column(Text, nullable=False)
    pushed_by: Mapped[str] = mapped_column(String(32), nullable=False)  # the store user id that sent it
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class WorkstationAnchor(StoreBase):
    """The latest checkpoint the store signed for a workstation's chain. `at` is kept as the exact text that was
    signed, so the signature re-verifies byte for byte."""

    __tablename__ = "workstation_anchors"
    workstation: Mapped[str] = mapped_column(String(255), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    head_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[str] = mapped_column(String(32), nullable=False)
    kid: Mapped[str] = mapped_column(String(32), nullable=False)
    signature: Mapped[str] = mapped_column(String(128), nullable=False)


class OperationRow(StoreBase):
    """An operation (the envelope of ADR 0013) in the store's global order. `incident_id` is resolved from the
    operation's scope at acceptance, so "changes since" filters with the same incident rule as every read."""

    __tablename__ = "operations"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    op_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    incident_id: Mapped[str] = mapped_column(String(36), nullable=False)
    envelope: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON of the envelope as sent
    digest: Mapped[str] = mapped_column(String(64), nullable=False)  # SHA-256 of `envelope`: resend vs. reuse
    submitted_by: Mapped[str] = mapped_column(String(255), nullable=False)
    # the role it was accepted under: workstations re-check the kind against it when they apply it (ADR 0015)
    submitted_role: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_operations_incident_id_seq", "incident_id", "seq"),)

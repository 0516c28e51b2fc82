"""The operation model (ADR 0015): op_log, outbox, entity_heads, field_stamps, sync_conflicts, sync_state.

Revision ID: 0006_operations
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_operations"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "op_log",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("stamp", sa.String(length=300), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("workstation", sa.String(length=255), nullable=False),
        sa.Column("scope_type", sa.String(length=20), nullable=False),
        sa.Column("scope_id", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.Column("revision_seen", sa.String(length=36), nullable=True),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.Column("store_seq", sa.Integer(), nullable=True),
        sa.Column("author_role", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_op_log")),
        sa.UniqueConstraint("op_id", name=op.f("uq_op_log_op_id")),
    )
    op.create_index("ix_op_log_entity", "op_log", ["entity_type", "entity_id"])
    op.create_index("ix_op_log_scope", "op_log", ["scope_id", "status"])
    op.create_table(
        "outbox",
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("op_id", name=op.f("pk_outbox")),
    )
    op.create_table(
        "entity_heads",
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("stamp", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("entity_type", "entity_id", name=op.f("pk_entity_heads")),
    )
    op.create_table(
        "field_stamps",
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("stamp", sa.String(length=300), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("entity_type", "entity_id", "field", name=op.f("pk_field_stamps")),
    )
    op.create_table(
        "sync_conflicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=255), nullable=False),
        sa.Column("scope_id", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("lost_op_id", sa.String(length=36), nullable=False),
        sa.Column("lost_actor", sa.String(length=255), nullable=False),
        sa.Column("lost_value_json", sa.Text(), nullable=False),
        sa.Column("won_op_id", sa.String(length=36), nullable=True),
        sa.Column("won_actor", sa.String(length=255), nullable=True),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("seen", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflicts")),
    )
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sync_state")),
    )


def downgrade() -> None:
    for table in ("sync_state", "sync_conflicts", "field_stamps", "entity_heads", "outbox"):
        op.drop_table(table)
    op.drop_index("ix_op_log_scope", table_name="op_log")
    op.drop_index("ix_op_log_entity", table_name="op_log")
    op.drop_table("op_log")

"""Workstations' audit chains, their signed checkpoints, and the operations log (ADR 0013).

Revision ID: store_0003_anchor
Revises: store_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from reviewer.library.models import UTCDateTime

revision = "store_0003_anchor"
down_revision = "store_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workstation_audit",
        sa.Column("workstation", sa.String(255), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("pushed_by", sa.String(32), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("workstation", "seq", name=op.f("pk_workstation_audit")),
    )
    op.create_table(
        "workstation_anchors",
        sa.Column("workstation", sa.String(255), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("kid", sa.String(32), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("workstation", name=op.f("pk_workstation_anchors")),
    )
    op.create_table(
        "operations",
        sa.Column("seq", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("op_id", sa.String(36), nullable=False),
        sa.Column("incident_id", sa.String(36), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("submitted_by", sa.String(255), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_operations")),
        sa.UniqueConstraint("op_id", name=op.f("uq_operations_op_id")),
    )
    op.create_index("ix_operations_incident_id_seq", "operations", ["incident_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_operations_incident_id_seq", table_name="operations")
    op.drop_table("operations")
    op.drop_table("workstation_anchors")
    op.drop_table("workstation_audit")

"""Retention marks, tombstones, the events table and probe results (ADR 0013).

Revision ID: store_0003_retention
Revises: store_0003_throughput
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from reviewer.library.models import UTCDateTime

revision = "store_0003_retention"
down_revision = "store_0003_throughput"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_marks",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("evidential", sa.Boolean(), nullable=False),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("category_days", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["blobs.sha256"], name=op.f("fk_retention_marks_sha256_blobs")),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_retention_marks")),
    )
    op.create_table(
        "tombstones",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("incident_id", sa.String(36), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("camera", sa.String(255), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("purged_at", UTCDateTime(), nullable=False),
        sa.Column("restore_until", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("destroyed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_tombstones")),
    )
    op.create_index(op.f("ix_tombstones_incident_id"), "tombstones", ["incident_id"])
    op.create_index("ix_tombstones_state_restore_until", "tombstones", ["state", "restore_until"])
    op.create_table(
        "store_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("incident_id", sa.String(36), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_events")),
    )
    op.create_index(op.f("ix_store_events_sha256"), "store_events", ["sha256"])
    op.create_table(
        "probe_results",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("frame_count", sa.Integer(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("codec", sa.String(32), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["sha256"], ["blobs.sha256"], name=op.f("fk_probe_results_sha256_blobs")),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_probe_results")),
    )


def downgrade() -> None:
    op.drop_table("probe_results")
    op.drop_index(op.f("ix_store_events_sha256"), table_name="store_events")
    op.drop_table("store_events")
    op.drop_index("ix_tombstones_state_restore_until", table_name="tombstones")
    op.drop_index(op.f("ix_tombstones_incident_id"), table_name="tombstones")
    op.drop_table("tombstones")
    op.drop_table("retention_marks")

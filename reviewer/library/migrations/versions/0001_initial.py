"""Initial library schema: incidents and recordings.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Migrations spell out plain column types (UTC times are DateTime holding naive UTC) and never import the
models: a migration must keep meaning what it meant when it was written.
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tracked() -> list[sa.Column]:
    return [
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        *_tracked(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("reference", name=op.f("uq_incidents_reference")),
    )
    op.create_table(
        "recordings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("original_ext", sa.String(length=20), nullable=False),
        sa.Column("imported_from", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("container", sa.String(length=100), nullable=False),
        sa.Column("codec", sa.String(length=50), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("time_base", sa.String(length=40), nullable=False),
        sa.Column("frame_count", sa.Integer(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("average_fps", sa.Float(), nullable=False),
        sa.Column("is_vfr", sa.Boolean(), nullable=False),
        sa.Column("has_audio", sa.Boolean(), nullable=False),
        sa.Column("audio_codec", sa.String(length=50), nullable=True),
        sa.Column("media_json", sa.Text(), nullable=False),
        sa.Column("camera_start", sa.DateTime(), nullable=True),
        sa.Column("camera_start_source", sa.String(length=20), nullable=True),
        sa.Column("officer_id", sa.String(length=100), nullable=True),
        sa.Column("device_id", sa.String(length=100), nullable=True),
        sa.Column("incident_id", sa.String(length=36), nullable=True),
        sa.Column("integrity", sa.String(length=20), nullable=False),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        *_tracked(),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_recordings_incident_id_incidents"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
    )
    op.create_index("ix_recordings_camera_start", "recordings", ["camera_start"], unique=False)
    op.create_index("ix_recordings_incident_id", "recordings", ["incident_id"], unique=False)
    op.create_index(op.f("ix_recordings_sha256"), "recordings", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_recordings_sha256"), table_name="recordings")
    op.drop_index("ix_recordings_incident_id", table_name="recordings")
    op.drop_index("ix_recordings_camera_start", table_name="recordings")
    op.drop_table("recordings")
    op.drop_table("incidents")

"""Redaction: mask tracks and blackout/audio ranges per recording.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
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
        "mask_tracks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("recording_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("effect_json", sa.Text(), nullable=False),
        sa.Column("padding", sa.Float(), nullable=False),
        sa.Column("inverse", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("reason_text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("keyframes_json", sa.Text(), nullable=False),
        sa.Column("keyframe_count", sa.Integer(), nullable=False),
        *_tracked(),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"],
                                name=op.f("fk_mask_tracks_recording_id_recordings"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mask_tracks")),
    )
    op.create_index("ix_mask_tracks_recording_id", "mask_tracks", ["recording_id"], unique=False)
    op.create_table(
        "redaction_ranges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("recording_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("start_pts", sa.Integer(), nullable=False),
        sa.Column("end_pts", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        *_tracked(),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"],
                                name=op.f("fk_redaction_ranges_recording_id_recordings"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redaction_ranges")),
    )
    op.create_index("ix_redaction_ranges_recording_id", "redaction_ranges", ["recording_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_redaction_ranges_recording_id", table_name="redaction_ranges")
    op.drop_table("redaction_ranges")
    op.drop_index("ix_mask_tracks_recording_id", table_name="mask_tracks")
    op.drop_table("mask_tracks")

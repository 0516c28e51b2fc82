"""The incident clock (issue 13 s.1): each recording's offset (and drift) on its incident's one clock.

Revision ID: 0009_incident_clock
Revises: 0008_mask_keyframes
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_incident_clock"
down_revision: str | None = "0008_mask_keyframes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clock_offsets",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("offset_us", sa.BigInteger(), nullable=False),
        sa.Column("drift_ppm", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_clock_offsets")),
    )


def downgrade() -> None:
    op.drop_table("clock_offsets")

"""Bookmarks made in the multi-camera grid (issue 13 s.3): one bookmark per camera, sharing `group_id`, with the
incident time `incident_us` they were made at. Both are empty on a single-recording bookmark.

Revision ID: 0011_incident_bookmarks
Revises: 0010_mask_proposals
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_incident_bookmarks"
down_revision: str | None = "0010_mask_proposals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bookmarks") as b:
        b.add_column(sa.Column("group_id", sa.String(length=36), nullable=True))
        b.add_column(sa.Column("incident_us", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    # each camera's bookmark stays, as an ordinary bookmark at its own frame
    with op.batch_alter_table("bookmarks") as b:
        b.drop_column("incident_us")
        b.drop_column("group_id")

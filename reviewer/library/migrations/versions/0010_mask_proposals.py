"""Detection assist (issue 14): a mask track may be a detector's proposal. `status` ("" drawn; proposed, accepted,
rejected) decides whether it redacts; `proposal_json` keeps the detector's record of it.

Revision ID: 0010_mask_proposals
Revises: 0009_incident_clock
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_mask_proposals"
down_revision: str | None = "0009_incident_clock"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mask_tracks") as b:
        b.add_column(sa.Column("status", sa.String(length=20), nullable=False, server_default=""))
        b.add_column(sa.Column("proposal_json", sa.Text(), nullable=True))
    with op.batch_alter_table("mask_tracks") as b:
        b.alter_column("status", server_default=None)


def downgrade() -> None:
    # proposals never redacted: a library taken back before detection assist must not start applying them
    op.execute("DELETE FROM mask_keyframes WHERE track_id IN (SELECT id FROM mask_tracks WHERE status IN "
               "('proposed', 'rejected'))")
    op.execute("UPDATE mask_tracks SET deleted_at = CURRENT_TIMESTAMP WHERE status IN ('proposed', 'rejected') "
               "AND deleted_at IS NULL")
    with op.batch_alter_table("mask_tracks") as b:
        b.drop_column("proposal_json")
        b.drop_column("status")

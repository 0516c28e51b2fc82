"""Footage on demand (issue 11 section 3): where each recording's bytes are, what the store last said of it, and
when it was last used (the cache policy evicts the least recently used first).

Revision ID: 0007_footage
Revises: 0006_operations
Create Date: 2026-11-29

Plain ADD COLUMNs (no table rebuild): every existing recording was imported here, so it is "local".
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_footage"
down_revision: str | None = "0006_operations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("recordings", sa.Column("availability", sa.String(length=20), nullable=False,
                                          server_default="local"))
    op.add_column("recordings", sa.Column("store_state", sa.String(length=20), nullable=True))
    op.add_column("recordings", sa.Column("last_used_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    for column in ("last_used_at", "store_state", "availability"):
        op.execute(f"ALTER TABLE recordings DROP COLUMN {column}")

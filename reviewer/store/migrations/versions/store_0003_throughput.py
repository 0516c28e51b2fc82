"""Uploads written into the blob store while they arrive: the blob store's staging handle and parts, the
serialized running SHA-256 and the bytes after the last whole part (ADR 0008, amended).

Revision ID: store_0003_throughput
Revises: store_0003_anchor
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "store_0003_throughput"
down_revision = "store_0003_anchor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("uploads") as batch:
        batch.add_column(sa.Column("staging", sa.Text(), nullable=True))
        batch.add_column(sa.Column("hash_state", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("tail", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("uploads") as batch:
        batch.drop_column("tail")
        batch.drop_column("hash_state")
        batch.drop_column("staging")

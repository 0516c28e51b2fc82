"""Metadata first (ADR 0018): a dock's recording is registered when its upload is created, before its blob exists.
recordings gets its state (uploading | available) and its size (declared at creation), and loses its foreign key
to blobs: an uploading recording has no blob yet, and only "available" promises one.

Revision ID: store_0005_dock_pending
Revises: store_0004_storeside
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "store_0005_dock_pending"
down_revision = "store_0004_storeside"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recordings") as batch:
        batch.add_column(sa.Column("state", sa.String(16), nullable=False, server_default="available"))
        batch.add_column(sa.Column("size", sa.BigInteger(), nullable=True))
    op.execute("UPDATE recordings SET size = (SELECT blobs.size FROM blobs WHERE blobs.sha256 = recordings.sha256)")
    op.execute("UPDATE recordings SET size = 0 WHERE size IS NULL")
    with op.batch_alter_table("recordings") as batch:
        batch.alter_column("state", server_default=None)
        batch.alter_column("size", existing_type=sa.BigInteger(), nullable=False)
        batch.drop_constraint("fk_recordings_sha256_blobs", type_="foreignkey")


def downgrade() -> None:
    # an uploading recording has no blob: it cannot survive the foreign key (its dock announces it again)
    op.execute("DELETE FROM recordings WHERE state = 'uploading'")
    with op.batch_alter_table("recordings") as batch:
        batch.create_foreign_key("fk_recordings_sha256_blobs", "blobs", ["sha256"], ["sha256"])
        batch.drop_column("size")
        batch.drop_column("state")

"""Recordings registered from the dock's sidecar (the officer; incidents the store made for unknown references,
"unfiled") and the probe's frame rate and whole MediaInfo for the sync listing.

Revision ID: store_0004_storeside
Revises: store_0004_op_role
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "store_0004_storeside"
down_revision = "store_0004_op_role"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing rows get a value through a server default, which is then dropped: the models give the default
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("unfiled", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("incidents") as batch:
        batch.alter_column("unfiled", server_default=None)
    with op.batch_alter_table("recordings") as batch:
        batch.add_column(sa.Column("officer", sa.String(255), nullable=False, server_default=""))
    with op.batch_alter_table("recordings") as batch:
        batch.alter_column("officer", server_default=None)
    with op.batch_alter_table("probe_results") as batch:
        batch.add_column(sa.Column("fps", sa.Float(), nullable=True))
        batch.add_column(sa.Column("media", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("probe_results") as batch:
        batch.drop_column("media")
        batch.drop_column("fps")
    with op.batch_alter_table("recordings") as batch:
        batch.drop_column("officer")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("unfiled")

"""The role each operation was accepted under (ADR 0015): workstations re-check it when they apply the change.

Revision ID: store_0004_op_role
Revises: store_0003_retention
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "store_0004_op_role"
down_revision = "store_0003_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the default fills the rows already there (accepted before roles were recorded); new rows always say
    with op.batch_alter_table("operations") as batch:
        batch.add_column(sa.Column("submitted_role", sa.String(40), nullable=False, server_default=""))
    with op.batch_alter_table("operations") as batch:
        batch.alter_column("submitted_role", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("operations") as batch:
        batch.drop_column("submitted_role")

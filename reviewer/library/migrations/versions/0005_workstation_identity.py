"""Workstation identity: library settings (the test-library mark), the OS account in every audit event, and the
workstation public keys that checkpoints and export manifests are signed with.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

audit_events gains a nullable column with a plain ADD COLUMN (no table rebuild), so its append-only triggers
stay in place and no existing row is rewritten: old events keep hashing without the field.
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("os_account", sa.String(length=200), nullable=True))
    op.create_table(
        "library_settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_library_settings")),
    )
    op.create_table(
        "workstation_keys",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("workstation", sa.String(length=200), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workstation_keys")),
    )


def downgrade() -> None:
    op.drop_table("workstation_keys")
    op.drop_table("library_settings")
    # DROP COLUMN rebuilds nothing in SQLite >= 3.35, so the append-only triggers survive the downgrade too
    op.execute("ALTER TABLE audit_events DROP COLUMN os_account")

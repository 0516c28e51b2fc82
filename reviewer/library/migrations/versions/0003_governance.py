"""Governance: users, bookmarks and their categories, clips, evidential marks, legal holds, retention policy,
purge records, and the append-only audit trail (triggers refuse UPDATE and DELETE on it).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

The default bookmark categories and retention periods are seeded here with name-derived UUIDs, so every
workstation starts with the same rows and sync sees one record per default, not one per install.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NS = uuid.UUID("5b0f6a6e-2f4e-4c1e-9a57-0b1d2c3e4f50")
DEFAULT_CATEGORIES = ("use of force", "allegation", "evidence", "training example", "other")
DEFAULT_POLICIES = (("non_evidential", 31), ("evidential", 2557))  # 31 days; 7 years (7 * 365 + 2 leap days)

TRIGGERS = {
    "audit_events_no_update": "UPDATE",
    "audit_events_no_delete": "DELETE",
}


def _tracked() -> list[sa.Column]:
    return [
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
    ]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete="RESTRICT")


def _recording_table(name: str, *columns: sa.Column, extra: Sequence[sa.SchemaItem] = ()) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("recording_id", sa.String(length=36), nullable=False),
        *columns,
        *_tracked(),
        _fk(name, "recording_id", "recordings"),
        *extra,
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_recording_id", name, ["recording_id"], unique=False)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        *_tracked(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    categories = op.create_table(
        "bookmark_categories",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *_tracked(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookmark_categories")),
        sa.UniqueConstraint("name", name=op.f("uq_bookmark_categories_name")),
    )
    _recording_table(
        "bookmarks",
        sa.Column("pts", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
    )
    _recording_table(
        "clips",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("in_pts", sa.Integer(), nullable=False),
        sa.Column("out_pts", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
    )
    _recording_table(
        "evidential_marks",
        sa.Column("clip_id", sa.String(length=36), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("marked_by", sa.String(length=200), nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.Column("cleared_by", sa.String(length=200), nullable=True),
        sa.Column("cleared_at", sa.DateTime(), nullable=True),
        sa.Column("clear_reason", sa.Text(), nullable=True),
        extra=(_fk("evidential_marks", "clip_id", "clips"),),
    )
    _recording_table(
        "legal_holds",
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.Column("released_by", sa.String(length=200), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
    )
    policies = op.create_table(
        "retention_policies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        *_tracked(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_policies")),
        sa.UniqueConstraint("category", name=op.f("uq_retention_policies_category")),
    )
    _recording_table(
        "purges",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("expired_at", sa.DateTime(), nullable=False),
        sa.Column("purged_at", sa.DateTime(), nullable=False),
        sa.Column("purged_by", sa.String(length=200), nullable=False),
        sa.Column("files_json", sa.Text(), nullable=False),
        sa.Column("files_removed_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("user", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("workstation", sa.String(length=200), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_events_event_id")),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"], unique=False)
    op.create_index("ix_audit_events_object", "audit_events", ["object_type", "object_id"], unique=False)
    op.create_index("ix_audit_events_user", "audit_events", ["user"], unique=False)
    # The database itself refuses to rewrite history; code paths that forget are stopped here, and a deliberate
    # tamperer has to drop these first (which the hash chain and the checkpoints then expose).
    for name, verb in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} BEFORE {verb} ON audit_events "
                   f"BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: {verb} refused'); END")

    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    seed = {"revision": 1, "created_at": now, "updated_at": now, "updated_by": "system", "deleted_at": None}
    op.bulk_insert(categories, [
        {"id": str(uuid.uuid5(_NS, f"bookmark_category:{name}")), "name": name, "position": i, **seed}
        for i, name in enumerate(DEFAULT_CATEGORIES)
    ])
    op.bulk_insert(policies, [
        {"id": str(uuid.uuid5(_NS, f"retention_policy:{cat}")), "category": cat, "days": days, **seed}
        for cat, days in DEFAULT_POLICIES
    ])


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_audit_events_user", table_name="audit_events")
    op.drop_index("ix_audit_events_object", table_name="audit_events")
    op.drop_index("ix_audit_events_at", table_name="audit_events")
    op.drop_table("audit_events")
    for name in ("purges", "legal_holds", "evidential_marks", "clips", "bookmarks"):
        op.drop_index(f"ix_{name}_recording_id", table_name=name)
        op.drop_table(name)
    op.drop_table("retention_policies")
    op.drop_table("bookmark_categories")
    op.drop_table("users")

"""Identity, roles and access: users, credentials of the embedded issuer, incidents, recordings, assignments,
training shares, and the store's hash-chained audit trail (ADR 0010).

Revision ID: store_0002
Revises: store_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from reviewer.library.models import UTCDateTime

revision = "store_0002"
down_revision = "store_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("issuer", "name", name=op.f("uq_users_issuer")),
    )
    op.create_table(
        "credentials",
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("family", sa.String(32), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_credentials_user_id_users")),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_credentials")),
    )
    op.create_index(op.f("ix_credentials_user_id"), "credentials", ["user_id"])
    op.create_index(op.f("ix_credentials_family"), "credentials", ["family"])
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("reference", sa.String(255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_table(
        "recordings",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("incident_id", sa.String(36), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("camera", sa.String(255), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["blobs.sha256"], name=op.f("fk_recordings_sha256_blobs")),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_recordings_incident_id_incidents")),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_recordings")),
    )
    op.create_index(op.f("ix_recordings_incident_id"), "recordings", ["incident_id"])
    op.create_table(
        "assignments",
        sa.Column("incident_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("assigned_by", sa.String(32), nullable=False),
        sa.Column("assigned_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name=op.f("fk_assignments_incident_id_incidents")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_assignments_user_id_users")),
        sa.PrimaryKeyConstraint("incident_id", "user_id", name=op.f("pk_assignments")),
    )
    op.create_index(op.f("ix_assignments_user_id"), "assignments", ["user_id"])
    op.create_table(
        "training_shares",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("recording_sha256", sa.String(64), nullable=False),
        sa.Column("clip_sha256", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("shared_by", sa.String(32), nullable=False),
        sa.Column("approved_by", sa.String(32), nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["recording_sha256"], ["recordings.sha256"],
                                name=op.f("fk_training_shares_recording_sha256_recordings")),
        sa.ForeignKeyConstraint(["clip_sha256"], ["blobs.sha256"],
                                name=op.f("fk_training_shares_clip_sha256_blobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_shares")),
    )
    op.create_index(op.f("ix_training_shares_recording_sha256"), "training_shares", ["recording_sha256"])
    op.create_table(
        "store_audit",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_id", sa.String(255), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_store_audit")),
        sa.UniqueConstraint("hash", name=op.f("uq_store_audit_hash")),
    )


def downgrade() -> None:
    op.drop_table("store_audit")
    op.drop_index(op.f("ix_training_shares_recording_sha256"), table_name="training_shares")
    op.drop_table("training_shares")
    op.drop_index(op.f("ix_assignments_user_id"), table_name="assignments")
    op.drop_table("assignments")
    op.drop_index(op.f("ix_recordings_incident_id"), table_name="recordings")
    op.drop_table("recordings")
    op.drop_table("incidents")
    op.drop_index(op.f("ix_credentials_family"), table_name="credentials")
    op.drop_index(op.f("ix_credentials_user_id"), table_name="credentials")
    op.drop_table("credentials")
    op.drop_table("users")

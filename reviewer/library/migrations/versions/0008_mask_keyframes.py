"""Masks merge at keyframe level (issue 11): keyframes get their own rows, edits their tags, tracks and
approvals the HLC stamp that orders them the same on every copy. Existing tracks' keyframes JSON is moved into
mask_keyframes (each existing track, keyframe and range gets one edit tag named by its own id).

Revision ID: 0008_mask_keyframes
Revises: 0007_footage
Create Date: 2026-11-29
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_mask_keyframes"
down_revision: str | None = "0007_footage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _legacy_stamp(created_at) -> str:
    """hlc.Stamp.key() of a track made before operations: its creation time, ordered before any operation."""
    if isinstance(created_at, str):
        created_at = dt.datetime.fromisoformat(created_at)
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=dt.timezone.utc)
    return f"{int(created_at.timestamp() * 1000):016d}.{0:010d}.legacy"


def upgrade() -> None:
    op.create_table(
        "mask_keyframes",
        sa.Column("track_id", sa.String(length=36), nullable=False),
        sa.Column("pts", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("points_json", sa.Text(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("track_id", "pts", name=op.f("pk_mask_keyframes")),
    )
    op.create_table(
        "mask_tags",
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.String(length=80), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("edit", sa.Boolean(), nullable=False),
        sa.Column("removed_by", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("entity_type", "entity_id", "op_id", name=op.f("pk_mask_tags")),
    )
    with op.batch_alter_table("mask_approvals") as b:
        b.add_column(sa.Column("stamp", sa.String(length=300), nullable=True))
    with op.batch_alter_table("mask_tracks") as b:
        b.add_column(sa.Column("stamp", sa.String(length=300), nullable=False, server_default=""))

    conn = op.get_bind()
    keyframes, tags = [], []
    for tid, kf_json, created_at, deleted_at in conn.execute(sa.text(
            "SELECT id, keyframes_json, created_at, deleted_at FROM mask_tracks")).all():
        conn.execute(sa.text("UPDATE mask_tracks SET stamp = :s WHERE id = :i"),
                     {"s": _legacy_stamp(created_at), "i": tid})
        removed = tid if deleted_at is not None else None
        tags.append({"t": "mask_track", "e": tid, "o": tid, "r": removed})
        for k in json.loads(kf_json):
            keyframes.append({"t": tid, "p": int(k["pts"]), "j": json.dumps(k["points"], separators=(",", ":")),
                              "h": bool(k.get("hidden", False))})
            tags.append({"t": "mask_keyframe", "e": f"{tid}:{int(k['pts'])}", "o": tid, "r": None})
    for rid, deleted_at in conn.execute(sa.text("SELECT id, deleted_at FROM redaction_ranges")).all():
        tags.append({"t": "redaction_range", "e": rid, "o": rid, "r": rid if deleted_at is not None else None})
    if keyframes:
        conn.execute(sa.text("INSERT INTO mask_keyframes (track_id, pts, points_json, hidden, live) "
                             "VALUES (:t, :p, :j, :h, 1)"), keyframes)
    if tags:
        conn.execute(sa.text("INSERT INTO mask_tags (entity_type, entity_id, op_id, edit, removed_by) "
                             "VALUES (:t, :e, :o, 1, :r)"), tags)
    with op.batch_alter_table("mask_tracks") as b:
        b.alter_column("stamp", server_default=None)
        b.drop_column("keyframes_json")
        b.drop_column("keyframe_count")


def downgrade() -> None:
    with op.batch_alter_table("mask_tracks") as b:
        b.add_column(sa.Column("keyframes_json", sa.Text(), nullable=False, server_default="[]"))
        b.add_column(sa.Column("keyframe_count", sa.Integer(), nullable=False, server_default="0"))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT track_id, pts, points_json, hidden FROM mask_keyframes WHERE live = 1 "
                                "ORDER BY track_id, pts")).all()
    per_track: dict[str, list] = {}
    for tid, pts, points, hidden in rows:
        per_track.setdefault(tid, []).append({"pts": pts, "points": json.loads(points), "hidden": bool(hidden)})
    for tid, kfs in per_track.items():
        conn.execute(sa.text("UPDATE mask_tracks SET keyframes_json = :j, keyframe_count = :n WHERE id = :i"),
                     {"j": json.dumps(kfs, separators=(",", ":")), "n": len(kfs), "i": tid})
    with op.batch_alter_table("mask_tracks") as b:
        b.alter_column("keyframes_json", server_default=None)
        b.alter_column("keyframe_count", server_default=None)
        b.drop_column("stamp")
    with op.batch_alter_table("mask_approvals") as b:
        b.drop_column("stamp")
    op.drop_table("mask_tags")
    op.drop_table("mask_keyframes")

"""Results of ``check --batch``: one row per (relative path, SHA-256) of a checked file.

Revision ID: 0012_batch
Revises: 0011_serve
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_batch"
down_revision = "0011_serve"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "batch_checks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("record", sa.JSON, nullable=False),
        sa.Column("checked_at", TZ, nullable=False),
        sa.UniqueConstraint("path", "sha256", name="uq_batch_checks_path_sha256"),
    )


def downgrade() -> None:
    op.drop_table("batch_checks")

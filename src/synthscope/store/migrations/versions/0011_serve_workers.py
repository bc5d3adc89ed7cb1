"""Web service across worker processes: job heartbeats and shared rate-limit windows.

Revision ID: 0011_serve
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_serve"
down_revision = "0010"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("worker", sa.String(64)))
        batch.add_column(sa.Column("heartbeat_at", TZ))
    op.create_table(
        "rate_windows",
        sa.Column("caller", sa.String(160), primary_key=True),
        sa.Column("window", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("count", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_windows")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("worker")

"""Observe tables: items, snapshots, runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("query_hash", sa.String(64), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
        sa.Column("checkpoint", sa.JSON),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("errors", sa.JSON, nullable=False),
        sa.Column("message", sa.Text),
    )
    op.create_index("ix_runs_source_query", "runs", ["source", "query_hash"])
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(512), nullable=False, unique=True),
        sa.Column("platform", sa.String(64), nullable=False),
        sa.Column("platform_id", sa.String(448), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("text", sa.Text),
        sa.Column("author", sa.Text),
        sa.Column("published_at", TZ),
        sa.Column("year", sa.Integer),
        sa.Column("region", sa.String(16)),
        sa.Column("category", sa.String(32)),
        sa.Column("platform_category", sa.Text),
        sa.Column("modality", sa.String(16)),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("raw", sa.JSON),
        sa.Column("observed_at", TZ),
        sa.Column("first_seen_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_items_kind_year", "items", ["kind", "year"])
    op.create_index("ix_items_platform_year", "items", ["platform", "year"])
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("observed_at", TZ, nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="SET NULL")),
        *(sa.Column(m, sa.BigInteger) for m in METRIC_COLUMNS),
        sa.UniqueConstraint("item_id", "observed_at", name="uq_snapshots_item_time"),
    )


METRIC_COLUMNS = ("plays", "likes", "favorites", "shares", "comments", "stars")


def downgrade() -> None:
    op.drop_table("snapshots")
    op.drop_index("ix_items_platform_year", table_name="items")
    op.drop_index("ix_items_kind_year", table_name="items")
    op.drop_table("items")
    op.drop_index("ix_runs_source_query", table_name="runs")
    op.drop_table("runs")

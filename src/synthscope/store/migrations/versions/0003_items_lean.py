"""Items lose the (kind, year) and (platform, year) indexes.

The report now counts items in one pass over the table (store/cube.py), which those indexes only
slowed down (SQLite walked them and fetched every row at random), and every import paid to keep
them: about a third of the cost of inserting a million items.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_items_kind_year", table_name="items")
    op.drop_index("ix_items_platform_year", table_name="items")


def downgrade() -> None:
    op.create_index("ix_items_kind_year", "items", ["kind", "year"])
    op.create_index("ix_items_platform_year", "items", ["platform", "year"])

"""Hash banks and their signals.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "banks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("owner", sa.String(128)),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "signals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "bank_id", sa.Integer, sa.ForeignKey("banks.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("signal_type", sa.String(32), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("quality", sa.Integer),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("added_by", sa.String(128)),
        sa.Column("origin", sa.Text),
        sa.Column("added_at", TZ, nullable=False),
        sa.Column("removed_at", TZ),
        sa.Column("removed_reason", sa.Text),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("bank_id", "key", name="uq_signals_bank_key"),
    )
    op.create_index("ix_signals_bank_seq", "signals", ["bank_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_signals_bank_seq", table_name="signals")
    op.drop_table("signals")
    op.drop_table("banks")

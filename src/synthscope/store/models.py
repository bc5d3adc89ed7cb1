"""Tables of the store (SQLAlchemy 2 declarative models).

Snapshots are one row per (item, observation time) with one nullable column per metric rather than
one row per metric: the same facts (a dated value that is never overwritten), five times fewer rows,
and the per-item ratios of the report need the metrics of one observation side by side anyway.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC time; a naive time is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value if value.tzinfo is UTC else value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware.

    SQLite has no time zones: without this, values come back naive and a re-import would compare a
    naive time with an aware one.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = as_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class ItemRow(Base):
    """One unique piece of content; ``key`` is ``platform:platform_id``."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)
    platform: Mapped[str] = mapped_column(String(64))
    platform_id: Mapped[str] = mapped_column(String(448))
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    year: Mapped[int | None] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(32))
    platform_category: Mapped[str | None] = mapped_column(Text)
    modality: Mapped[str | None] = mapped_column(String(16))
    keywords: Mapped[list[Any]] = mapped_column(JSON, default=list)
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SnapshotRow(Base):
    """The counts of one item as observed at one time; never overwritten by later observations."""

    __tablename__ = "snapshots"
    __table_args__ = (UniqueConstraint("item_id", "observed_at", name="uq_snapshots_item_time"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    plays: Mapped[int | None] = mapped_column(BigInteger)
    likes: Mapped[int | None] = mapped_column(BigInteger)
    favorites: Mapped[int | None] = mapped_column(BigInteger)
    shares: Mapped[int | None] = mapped_column(BigInteger)
    comments: Mapped[int | None] = mapped_column(BigInteger)
    stars: Mapped[int | None] = mapped_column(BigInteger)


class RunRow(Base):
    """One collection or import run: what was asked, how far it got, what it skipped and why."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_source_query", "source", "query_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(Text)
    query_hash: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    message: Mapped[str | None] = mapped_column(Text)
    # Live collectors: one record per query window (what was asked, when, how many results).
    log: Mapped[list[Any] | None] = mapped_column(JSON)


# The tables for Core statements (typed as Table: ``__table__`` is declared as a FromClause).
ITEMS = cast(Table, ItemRow.__table__)
SNAPSHOTS = cast(Table, SnapshotRow.__table__)
RUNS = cast(Table, RunRow.__table__)


class BankRow(Base):
    """A hash bank: known deep-synthesis content one platform keeps and may share.

    ``seq`` counts the bank's changes; every signal row carries the ``seq`` of its last change,
    so an export "since checkpoint N" is the signals with ``seq > N``.
    """

    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str | None] = mapped_column(String(128))
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignalRow(Base):
    """One hash in a bank; ``key`` is sha256 of ``type:value`` (its public id is the first 16
    digits). Removal is soft: ``removed_at`` and ``removed_reason`` are set, the row stays."""

    __tablename__ = "signals"
    __table_args__ = (
        UniqueConstraint("bank_id", "key", name="uq_signals_bank_key"),
        Index("ix_signals_bank_seq", "bank_id", "seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    signal_type: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    quality: Mapped[int | None] = mapped_column(Integer)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    added_by: Mapped[str | None] = mapped_column(String(128))
    origin: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_reason: Mapped[str | None] = mapped_column(Text)
    seq: Mapped[int] = mapped_column(BigInteger)


BANKS = cast(Table, BankRow.__table__)
SIGNALS = cast(Table, SignalRow.__table__)


class BatchCheckRow(Base):
    """One file checked by ``check --batch``: its ``synthscope.check/1`` record.

    The key is the file's path relative to the checked folder plus its SHA-256, so a re-run skips
    a file whose content is unchanged and checks a changed one again (the old row stays: it is the
    record of the old content). ``sha256`` is empty for a file that could not be read at all.
    ``status`` is ``done`` or ``failed``; only a failed row is ever overwritten, by a retry.
    """

    __tablename__ = "batch_checks"
    __table_args__ = (UniqueConstraint("path", "sha256", name="uq_batch_checks_path_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())


BATCH_CHECKS = cast(Table, BatchCheckRow.__table__)

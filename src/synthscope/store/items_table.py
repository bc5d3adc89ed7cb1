"""Idempotent writes of a de-duplicated table of items (an import batch read column-wise).

Same rules and the same stored values as :func:`synthscope.store.items.upsert_items`, without an
:class:`Item` per row. On SQLite the batch is staged as a small database image (:mod:`._stage`) and
one statement inserts new keys and merges stored ones in C (:mod:`._sqlite_upsert`); new keys get
their ids in row order, so their snapshots need no look-up. On PostgreSQL new keys go to the driver
straight from the table's columns, and keys already stored take the row path's merge
(:func:`items.changes`) one by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import repeat
from typing import Any

import orjson
import polars as pl
from sqlalchemy import Connection

from synthscope.observe.items import METRICS, Item
from synthscope.store import _bulk, _sqlite_upsert, _stage
from synthscope.store.items import (
    UpsertCounts,
    changes,
    existing_rows,
    ids_of,
    update_changed,
)

# Columns of the table that map one to one onto the items table.
_PLAIN = (
    "key",
    "platform",
    "platform_id",
    "kind",
    "url",
    "title",
    "text",
    "author",
    "published_at",
    "year",
    "region",
    "category",
    "platform_category",
    "modality",
    "keywords",
)


def upsert_table(
    conn: Connection,
    table: pl.DataFrame | None,
    *,
    observed_at: datetime,
    source: str,
    run_id: int | None,
    now: datetime,
) -> UpsertCounts:
    """Write one row per key of ``table`` and its snapshot, inside the caller's transaction.

    ``table`` has one row per key (``observe._table.prepare``), all observed at ``observed_at``.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the caller maps it (see ``store.db.storage_errors``).
    """
    counts = UpsertCounts()
    if table is None or table.is_empty():
        return counts
    table = table.with_columns(
        pl.lit(None, dtype=pl.Int64).alias(m) for m in METRICS if m not in table.columns
    )
    if conn.dialect.name == "sqlite":
        return _upsert_sqlite(
            conn, table, observed_at=observed_at, source=source, run_id=run_id, now=now
        )
    keys = table["key"].to_list()
    existing = existing_rows(conn, keys)
    stored = table["key"].is_in(list(existing)) if existing else pl.repeat(False, len(table))
    fresh = table.filter(~stored)
    ids = {key: row["id"] for key, row in existing.items()}
    if not fresh.is_empty():
        new_ids = _insert(conn, fresh, observed_at=observed_at, source=source, now=now)
        ids.update(zip(fresh["key"].to_list(), new_ids, strict=True))
        counts.new = len(fresh)
    if existing:
        items = [_item(row, observed_at) for row in table.filter(stored).iter_rows(named=True)]
        diffs = {it.key: changes(existing[it.key], it, source) for it in items}
        counts.updated = update_changed(conn, existing, diffs, now)
    counts.unchanged = len(table) - counts.new - counts.updated
    return _with_snapshots(counts, table, [ids[key] for key in keys], observed_at, run_id, conn)


def _with_snapshots(
    counts: UpsertCounts,
    table: pl.DataFrame,
    ids: Sequence[int],
    observed_at: datetime,
    run_id: int | None,
    conn: Connection,
) -> UpsertCounts:
    # In table order, as the row path writes them: reports that resample rows (bootstrap
    # intervals) read snapshots in the order they were first written.
    absent = _all_null(table, METRICS)
    snapshots = _snapshot_rows(table, ids, absent)
    if snapshots:
        rows = [(r[0], observed_at, run_id, *r[1:]) for r in snapshots]
        _bulk.upsert_snapshots(conn, rows, absent=absent)
    counts.snapshots = len(snapshots)
    return counts


def _upsert_sqlite(
    conn: Connection,
    table: pl.DataFrame,
    *,
    observed_at: datetime,
    source: str,
    run_id: int | None,
    now: datetime,
) -> UpsertCounts:
    """Stage the batch (``_stage``), then insert or merge every row, and write the snapshots,
    in one statement each.

    New keys take ids ``first, first + 1, ...`` in table order; a row whose key was stored keeps
    the stored id (its snapshot finds it by the key).
    """
    counts = UpsertCounts()
    first = _bulk.next_item_id(conn)
    n = len(table)
    nulls = _all_null(table, _PLAIN)
    absent = _all_null(table, METRICS)
    metrics = tuple(m for m in METRICS if m not in absent)
    # The same in every row of the batch: written into the statement, not staged per row.
    stamp = _sqlite_upsert.literal(_bulk.stored_time(conn, now))
    at = _sqlite_upsert.literal(_bulk.stored_time(conn, observed_at))
    fixed = (
        ("sources", _sqlite_upsert.literal(_bulk.json_text([source]))),
        ("observed_at", at),
        ("first_seen_at", stamp),
        ("updated_at", stamp),
    )
    staged = {"items": _staged_items(table, first, skip=nulls)}
    if metrics:
        staged["snapshots"] = _staged_snapshots(table, metrics)
    _stage.stage(conn, staged)
    written = int(conn.exec_driver_sql(_sqlite_upsert.statement(nulls, fixed)).rowcount)
    counts.new = int(
        conn.exec_driver_sql("SELECT COUNT(*) FROM items WHERE id >= ?", (first,)).scalar_one()
    )
    counts.updated = written - counts.new
    counts.unchanged = n - counts.new - counts.updated
    if metrics:
        sql = _sqlite_upsert.snapshot_statement(
            metrics, at, _sqlite_upsert.literal(run_id), first if counts.new == n else None
        )
        conn.exec_driver_sql(sql)
        counts.snapshots = len(staged["snapshots"])
    return counts


def _staged_items(table: pl.DataFrame, first: int, skip: frozenset[str]) -> pl.DataFrame:
    """The columns the SQLite upsert reads, as the driver stores them: ids in row order, times
    as SQLAlchemy's DATETIME text, JSON as text."""
    columns: list[pl.Expr] = [pl.int_range(first, first + len(table), dtype=pl.Int64).alias("id")]
    for name in (*_PLAIN, "raw"):
        if name in skip:
            continue
        if name == "published_at":
            columns.append(pl.col(name).dt.strftime("%Y-%m-%d %H:%M:%S%.6f"))
        elif name == "year":
            columns.append(pl.col(name).cast(pl.Int64))
        else:
            columns.append(pl.col(name).cast(pl.String))
    return table.select(columns)


def _staged_snapshots(table: pl.DataFrame, metrics: tuple[str, ...]) -> pl.DataFrame:
    """``(pos, *metrics)`` of each row with at least one count; ``pos`` is its 1-based row."""
    counted = pl.any_horizontal(pl.col(metrics).is_not_null())
    return (
        table.select(pl.int_range(1, len(table) + 1, dtype=pl.Int64).alias("pos"), *metrics)
        .filter(counted)
        .with_columns(pl.col(metrics).cast(pl.Int64))
    )


def _insert(
    conn: Connection, fresh: pl.DataFrame, *, observed_at: datetime, source: str, now: datetime
) -> list[int]:
    """Insert new keys (PostgreSQL); their ids in table order."""
    stamp = _bulk.stored_time(conn, now)
    n = len(fresh)
    constant: dict[str, Any] = {
        "sources": _bulk.json_text([source]),
        "observed_at": _bulk.stored_time(conn, observed_at),
        "first_seen_at": stamp,
        "updated_at": stamp,
    }
    # One zip over the columns: tuples are built in C, not one Python expression per row.
    columns = [
        repeat(constant[name], n) if name in constant else fresh[name].to_list()
        for name in _bulk.ITEM_COLUMNS
    ]
    _bulk.insert_rows(conn, list(zip(*columns, strict=True)))
    keys = fresh["key"].to_list()
    found = ids_of(conn, keys)  # the database's ids, and those of keys another writer added
    return [found[key] for key in keys]


def _all_null(table: pl.DataFrame, names: Iterable[str]) -> frozenset[str]:
    """The columns among ``names`` that are null in every row of ``table``."""
    return frozenset(name for name in names if table[name].null_count() == len(table))


def _snapshot_rows(
    table: pl.DataFrame, ids: Sequence[int], absent: frozenset[str]
) -> list[tuple[Any, ...]]:
    """``(item_id, *metrics)`` of each row that has at least one count, less the ``absent``
    metrics."""
    counted = table.select(pl.any_horizontal(pl.col(METRICS).is_not_null())).to_series()
    kept = table.with_columns(item_id=pl.Series(ids, dtype=pl.Int64)).filter(counted)
    return list(
        zip(
            kept["item_id"].to_list(),
            *(kept[m].to_list() for m in METRICS if m not in absent),
            strict=True,
        )
    )


def _item(row: dict[str, Any], observed_at: datetime) -> Item:
    """A table row as the Item the row path would have built (for merging with stored rows)."""
    return Item(
        row["platform"],
        row["platform_id"],
        row["kind"],
        row["url"],
        row["title"],
        row["text"],
        row["author"],
        row["published_at"],
        row["year"],
        row["region"],
        row["category"],
        row["platform_category"],
        row["modality"],
        tuple(orjson.loads(row["keywords"])),
        {m: row[m] for m in METRICS if row[m] is not None},
        observed_at,
        orjson.loads(row["raw"]),
    )

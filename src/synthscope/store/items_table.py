"""Idempotent writes of a de-duplicated table of items (an import batch read column-wise).

Same rules and the same stored values as :func:`synthscope.store.items.upsert_items`, without an
:class:`Item` per row: new keys (nearly all rows of a first import) go to the driver straight from
the table's columns, and on SQLite they get their ids in the same statement, so their snapshots need
no second look-up. Keys already stored take the row path's merge (:func:`items.changes`) one by one.
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
from synthscope.store import _bulk, _sqlite_upsert
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
    keys = table["key"].to_list()
    if conn.dialect.name == "sqlite":
        counts.new, counts.updated, in_order = _merge_sqlite(
            conn, table, keys, observed_at=observed_at, source=source, now=now
        )
        counts.unchanged = len(table) - counts.new - counts.updated
        return _with_snapshots(counts, table, in_order, observed_at, run_id, conn)
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
        _bulk.upsert_batch_snapshots(conn, snapshots, observed_at, run_id, absent=absent)
    counts.snapshots = len(snapshots)
    return counts


def _merge_sqlite(
    conn: Connection,
    table: pl.DataFrame,
    keys: list[str],
    *,
    observed_at: datetime,
    source: str,
    now: datetime,
) -> tuple[int, int, list[int]]:
    """Insert or merge every row in one statement; (new, updated, ids in table order).

    New keys take ids ``first, first + 1, ...`` in table order; a row whose key was stored keeps
    the stored id, so the ids missing from that range name the rows to look up.
    """
    first = _bulk.next_item_id(conn)
    n = len(table)
    nulls = _all_null(table, _PLAIN)
    # The same in every row of the batch: written into the statement, not bound per row.
    stamp = _sqlite_upsert.literal(_bulk.stored_time(conn, now))
    fixed = (
        ("sources", _sqlite_upsert.literal(_bulk.json_text([source]))),
        ("observed_at", _sqlite_upsert.literal(_bulk.stored_time(conn, observed_at))),
        ("first_seen_at", stamp),
        ("updated_at", stamp),
    )
    skip = nulls | {column for column, _ in fixed}
    columns = _columns(conn, table, observed_at, source, now, skip=skip)
    rows = list(zip(range(first, first + n), *columns, strict=True))
    sql = _sqlite_upsert.statement(nulls, fixed)
    written = int(conn.exec_driver_sql(sql, rows).rowcount)
    ids = list(range(first, first + n))
    new = int(
        conn.exec_driver_sql("SELECT COUNT(*) FROM items WHERE id >= ?", (first,)).scalar_one()
    )
    if new == n:  # every key was new (a first import): no id to look up
        return n, written - n, ids
    inserted = {
        row_id
        for (row_id,) in conn.exec_driver_sql(
            "SELECT id FROM items WHERE id >= ?", (first,)
        ).cursor.fetchall()
    }
    merged = [pos for pos, row_id in enumerate(ids) if row_id not in inserted]
    found = ids_of(conn, [keys[pos] for pos in merged])
    for pos in merged:
        ids[pos] = found[keys[pos]]
    return len(inserted), written - len(inserted), ids


def _insert(
    conn: Connection, fresh: pl.DataFrame, *, observed_at: datetime, source: str, now: datetime
) -> list[int]:
    """Insert new keys; their ids in table order."""
    sqlite = conn.dialect.name == "sqlite"
    columns = _columns(conn, fresh, observed_at, source, now)
    n = len(fresh)
    keys = fresh["key"].to_list()
    if not sqlite:
        _bulk.insert_rows(conn, list(zip(*columns, strict=True)))
        found = ids_of(conn, keys)
        return [found[key] for key in keys]
    first = _bulk.next_item_id(conn)
    ids = range(first, first + n)
    # One zip over the columns: tuples are built in C, not one Python expression per row.
    if _bulk.insert_rows(conn, list(zip(ids, *columns, strict=True))) == n:
        return list(ids)
    found = ids_of(conn, keys)  # another writer got some keys first: ask for the real ids
    return [found[key] for key in keys]


def _columns(
    conn: Connection,
    table: pl.DataFrame,
    observed_at: datetime,
    source: str,
    now: datetime,
    skip: frozenset[str] = frozenset(),
) -> list[Iterable[Any]]:
    """The values of ``_bulk.ITEM_COLUMNS`` less ``skip`` for every row of ``table``, column by
    column."""
    sqlite = conn.dialect.name == "sqlite"

    def plain(name: str) -> list[Any]:
        if name == "published_at" and sqlite:
            return table[name].dt.strftime("%Y-%m-%d %H:%M:%S%.6f").to_list()
        return table[name].to_list()

    n = len(table)
    stamp = _bulk.stored_time(conn, now)
    rest: dict[str, Iterable[Any]] = {
        "sources": repeat(_bulk.json_text([source]), n),
        "raw": table["raw"].to_list(),
        "observed_at": repeat(_bulk.stored_time(conn, observed_at), n),
        "first_seen_at": repeat(stamp, n),
        "updated_at": repeat(stamp, n),
    }
    return [
        plain(name) if name in _PLAIN else rest[name]
        for name in _bulk.ITEM_COLUMNS
        if name not in skip
    ]


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

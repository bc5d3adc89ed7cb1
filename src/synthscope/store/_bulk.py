"""Bulk inserts through the database driver: the hot path of imports of millions of rows.

Going through SQLAlchemy's per-parameter bind processing costs tens of microseconds per row, which
dominated a 1,000,000-row import. Here values are converted once into tuples (JSON serialised,
times in UTC) and handed to the driver's executemany with one statement per dialect. The SQL is
the portable ``INSERT ... ON CONFLICT`` that SQLite and PostgreSQL both speak; the stored values
are exactly those the SQLAlchemy models write (tests read them back through the models).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Connection

from synthscope.observe.items import METRICS, Item
from synthscope.store.models import as_utc

ITEM_COLUMNS = (
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
    "sources",
    "raw",
    "observed_at",
    "first_seen_at",
    "updated_at",
)
_JSON = frozenset({"keywords", "sources", "raw"})
_TIMES = frozenset({"published_at", "observed_at", "first_seen_at", "updated_at"})
SNAPSHOT_COLUMNS = ("item_id", "observed_at", "run_id", *METRICS)


@lru_cache(maxsize=8192)
def _sqlite_time(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite DATETIME storage format, in UTC without offset."""
    if value is None:
        return None
    return as_utc(value).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


@lru_cache(maxsize=8192)
def _pg_time(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def _json(value: Any) -> str | None:
    # orjson: about 5x faster than json.dumps on the small dicts of a million-row import.
    return None if value is None else orjson.dumps(value).decode()


@lru_cache(maxsize=4096)
def _keywords_json(keywords: tuple[str, ...]) -> str:
    """Few distinct keyword combinations recur across millions of items: encode each once."""
    return orjson.dumps(list(keywords)).decode()


@dataclass(frozen=True)
class _Flavour:
    marker: str
    json_marker: str
    time: Callable[[datetime | None], Any]


_FLAVOURS = {
    "sqlite": _Flavour("?", "?", _sqlite_time),
    "postgresql": _Flavour("%s", "%s::json", _pg_time),
}


def _markers(flavour: _Flavour, columns: Sequence[str]) -> str:
    return ", ".join(flavour.json_marker if c in _JSON else flavour.marker for c in columns)


def insert_items(conn: Connection, items: Sequence[Item], *, source: str, now: datetime) -> None:
    """Insert new items; a key that appeared meanwhile (another writer) is left as it is."""
    flavour = _FLAVOURS[conn.dialect.name]
    time = flavour.time
    sources, stamp = _json([source]), time(now)
    rows = [
        (
            it.key,
            it.platform,
            it.platform_id,
            it.kind,
            it.url,
            it.title,
            it.text,
            it.author,
            time(it.published_at),
            it.year,
            it.region,
            it.category,
            it.platform_category,
            it.modality,
            _keywords_json(tuple(it.keywords)),
            sources,
            _json(it.raw),
            time(it.observed_at),
            stamp,
            stamp,
        )
        for it in items
    ]
    sql = (
        f"INSERT INTO items ({', '.join(ITEM_COLUMNS)}) "
        f"VALUES ({_markers(flavour, ITEM_COLUMNS)}) ON CONFLICT (key) DO NOTHING"
    )
    conn.exec_driver_sql(sql, rows)


def json_text(value: Any) -> str | None:
    """A JSON column's value as the driver takes it."""
    return _json(value)


def stored_time(conn: Connection, value: datetime | None) -> Any:
    """A time as the driver takes it for this database."""
    return _FLAVOURS[conn.dialect.name].time(value)


def insert_rows(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert driver-ready item rows (ITEM_COLUMNS); keys already stored are left as they are."""
    if not rows:
        return
    flavour = _FLAVOURS[conn.dialect.name]
    sql = (
        f"INSERT INTO items ({', '.join(ITEM_COLUMNS)}) "
        f"VALUES ({_markers(flavour, ITEM_COLUMNS)}) ON CONFLICT (key) DO NOTHING"
    )
    conn.exec_driver_sql(sql, list(rows))


def update_items(
    conn: Connection,
    columns: Sequence[str],
    changed: Sequence[tuple[int, dict[str, Any]]],
    now: datetime,
) -> None:
    """Set ``columns`` (model values, JSON and times converted here) and ``updated_at`` of
    the items with the given ids."""
    flavour = _FLAVOURS[conn.dialect.name]
    time = flavour.time
    sets = ", ".join(
        f"{c} = {flavour.json_marker if c in _JSON else flavour.marker}"
        for c in (*columns, "updated_at")
    )
    sql = f"UPDATE items SET {sets} WHERE id = {flavour.marker}"
    stamp = time(now)
    rows = [
        (*(_driver_value(c, diff[c], time) for c in columns), stamp, row_id)
        for row_id, diff in changed
    ]
    conn.exec_driver_sql(sql, rows)


def _driver_value(column: str, value: Any, time: Callable[[datetime | None], Any]) -> Any:
    if column in _JSON:
        return _json(value)
    return time(value) if column in _TIMES else value


def next_item_id(conn: Connection) -> int:
    """The id SQLite gives the next item (one above the largest); only for the writing
    transaction, which no other writer can enter."""
    return int(conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) + 1 FROM items").scalar_one())


def upsert_snapshots(
    conn: Connection, rows: Sequence[tuple[Any, ...]], *, absent: frozenset[str] = frozenset()
) -> None:
    """Insert ``(item_id, observed_at, run_id, *metrics)`` rows; for an (item, observed_at)
    already stored, only fill its gaps (first-written values are kept).

    The rows leave out the metrics in ``absent``, which no row has: the statement does not
    write them.
    """
    flavour = _FLAVOURS[conn.dialect.name]
    sql = _snapshot_sql(conn.dialect.name, absent)
    # The rows of a batch share a few observation times: convert each once.
    times = {moment: flavour.time(moment) for moment in {r[1] for r in rows}}
    conn.exec_driver_sql(sql, [(r[0], times[r[1]], *r[2:]) for r in rows])


def _snapshot_sql(dialect: str, absent: frozenset[str]) -> str:
    """The snapshot upsert."""
    flavour = _FLAVOURS[dialect]
    metrics = [m for m in METRICS if m not in absent]
    columns = [*SNAPSHOT_COLUMNS[:3], *metrics]
    markers = [flavour.marker] * len(columns)  # no JSON columns among them
    fill = ", ".join(f"{m} = COALESCE(snapshots.{m}, excluded.{m})" for m in metrics)
    return (
        f"INSERT INTO snapshots ({', '.join(columns)}) "
        f"VALUES ({', '.join(markers)}) "
        f"ON CONFLICT (item_id, observed_at) DO " + (f"UPDATE SET {fill}" if fill else "NOTHING")
    )


def decode_stored(row: dict[str, Any]) -> None:
    """Turn driver values of a stored item into model values in place: JSON text (SQLite) into
    Python values, naive UTC time text (SQLite) into aware datetimes."""
    for name in _JSON & row.keys():
        if isinstance(row[name], str):
            row[name] = orjson.loads(row[name])
    for name in _TIMES & row.keys():
        row[name] = _stored_time(row[name])


def _stored_time(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        raise TypeError(f"not a stored time: {value!r}")
    return as_utc(moment)


def rows_by_key(
    conn: Connection, columns: Sequence[str], keys: Sequence[str]
) -> list[tuple[Any, ...]]:
    """``columns`` of the items whose key is in ``keys``, straight from the driver.

    One parameter whatever the number of keys (a JSON array on SQLite, an array on PostgreSQL):
    an expanding ``IN`` of 20,000 bound parameters cost more to compile than to run.
    """
    names = ", ".join(f'"{c}"' for c in columns)
    if conn.dialect.name == "sqlite":
        sql = f'SELECT {names} FROM items WHERE "key" IN (SELECT value FROM json_each(?))'
        param: Any = orjson.dumps(list(keys)).decode()
    else:
        sql = f'SELECT {names} FROM items WHERE "key" = ANY(%s)'
        param = list(keys)
    # The DB-API cursor's rows: SQLAlchemy's Row objects cost more than the query here.
    return list(conn.exec_driver_sql(sql, (param,)).cursor.fetchall())

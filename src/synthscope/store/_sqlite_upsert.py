"""One statement that inserts new items and merges stored ones, for SQLite imports.

Reading every stored row back into Python to merge it (``items.changes``) cost more than writing
the batch: a million-row export repeats 30% of its items across batches. Here each row of a batch
goes to SQLite's ``INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE``, which applies the row
path's merge rules in C: a strictly newer observation overrides, gaps are filled, the publication
date is kept once known, and the update happens only when something changes. Keyword, source and
raw lists are united by two small SQL functions registered on every SQLite connection
(:func:`register`), which return the stored text itself when nothing is added, so "changed" is a
plain comparison. The property tests in ``tests/unit/test_table_import.py`` hold this statement
equal to the row path.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson

from synthscope.store._bulk import ITEM_COLUMNS
from synthscope.store._stage import SCHEMA
from synthscope.store.items import KEEP_FIRST, OVERRIDABLE

UNION = "synthscope_union"
RAW = "synthscope_raw"

_NEWER = (
    "(excluded.observed_at IS NOT NULL"
    " AND (items.observed_at IS NULL OR excluded.observed_at > items.observed_at))"
)


def _union(stored: str | None, new: str | None) -> str | None:
    """The stored JSON list with the new list's values it lacks appended, in order; the stored
    text itself when it lacks none."""
    if new is None or new == "[]" or new == stored:
        return stored
    old = orjson.loads(stored) if stored is not None else []
    merged = list(dict.fromkeys([*old, *orjson.loads(new)]))
    if merged == old and stored is not None:
        return stored
    return orjson.dumps(merged).decode()


def _raw(stored: str | None, new: str | None) -> str | None:
    """``{**new, **stored}`` as JSON, or the stored text itself when that adds nothing."""
    if new is None or new == stored:
        return stored
    old = orjson.loads(stored) if stored is not None else None
    merged = {**orjson.loads(new), **(old or {})}
    if not merged or merged == old:
        return stored
    return orjson.dumps(merged).decode()


def register(dbapi_conn: Any) -> None:
    """Make the merge functions available to statements on this SQLite connection."""
    dbapi_conn.create_function(UNION, 2, _union, deterministic=True)
    dbapi_conn.create_function(RAW, 2, _raw, deterministic=True)


def _assignments() -> tuple[list[str], list[str]]:
    """``SET`` assignments of the merge, and the conditions under which each changes the row."""
    sets, changed = [], []
    for c in OVERRIDABLE:
        takes = f"excluded.{c} IS NOT NULL AND ({_NEWER} OR items.{c} IS NULL)"
        sets.append(f"{c} = CASE WHEN {takes} THEN excluded.{c} ELSE items.{c} END")
        changed.append(f"({takes} AND excluded.{c} IS NOT items.{c})")
    for c in KEEP_FIRST:
        sets.append(f"{c} = COALESCE(items.{c}, excluded.{c})")
        changed.append(f"(items.{c} IS NULL AND excluded.{c} IS NOT NULL)")
    for c, fn in (("keywords", UNION), ("sources", UNION), ("raw", RAW)):
        # Equal texts (the common case) add nothing: no call into Python for them.
        merged = f"{fn}(items.{c}, excluded.{c})"
        same = f"excluded.{c} IS items.{c}"
        sets.append(f"{c} = CASE WHEN {same} THEN items.{c} ELSE {merged} END")
        changed.append(f"(NOT {same} AND {merged} IS NOT items.{c})")
    newest = f"CASE WHEN {_NEWER} THEN excluded.observed_at ELSE items.observed_at END"
    sets.append(f"observed_at = {newest}")
    changed.append(_NEWER)
    sets.append("updated_at = excluded.updated_at")
    return sets, changed


def literal(value: str | int | None) -> str:
    """``value`` as an SQL literal (text quoted, quotes doubled)."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


@lru_cache(maxsize=64)
def statement(nulls: frozenset[str] = frozenset(), fixed: tuple[tuple[str, str], ...] = ()) -> str:
    """The upsert of the staged batch table ``items`` (``_stage``: ``id`` and the columns of
    ``ITEM_COLUMNS`` less those in ``nulls``, which are NULL in every row of the batch, and less
    the columns of ``fixed`` (column, SQL literal), which hold that one value in every row), in
    the table's row order.

    A value written into the statement is neither staged nor copied per row.
    """
    given = dict(fixed)
    columns = ("id", *ITEM_COLUMNS)
    values = ", ".join("NULL" if c in nulls else given.get(c, f'"{c}"') for c in columns)
    sets, changed = _assignments()
    # "WHERE true": an INSERT ... SELECT ... ON CONFLICT needs a WHERE to parse unambiguously.
    return (
        f"INSERT INTO items ({', '.join(columns)}) "
        f"SELECT {values} FROM {SCHEMA}.items WHERE true ORDER BY rowid "
        f"ON CONFLICT (key) DO UPDATE SET {', '.join(sets)} WHERE {' OR '.join(changed)}"
    )


@lru_cache(maxsize=64)
def snapshot_statement(metrics: tuple[str, ...], at: str, run: str, first: int | None) -> str:
    """The snapshot upsert of the staged table ``snapshots`` (``pos``: the 1-based row of the
    staged ``items`` it counts; then ``metrics``), observed at ``at`` in run ``run`` (SQL
    literals). ``first``: the id of the batch's first row when every row was new (ids follow row
    order); otherwise each row's item is found by its key. Rows are written in staged order.

    For an (item, time) already stored only its gaps are filled: first-written values are kept.
    """
    picked = ", ".join(f"s.{m}" for m in metrics)
    if first is not None:
        rows = f"SELECT {first - 1} + s.pos, {at}, {run}, {picked} FROM {SCHEMA}.snapshots AS s"
    else:
        rows = (
            f"SELECT i.id, {at}, {run}, {picked} FROM {SCHEMA}.snapshots AS s "
            f"JOIN {SCHEMA}.items AS b ON b.rowid = s.pos JOIN main.items AS i ON i.key = b.key"
        )
    fill = ", ".join(f"{m} = COALESCE(snapshots.{m}, excluded.{m})" for m in metrics)
    return (
        f"INSERT INTO snapshots (item_id, observed_at, run_id, {', '.join(metrics)}) "
        f"{rows} WHERE true ORDER BY s.rowid "
        f"ON CONFLICT (item_id, observed_at) DO " + (f"UPDATE SET {fill}" if fill else "NOTHING")
    )

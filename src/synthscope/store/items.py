"""Idempotent writes of items and their dated snapshots.

The natural key of an item is ``platform:platform_id``. Writing the same items twice changes
nothing: the newest observation wins and ties keep what is stored (so two rows of one export
that describe the same video never flip-flop between re-imports), empty fields are always
filled, the
publication date is kept once known, keyword and source lists grow by union, raw fields are only
added, and a snapshot is keyed by (item, observed_at) with first-written values kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Insert, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from synthscope.observe.items import METRICS, Item
from synthscope.store.models import ItemRow, SnapshotRow

ITEMS = ItemRow.__table__
SNAPSHOTS = SnapshotRow.__table__

_OVERRIDABLE = (
    "kind",
    "url",
    "title",
    "text",
    "author",
    "region",
    "category",
    "platform_category",
    "modality",
)
_KEEP_FIRST = ("published_at", "year")
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


@dataclass(slots=True)
class UpsertCounts:
    """What one write did: items created, changed, left as they were, snapshots written."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    snapshots: int = 0

    def add(self, other: UpsertCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.snapshots += other.snapshots


def merge_duplicates(items: Iterable[Item]) -> dict[str, Item]:
    """One item per key: a strictly newer observation overrides, otherwise gaps are filled."""
    merged: dict[str, Item] = {}
    for item in items:
        first = merged.get(item.key)
        if first is None:
            merged[item.key] = item
            continue
        newer = _is_newer(item.observed_at, first.observed_at)
        for name in _OVERRIDABLE:
            value = getattr(item, name)
            if value is not None and (newer or getattr(first, name) is None):
                setattr(first, name, value)
        for name in _KEEP_FIRST:
            if getattr(first, name) is None:
                setattr(first, name, getattr(item, name))
        first.keywords = _union(first.keywords, item.keywords)
        if item.observed_at == first.observed_at:
            first.metrics = {**item.metrics, **first.metrics}
        if item.raw:
            first.raw = {**item.raw, **(first.raw or {})}
    return merged


def _is_newer(candidate: datetime | None, stored: datetime | None) -> bool:
    return candidate is not None and (stored is None or candidate > stored)


def _union(old: Sequence[Any], new: Sequence[Any]) -> tuple[Any, ...]:
    seen = dict.fromkeys(old)
    seen.update(dict.fromkeys(new))
    return tuple(seen)


def _new_row(item: Item, source: str, now: datetime) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(item, name) for name in (*_OVERRIDABLE, *_KEEP_FIRST)}
    row.update(
        key=item.key,
        platform=item.platform,
        platform_id=item.platform_id,
        keywords=list(item.keywords),
        sources=[source],
        raw=item.raw,
        observed_at=item.observed_at,
        first_seen_at=now,
        updated_at=now,
    )
    return row


def changes(existing: dict[str, Any], item: Item, source: str) -> dict[str, Any]:
    """The columns of ``existing`` that ``item`` changes (empty: nothing to write)."""
    diff: dict[str, Any] = {}
    newer = _is_newer(item.observed_at, existing["observed_at"])
    for name in _OVERRIDABLE:
        value = getattr(item, name)
        if value is not None and value != existing[name] and (newer or existing[name] is None):
            diff[name] = value
    for name in _KEEP_FIRST:
        if existing[name] is None and getattr(item, name) is not None:
            diff[name] = getattr(item, name)
    for name, new in (("keywords", item.keywords), ("sources", (source,))):
        merged = list(_union(existing[name] or [], new))
        if merged != list(existing[name] or []):
            diff[name] = merged
    raw = {**(item.raw or {}), **(existing["raw"] or {})}
    if raw and raw != existing["raw"]:
        diff["raw"] = raw
    if newer:
        diff["observed_at"] = item.observed_at
    return diff


_EXISTING_COLUMNS = (
    ITEMS.c.id,
    ITEMS.c.key,
    *(ITEMS.c[name] for name in (*_OVERRIDABLE, *_KEEP_FIRST)),
    ITEMS.c.keywords,
    ITEMS.c.sources,
    ITEMS.c.raw,
    ITEMS.c.observed_at,
)


def _existing(conn: Connection, keys: list[str]) -> dict[str, dict[str, Any]]:
    stmt = select(*_EXISTING_COLUMNS).where(ITEMS.c.key.in_(bindparam("keys", expanding=True)))
    return {row.key: dict(row._mapping) for row in conn.execute(stmt, {"keys": keys})}


def _insert(conn: Connection) -> Any:
    return _INSERTS[conn.dialect.name]


def upsert_items(
    conn: Connection,
    items: Iterable[Item],
    *,
    source: str,
    run_id: int | None = None,
    now: datetime | None = None,
) -> UpsertCounts:
    """Write items and their snapshots inside the caller's transaction.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the caller maps it (see ``store.db.storage_errors``).
    """
    now = now or datetime.now(UTC)
    batch = merge_duplicates(items)
    if not batch:
        return UpsertCounts()
    existing = _existing(conn, list(batch))
    counts = UpsertCounts()
    new_rows = [_new_row(it, source, now) for key, it in batch.items() if key not in existing]
    if new_rows:
        stmt: Insert = _insert(conn)(ITEMS).on_conflict_do_nothing(index_elements=["key"])
        conn.execute(stmt, new_rows)
        counts.new = len(new_rows)
    counts.updated = _update_changed(conn, batch, existing, source, now)
    counts.unchanged = len(batch) - counts.new - counts.updated
    ids = {key: row["id"] for key, row in existing.items()}
    if new_rows:
        ids.update(_ids(conn, [r["key"] for r in new_rows]))
    counts.snapshots = _write_snapshots(conn, batch.values(), ids, run_id, now)
    return counts


def _update_changed(
    conn: Connection,
    batch: dict[str, Item],
    existing: dict[str, dict[str, Any]],
    source: str,
    now: datetime,
) -> int:
    updated = 0
    for key, row in existing.items():
        diff = changes(row, batch[key], source)
        if diff:
            conn.execute(
                update(ITEMS).where(ITEMS.c.id == row["id"]).values(**diff, updated_at=now)
            )
            updated += 1
    return updated


def _ids(conn: Connection, keys: list[str]) -> dict[str, int]:
    stmt = select(ITEMS.c.key, ITEMS.c.id).where(ITEMS.c.key.in_(bindparam("keys", expanding=True)))
    return {row.key: row.id for row in conn.execute(stmt, {"keys": keys})}


def _write_snapshots(
    conn: Connection,
    items: Iterable[Item],
    ids: dict[str, int],
    run_id: int | None,
    now: datetime,
) -> int:
    rows = [
        {
            "item_id": ids[it.key],
            "observed_at": it.observed_at or now,
            "run_id": run_id,
            **{m: it.metrics.get(m) for m in METRICS},
        }
        for it in items
        if it.metrics and it.key in ids
    ]
    if not rows:
        return 0
    stmt = _insert(conn)(SNAPSHOTS)
    stmt = stmt.on_conflict_do_update(
        index_elements=["item_id", "observed_at"],
        set_={m: _coalesce(stmt, m) for m in METRICS},
    )
    conn.execute(stmt, rows)
    return len(rows)


def _coalesce(stmt: Any, metric: str) -> Any:
    """First-written values are kept; a later write of the same observation only fills gaps."""
    return func.coalesce(SNAPSHOTS.c[metric], stmt.excluded[metric])

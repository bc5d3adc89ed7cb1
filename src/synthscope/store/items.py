"""Idempotent writes of items and their dated snapshots.

The natural key of an item is ``platform:platform_id``. Writing the same items twice changes
nothing: the newest observation wins and ties keep what is stored (so two rows of one export
that describe the same video never flip-flop between re-imports), empty fields are always
filled, the publication date is kept once known, keyword and source lists grow by union, raw
fields are only added, and a snapshot is keyed by (item, observed_at) with first-written values
kept. One run written in several batches gives what one batch of all its rows would
(:class:`RunMerges`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from synthscope.observe.items import METRICS, Item
from synthscope.store import _bulk
from synthscope.store.models import ITEMS

OVERRIDABLE = (
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
KEEP_FIRST = ("published_at", "year")


@dataclass(slots=True)
class UpsertCounts:
    """What one write did: items created, changed, left as they were, snapshots written."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    snapshots: int = 0


@dataclass(slots=True)
class RunMerges:
    """What the row path remembers between the batches of one run.

    A run merges all rows of an item as if they came in one batch: the item's first row
    decides, later rows fill its gaps (``merge_duplicates``), and the result overrides what was
    stored when the run observed it later. Across batches the stored row no longer shows which
    of its fields the run set: once a batch has written the newer ``observed_at``, a later batch
    of the same observation is not newer. So for each item whose stored fields survived a newer
    observation because the run's rows left them empty, this keeps those fields ("open"): a
    later batch at the same time may still override them, once, as one batch would have.
    Items whose rows carry every field (the common case) leave nothing here.
    """

    open: dict[str, tuple[datetime, frozenset[str]]] = field(default_factory=dict)

    def reopened(
        self, key: str, observed_at: datetime | None, stored: datetime | None
    ) -> frozenset[str]:
        """Fields a batch observed at ``observed_at`` may still override on the stored row."""
        entry = self.open.get(key)
        if entry is None or observed_at is None or not entry[0] == observed_at == stored:
            return frozenset()
        return entry[1]

    def keep(self, key: str, observed_at: datetime, fields: frozenset[str]) -> None:
        if fields:
            self.open[key] = (observed_at, fields)
        else:
            self.open.pop(key, None)


def merge_duplicates(items: Iterable[Item]) -> dict[str, Item]:
    """One item per key: a strictly newer observation overrides, otherwise gaps are filled."""
    merged: dict[str, Item] = {}
    for item in items:
        key = item.key
        first = merged.get(key)
        if first is None:
            merged[key] = item
            continue
        newer = _is_newer(item.observed_at, first.observed_at)
        for name in OVERRIDABLE:
            value = getattr(item, name)
            if value is not None and (newer or getattr(first, name) is None):
                setattr(first, name, value)
        for name in KEEP_FIRST:
            if getattr(first, name) is None:
                setattr(first, name, getattr(item, name))
        first.keywords = _union(first.keywords, item.keywords)
        if item.observed_at == first.observed_at:
            first.metrics = {**item.metrics, **first.metrics}
        if item.raw:
            first.raw = {**item.raw, **(first.raw or {})}
        if item.history:
            first.history = (*first.history, *item.history)
    return merged


def _is_newer(candidate: datetime | None, stored: datetime | None) -> bool:
    return candidate is not None and (stored is None or candidate > stored)


def _union(old: Sequence[Any], new: Sequence[Any]) -> tuple[Any, ...]:
    seen = dict.fromkeys(old)
    seen.update(dict.fromkeys(new))
    return tuple(seen)


def changes(
    existing: dict[str, Any], item: Item, source: str, merges: RunMerges | None = None
) -> dict[str, Any]:
    """The columns of ``existing`` that ``item`` changes (empty: nothing to write).

    ``merges`` carries the run's earlier batches (see :class:`RunMerges`); without it, each call
    merges as if the item's run were this one batch.
    """
    diff: dict[str, Any] = {}
    newer = _is_newer(item.observed_at, existing["observed_at"])
    reopened = (
        merges.reopened(item.key, item.observed_at, existing["observed_at"])
        if merges is not None and not newer
        else frozenset()
    )
    for name in OVERRIDABLE:
        value = getattr(item, name)
        takes = newer or name in reopened or existing[name] is None
        if value is not None and value != existing[name] and takes:
            diff[name] = value
    if merges is not None and item.observed_at is not None and (newer or reopened):
        left = reopened if reopened else OVERRIDABLE
        still = frozenset(n for n in left if getattr(item, n) is None and existing[n] is not None)
        merges.keep(item.key, item.observed_at, still)
    for name in KEEP_FIRST:
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
    *(ITEMS.c[name] for name in (*OVERRIDABLE, *KEEP_FIRST)),
    ITEMS.c.keywords,
    ITEMS.c.sources,
    ITEMS.c.raw,
    ITEMS.c.observed_at,
)


_EXISTING_NAMES = tuple(c.name for c in _EXISTING_COLUMNS)


def existing_rows(conn: Connection, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The stored rows of ``keys`` as dicts of model values."""
    rows = [
        dict(zip(_EXISTING_NAMES, values, strict=True))
        for values in _bulk.rows_by_key(conn, _EXISTING_NAMES, keys)
    ]
    for row in rows:
        _bulk.decode_stored(row)
    return {row["key"]: row for row in rows}


def upsert_items(
    conn: Connection,
    items: Iterable[Item],
    *,
    source: str,
    run_id: int | None = None,
    now: datetime | None = None,
    merges: RunMerges | None = None,
) -> UpsertCounts:
    """Write items and their snapshots inside the caller's transaction.

    A run that writes in several batches passes one :class:`RunMerges` to all of them.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the caller maps it (see ``store.db.storage_errors``).
    """
    now = now or datetime.now(UTC)
    batch = merge_duplicates(items)
    if not batch:
        return UpsertCounts()
    existing = existing_rows(conn, list(batch))
    counts = UpsertCounts()
    fresh = [(key, it) for key, it in batch.items() if key not in existing]
    new_items = [it for _, it in fresh]
    if new_items:
        _bulk.insert_items(conn, new_items, source=source, now=now)
        counts.new = len(new_items)
    diffs = {key: changes(row, batch[key], source, merges) for key, row in existing.items()}
    counts.updated = update_changed(conn, existing, diffs, now)
    counts.unchanged = len(batch) - counts.new - counts.updated
    ids = {key: row["id"] for key, row in existing.items()}
    if new_items:
        ids.update(ids_of(conn, [key for key, _ in fresh]))
    counts.snapshots = _write_snapshots(conn, batch, ids, run_id, now)
    return counts


def update_changed(
    conn: Connection,
    existing: dict[str, dict[str, Any]],
    diffs: dict[str, dict[str, Any]],
    now: datetime,
) -> int:
    """Write every changed item; items changing the same columns share one executemany."""
    groups: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for key, row in existing.items():
        diff = diffs[key]
        if diff:
            groups[tuple(sorted(diff))].append((row["id"], diff))
    for columns, changed in groups.items():
        _bulk.update_items(conn, columns, changed, now)
    return sum(len(p) for p in groups.values())


def ids_of(conn: Connection, keys: list[str]) -> dict[str, int]:
    return {key: row_id for key, row_id in _bulk.rows_by_key(conn, ("key", "id"), keys)}


def _write_snapshots(
    conn: Connection,
    batch: dict[str, Item],
    ids: dict[str, int],
    run_id: int | None,
    now: datetime,
) -> int:
    rows = []
    for key, it in batch.items():
        row_id = ids.get(key)
        if row_id is None:
            continue
        if it.metrics:
            rows.append((row_id, it.observed_at or now, run_id, *_values(it.metrics)))
        rows.extend((row_id, at, run_id, *_values(counts)) for at, counts in it.history)
    if not rows:
        return 0
    _bulk.upsert_snapshots(conn, rows)
    return len(rows)


def _values(metrics: dict[str, int]) -> list[int | None]:
    return [metrics.get(m) for m in METRICS]

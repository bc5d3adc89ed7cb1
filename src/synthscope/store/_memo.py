"""What a run has written, so an item seen again that changes nothing skips the read-back.

Exports repeat the same video under other URLs; a million-row import re-sees a third of its items
in later batches. Reading each stored row back and decoding its JSON to find that nothing changes
cost more than writing it. The memo keeps, per key written by this run, just enough to prove "no
change": the row id, the observation time, which columns are empty, and the keyword, raw and
source key sets (interned: a handful of distinct sets recur across millions of items).

Safe with other writers: stored values only ever grow (empty columns get filled, sets get
larger, observation times move forward), so what the memo says is stored is a lower bound, and
an item it calls unchanged would be unchanged against the real row too. The one exception is a
key another writer inserted between our read and our insert (``ON CONFLICT DO NOTHING``): then
the memo describes our version and a later gap-fill of that row by this run can be missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

from synthscope.observe.items import Item

TRACKED = (
    "kind",
    "url",
    "title",
    "text",
    "author",
    "region",
    "category",
    "platform_category",
    "modality",
    "published_at",
    "year",
)
_BITS = {name: 1 << i for i, name in enumerate(TRACKED)}
_BIT_LIST = tuple(_BITS.values())
_TRACKED_OF = attrgetter(*TRACKED)


@dataclass(slots=True, frozen=True)
class _Seen:
    id: int
    observed_at: datetime | None
    empty: int
    keywords: frozenset[str]
    raw_keys: frozenset[str]
    sources: frozenset[str]


class WriteMemo:
    """Per-run memory of written items (bounded: forgotten wholesale past ``limit`` keys)."""

    def __init__(self, limit: int = 2_000_000) -> None:
        self.limit = limit
        self._seen: dict[str, _Seen] = {}
        self._sets: dict[tuple[str, ...], frozenset[str]] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def unchanged_id(self, key: str, item: Item, source: str) -> int | None:
        """The row id when writing ``item`` (key ``key``) would change nothing stored, else None."""
        seen = self._seen.get(key)
        if seen is None or source not in seen.sources:
            return None
        if item.observed_at is not None and (
            seen.observed_at is None or item.observed_at > seen.observed_at
        ):
            return None
        if _filled(item) & seen.empty:
            return None
        if not seen.keywords.issuperset(item.keywords):
            return None
        if item.raw and not seen.raw_keys.issuperset(item.raw):
            return None
        return seen.id

    def remember_item(self, key: str, item: Item, row_id: int, source: str) -> None:
        """``item`` (whose key is ``key``) was just inserted as row ``row_id``."""
        empty = _ALL & ~_filled(item)
        self._keep(key, row_id, item.observed_at, empty, item.keywords, item.raw, [source])

    def remember_row(self, row: dict[str, Any]) -> None:
        """A stored row (model values) as it stands after this run's write."""
        empty = 0
        for name, bit in _BITS.items():
            if row[name] is None:
                empty |= bit
        self._keep(
            row["key"],
            row["id"],
            row["observed_at"],
            empty,
            row["keywords"] or (),
            row["raw"],
            row["sources"] or (),
        )

    def _keep(
        self,
        key: str,
        row_id: int,
        observed_at: datetime | None,
        empty: int,
        keywords: Any,
        raw: dict[str, Any] | None,
        sources: Any,
    ) -> None:
        if len(self._seen) >= self.limit:
            self._seen.clear()
        self._seen[key] = _Seen(
            row_id,
            observed_at,
            empty,
            self._intern(keywords),
            self._intern(raw or ()),
            self._intern(sources),
        )

    def _intern(self, values: Any) -> frozenset[str]:
        # Keyed by the values as given (a tuple of keywords, a dict's keys, a list of sources):
        # the same few combinations recur across millions of items.
        key = tuple(values)
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = frozenset(key)
        return found


_ALL = (1 << len(TRACKED)) - 1


def _filled(item: Item) -> int:
    return sum(
        bit for bit, value in zip(_BIT_LIST, _TRACKED_OF(item), strict=True) if value is not None
    )

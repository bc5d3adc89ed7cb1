"""Item counts by every report dimension at once: one pass over the items instead of one per chart.

The report needs items counted by year and kind, platform, region, category and modality, with
different filters per chart. Each of those as its own GROUP BY made SQLite walk the (kind, year)
index and fetch every row at random, about a second per query at a million items. The cube is a
single GROUP BY over all six dimensions (a few thousand groups at most), from which every count,
share and coverage figure of the report is summed in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from synthscope.store.models import ITEMS, SNAPSHOTS

DIMENSIONS = ("kind", "platform", "year", "region", "category", "modality")


@dataclass(frozen=True, slots=True)
class Cell:
    """Items sharing one value of every dimension: how many, and their publication range."""

    kind: str
    platform: str
    year: int | None
    region: str | None
    category: str | None
    modality: str | None
    n: int
    first: datetime | None
    last: datetime | None


Where = Callable[[Cell], bool]


def counted(kind: str) -> Where:
    """Cells that count for ``kind``: papers only with an arXiv id (as the seed report did)."""
    if kind == "paper":
        return lambda c: c.kind == "paper" and c.platform == "arxiv"
    return lambda c: c.kind == kind


def every(*conditions: Where) -> Where:
    return lambda c: all(cond(c) for cond in conditions)


class Cube:
    """The item cube of a store, plus the observation range per (kind, platform, year)."""

    def __init__(self, cells: list[Cell], observed: dict[tuple[Any, ...], tuple[Any, Any]]) -> None:
        self.cells = cells
        self.observed = observed

    @classmethod
    def load(cls, conn: Connection) -> Cube:
        """Read the cube (two aggregate queries).

        Raises:
            sqlalchemy.exc.SQLAlchemyError: the caller maps it.
        """
        return cls(load_cells(conn), load_observed(conn))

    def select(self, where: Where) -> list[Cell]:
        return [c for c in self.cells if where(c)]

    def yearly(self, group: str, where: Where) -> dict[str, dict[int, int]]:
        """``{group value: {year: count}}`` (null years left out, null values 'unclassified')."""
        out: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for c in self.select(where):
            if c.year is not None:
                out[_value(getattr(c, group))][int(c.year)] += c.n
        return {k: dict(v) for k, v in out.items()}

    def counts(self, group: str, where: Where) -> dict[str, int]:
        """``{group value: count}``."""
        out: dict[str, int] = defaultdict(int)
        for c in self.select(where):
            out[_value(getattr(c, group))] += c.n
        return dict(out)

    def coverage(self, where: Where) -> dict[str, Any]:
        """Platforms, publication and observation ranges and N of the cells matching ``where``."""
        cells = self.select(where)
        seen = [self.observed.get((c.kind, c.platform, c.year)) for c in cells]
        spans = [s for s in seen if s is not None]
        return {
            "platforms": sorted({c.platform for c in cells}),
            "published": (_min(c.first for c in cells), _max(c.last for c in cells)),
            "observed": (_min(s[0] for s in spans), _max(s[1] for s in spans)),
            "n": sum(c.n for c in cells),
        }


def load_cells(conn: Connection) -> list[Cell]:
    """The cells: one GROUP BY over all dimensions.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the caller maps it.
    """
    dims = [ITEMS.c[d] for d in DIMENSIONS]
    published = ITEMS.c.published_at
    stmt = select(*dims, func.count(), func.min(published), func.max(published)).group_by(*dims)
    return [Cell(*tuple(row)) for row in conn.execute(stmt)]


def load_observed(conn: Connection) -> dict[tuple[Any, ...], tuple[Any, Any]]:
    """First and last observation time per (kind, platform, year).

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the caller maps it.
    """
    keys = (ITEMS.c.kind, ITEMS.c.platform, ITEMS.c.year)
    seen = SNAPSHOTS.c.observed_at
    observed = select(*keys, func.min(seen), func.max(seen)).select_from(
        SNAPSHOTS.join(ITEMS, ITEMS.c.id == SNAPSHOTS.c.item_id)
    )
    return {tuple(r[:3]): (r[3], r[4]) for r in conn.execute(observed.group_by(*keys))}


def _value(value: object) -> str:
    return str(value) if value is not None else "unclassified"


def _min(values: Iterable[Any]) -> Any:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _max(values: Iterable[Any]) -> Any:
    present = [v for v in values if v is not None]
    return max(present) if present else None

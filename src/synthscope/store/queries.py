"""Read-only aggregate queries the report is built from.

Aggregation happens in the database (GROUP BY) so a report over millions of items never loads them
all; only the per-item values that a bootstrap needs are fetched, as compact arrays.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Connection, and_, func, select

from synthscope.store.models import ITEMS, SNAPSHOTS

LATEST = SNAPSHOTS.alias("newest")
Counts = dict[str, dict[int, int]]


def counted(kind: str) -> ColumnElement[bool]:
    """Items that count for ``kind``: papers only with an arXiv id (as the seed report did)."""
    if kind == "paper":
        return and_(ITEMS.c.kind == "paper", ITEMS.c.platform == "arxiv")
    return ITEMS.c.kind == kind


def yearly_counts(conn: Connection, group: str, where: ColumnElement[bool]) -> Counts:
    """``{group value: {year: count}}`` over items matching ``where`` (null years left out)."""
    col = ITEMS.c[group]
    stmt = (
        select(col, ITEMS.c.year, func.count())
        .where(where, ITEMS.c.year.is_not(None))
        .group_by(col, ITEMS.c.year)
    )
    out: Counts = defaultdict(dict)
    for value, year, n in conn.execute(stmt):
        out[str(value) if value is not None else "unclassified"][int(year)] = int(n)
    return dict(out)


def group_counts(conn: Connection, group: str, where: ColumnElement[bool]) -> dict[str, int]:
    """``{group value: count}`` over items matching ``where``."""
    col = ITEMS.c[group]
    stmt = select(col, func.count()).where(where).group_by(col)
    return {str(v) if v is not None else "unclassified": int(n) for v, n in conn.execute(stmt)}


def _latest_snapshots() -> Any:
    """Snapshots joined to their item, only each item's newest observation.

    A correlated MAX per item uses the (item_id, observed_at) unique index; it was faster than a
    GROUP BY join or a window function on SQLite at a million snapshots.
    """
    newest = (
        select(func.max(LATEST.c.observed_at))
        .where(LATEST.c.item_id == SNAPSHOTS.c.item_id)
        .scalar_subquery()
    )
    return SNAPSHOTS.join(
        ITEMS, and_(ITEMS.c.id == SNAPSHOTS.c.item_id, SNAPSHOTS.c.observed_at == newest)
    )


def latest_metric_rows(
    conn: Connection, columns: Sequence[str], metrics: Sequence[str], where: ColumnElement[bool]
) -> list[tuple[Any, ...]]:
    """``columns`` of each item matching ``where`` and its latest value of each metric (None
    where unknown), in one pass: the report reads the newest snapshots once for several figures."""
    cols = [ITEMS.c[c] for c in columns] + [SNAPSHOTS.c[m] for m in metrics]
    stmt = select(*cols).select_from(_latest_snapshots()).where(where)
    # Straight from the driver's cursor: building a Row object per item costs more than the query.
    return list(conn.execute(stmt).cursor.fetchall())


def latest_metric_arrays(
    conn: Connection, metrics: Sequence[str], where: ColumnElement[bool]
) -> dict[str, np.ndarray]:
    """Each item's latest value of each metric as float arrays (NaN where unknown)."""
    cols = [SNAPSHOTS.c[m] for m in metrics]
    stmt = select(*cols).select_from(_latest_snapshots()).where(where)
    # Straight from the driver's cursor: building a Row object per item costs more than the query.
    rows = conn.execute(stmt).cursor.fetchall()
    data = np.array(rows, dtype=float).reshape(len(rows), len(metrics))
    return {m: data[:, i] for i, m in enumerate(metrics)}


def star_series(
    conn: Connection, keys: Sequence[str], where: ColumnElement[bool] | None = None
) -> dict[str, list[tuple[datetime, int]]]:
    """Dated star counts of the given repositories (``github:owner/repo`` keys), only those
    whose item matches ``where`` when given."""
    stmt = (
        select(ITEMS.c.platform_id, SNAPSHOTS.c.observed_at, SNAPSHOTS.c.stars)
        .select_from(SNAPSHOTS.join(ITEMS, ITEMS.c.id == SNAPSHOTS.c.item_id))
        .where(ITEMS.c.key.in_(list(keys)), SNAPSHOTS.c.stars.is_not(None))
        .order_by(SNAPSHOTS.c.observed_at)
    )
    if where is not None:
        stmt = stmt.where(where)
    out: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for repo, at, stars in conn.execute(stmt):
        out[str(repo)].append((at, int(stars)))
    return dict(out)


def top_repos_by_stars(
    conn: Connection, limit: int, where: ColumnElement[bool] | None = None
) -> list[str]:
    """Keys of the repositories (matching ``where`` when given) with the most stars in their
    latest snapshot."""
    stmt = (
        select(ITEMS.c.key)
        .select_from(_latest_snapshots())
        .where(ITEMS.c.kind == "repo", SNAPSHOTS.c.stars.is_not(None))
        .order_by(SNAPSHOTS.c.stars.desc(), ITEMS.c.key)
        .limit(limit)
    )
    if where is not None:
        stmt = stmt.where(where)
    return [str(k) for (k,) in conn.execute(stmt)]


def coverage(conn: Connection, where: ColumnElement[bool]) -> dict[str, Any]:
    """Platforms, publication and observation ranges and N of the items matching ``where``."""
    platforms = sorted(group_counts(conn, "platform", where))
    first, last, n = conn.execute(
        select(func.min(ITEMS.c.published_at), func.max(ITEMS.c.published_at), func.count()).where(
            where
        )
    ).one()
    observed = conn.execute(
        select(func.min(SNAPSHOTS.c.observed_at), func.max(SNAPSHOTS.c.observed_at))
        .select_from(SNAPSHOTS.join(ITEMS, ITEMS.c.id == SNAPSHOTS.c.item_id))
        .where(where)
    ).one()
    return {
        "platforms": platforms,
        "published": (first, last),
        "observed": tuple(observed),
        "n": int(n),
    }

"""Batches staged into SQLite as database images (synthscope.store._stage)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from synthscope.store import Store, _stage


def _staged_sums(store: Store, sizes: list[int]) -> list[tuple[int, int]]:
    """Stage two tables of each size in turn and read the second back with one statement text
    (so sqlite3 reuses its prepared statement across images)."""
    sums = []
    for n in sizes:
        first = pl.DataFrame({"v": [1] * n, "t": ["x" * 200] * n})
        second = pl.DataFrame({"w": list(range(n))})
        with store.transaction() as conn:
            _stage.stage(conn, {"a": first, "b": second})
            row = conn.exec_driver_sql(
                f"SELECT COUNT(*), COALESCE(SUM(w), 0) FROM {_stage.SCHEMA}.b"
            ).one()
        sums.append((int(row[0]), int(row[1])))
    return sums


def test_each_image_is_read_afresh_by_reused_statements(tmp_path: Path) -> None:
    """The second table's root page moves with the first table's size: a statement prepared
    against an earlier image must not read the old page (the schema cookie changes)."""
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    sizes = [3000, 5, 800, 0, 3000]
    assert _staged_sums(store, sizes) == [(n, n * (n - 1) // 2) for n in sizes]
    store.close()


def test_staged_values_keep_their_types_and_nulls(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    frame = pl.DataFrame(
        {"i": [1, None, 2**40], "s": ["中文 'q'", None, ""]},
        schema={"i": pl.Int64, "s": pl.String},
    )
    with store.transaction() as conn:
        _stage.stage(conn, {"t": frame})
        rows = conn.exec_driver_sql(
            f"SELECT i, typeof(i), s, typeof(s) FROM {_stage.SCHEMA}.t ORDER BY rowid"
        ).all()
    store.close()
    assert [tuple(r) for r in rows] == [
        (1, "integer", "中文 'q'", "text"),
        (None, "null", None, "null"),
        (2**40, "integer", "", "text"),
    ]

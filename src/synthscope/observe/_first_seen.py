"""Import batches of a whole file grouped by where each item is first seen.

Exports repeat items far apart (a video listed under several keywords, or again a month later).
Batches of consecutive rows then write the same item several times, and each later write merges
into a row stored batches earlier: on SQLite that cost more than writing the rows themselves. When
the whole file is at hand (:mod:`.sources._whole`), every row instead goes into the batch of the
line where its item first appears, so each item is written once per run, items keep the order in
which they first appear (their ids, and the snapshot order reports resample, equal those of
consecutive batches), and a batch still merges its rows in line order.

The checkpoint of a batch is ``{"row": R, "first_seen": True}``: every item first seen on a line up
to R is stored, with all its rows; a resumed run skips exactly those rows. Rows whose URL the
column-wise identities cannot read take their key from the row converter (a row it refuses is
placed by its own line).
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping
from functools import reduce
from typing import Any

import polars as pl

from synthscope.errors import RecordError
from synthscope.observe import _columnar
from synthscope.observe._slices import map_in_flight, map_slices
from synthscope.observe._table import TableBatch, can_convert, convert_columns
from synthscope.observe._vector_ids import identify_column
from synthscope.observe.sources._columns import missing_url_error, resolve_columns
from synthscope.observe.sources._rows import RowContext, RowConverter, quick_count, quick_date
from synthscope.observe.sources._whole import Lines
from synthscope.observe.sources.base import Batch

FIRST_SEEN = "first_seen"
_SLICE = 200_000


def first_seen_batches(
    lines: Lines, context: RowContext, mapping: Mapping[str, str], start: int, size: int
) -> Iterator[Batch] | None:
    """Batches of about ``size`` rows of items first seen after line ``start``; None when the
    layout cannot be read column-wise (the caller streams the file instead).

    Raises:
        InputError: no column can serve as the URL; a ``--map`` column is missing.
    """
    plan = resolve_columns(lines.header, mapping, file=context.file)
    if not plan.has_url:
        raise missing_url_error(context.file, lines.header)
    converter = RowConverter(plan, context, text_only=True)
    if not can_convert(converter):
        return None
    return _batches(lines, converter, start, size)


def _placed(lines: Lines, converter: RowConverter, start: int) -> pl.DataFrame:
    """The rows of items first seen after ``start``, with their URL identities and the line of
    first sight (``first``)."""
    frame = lines.frame
    urls = _cells(frame, converter.url)
    # In slices: the regex intermediates of a million URLs at once cost hundreds of megabytes.
    ident = pl.concat(
        map_slices(lambda at: identify_column(urls.slice(at, _SLICE)), len(urls), _SLICE)
        or [identify_column(urls)]
    )
    key = ident.select(pl.concat_str("platform", pl.lit(":"), "platform_id")).to_series()
    slow = key.is_null().arg_true().to_list()
    if slow:  # the row converter's own reading (rare rows): their keys, or null for bad rows
        texts = frame.select(pl.col(r"^c\d+$"))
        numbers = frame["line"]
        found = [converter.convert(numbers[pos], texts.row(pos)) for pos in slow]
        keys = [getattr(result, "key", None) for result in found]
        key = key.scatter(slow, pl.Series(keys, dtype=pl.String))
    # A row refused for its date or a count does not place its item (the row path skips it);
    # only an item seen more than once can be placed elsewhere by that.
    key = pl.select(pl.when(~_refused(frame, converter, key.is_duplicated())).then(key)).to_series()
    placed = pl.DataFrame({"line": frame["line"], "key": key}).with_columns(
        first=pl.when(pl.col("key").is_null())
        .then(pl.col("line"))
        .otherwise(pl.col("line").min().over("key"))
    )
    rows = frame.hstack(ident).hstack([placed["first"]])
    return rows.filter(pl.col("first") > start) if start else rows


def _refused(frame: pl.DataFrame, converter: RowConverter, among: pl.Series) -> pl.Series:
    """Rows (of those marked in ``among``) whose date or counts the row converter refuses:
    the column-wise readers' ``bad``, as :func:`~synthscope.observe._table.convert_columns`
    finds it."""
    refused = pl.repeat(False, len(frame), eager=True)
    if not among.any():
        return refused
    picked = frame.filter(among)

    def refused_in(column: tuple[str, int | None]) -> pl.Series:
        kind, index = column
        if kind == "date":
            return _columnar.date_column(_cells(picked, index), quick_date)[1]
        return _columnar.count_column(_cells(picked, index), quick_count)[1]

    columns = [("date", converter.published), *(("count", i) for _, i in converter.counts)]
    bad = reduce(operator.or_, map_in_flight(refused_in, columns))
    return refused.scatter(among.arg_true(), bad)


def _batches(lines: Lines, converter: RowConverter, start: int, size: int) -> Iterator[Batch]:
    rows = _placed(lines, converter, start)
    groups = rows.group_by("first").len().sort("first")
    before = groups["len"].cum_sum() - groups["len"]
    groups = groups.with_columns(batch=before // size)
    # Join the one column: joining whole rows would copy every text column.
    batch = rows.select("first").join(groups, on="first", how="left", maintain_order="left")
    rows = rows.with_columns(batch["batch"])
    spans = groups.group_by("batch").agg(pl.col("first").min()).sort("batch")
    starts = spans["first"].to_list()
    ends = [s - 1 for s in starts[1:]] + [max(lines.last, start)]
    errors = [e for e in lines.errors if (e.row or 0) > start]
    low = start
    names = tuple(name for _, name in converter.raw_columns)
    numbers = spans["batch"].to_list() or [None]  # None: no rows, errors only
    for number, end in zip(numbers, ends, strict=True):
        mine = rows.filter(pl.col("batch") == number)
        skipped = [e for e in errors if low < (e.row or 0) <= end]
        low = end
        if mine.is_empty() and not skipped:
            continue
        yield _batch(converter, mine, skipped, end, names)


def _batch(
    converter: RowConverter,
    rows: pl.DataFrame,
    skipped: list[RecordError],
    end: int,
    names: tuple[str, ...],
) -> TableBatch:
    numbers = rows["line"].to_list()
    texts = rows.select(pl.col(r"^c\d+$"))

    def row(pos: int) -> tuple[Any, ...]:
        return texts.row(pos)

    table, errors = convert_columns(
        converter,
        numbers,
        lambda index: _cells(rows, index),
        row,
        len(rows),
        ident=rows.select("platform", "platform_id", "url", "kind"),
    )
    return TableBatch(
        [],
        {"row": end, FIRST_SEEN: True},
        sorted([*skipped, *errors], key=lambda e: e.row or 0),
        len(rows) + len(skipped),
        table=table,
        raw_names=names,
        observed_at=converter.context.observed_at,
    )


def _cells(frame: pl.DataFrame, index: int | None) -> pl.Series:
    if index is None:
        return pl.Series([None] * len(frame), dtype=pl.String)
    return frame[f"c{index}"]

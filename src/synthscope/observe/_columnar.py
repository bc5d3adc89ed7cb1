"""Counts and dates of whole columns of text cells at once, exactly as the row converter reads them.

The commonest cells (plain digits, ISO dates, empty cells) are read by polars; every other distinct
value is read once by the scalar functions (:func:`~synthscope.observe.sources._rows.quick_count`,
:func:`~synthscope.observe.sources._rows.quick_date`), which stay the one definition. Exports repeat
the same few messy values ('1.2万', 'NA', '2021年3月4日') over millions of rows: that costs little.
A value the scalar function refuses marks its row ``bad``: the caller converts that row alone,
which reports the error with the file, row and column.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import polars as pl

from synthscope.errors import InputError

_DIGITS = r"^[0-9]{1,18}$"  # int64 always holds 18 digits
_GROUPED = r"^[0-9]{1,3}(?:,[0-9]{3}){1,5}$"  # at most 18 digits without the commas
_ISO_DAY = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"
_ISO_SECOND = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}[ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
_MAX_COUNT = (1 << 63) - 1
_BAD_COUNT = -1
TIME = pl.Datetime("us", "UTC")


def count_column(
    cells: pl.Series, read: Callable[[Any], int | None]
) -> tuple[pl.Series, pl.Series]:
    """The counts of ``cells`` (Int64, null when unknown) and where ``read`` refused a value."""
    digits = cells.str.contains(_DIGITS).fill_null(False)
    fast = cells.cast(pl.Int64, strict=False)
    # '1,234,567' read as 1234567 (parse_count drops the commas), only where cells look so.
    grouped = cells.str.contains(_GROUPED).fill_null(False)
    if grouped.any():
        ungrouped = cells.filter(grouped).str.replace_all(",", "", literal=True)
        fast = fast.scatter(grouped.arg_true(), ungrouped.cast(pl.Int64))
        digits = digits | grouped
    others = cells.filter(~digits).drop_nulls().unique().to_list()
    mapping = {value: _count_or_bad(read, value) for value in others}
    slow = cells.replace_strict(mapping, default=None, return_dtype=pl.Int64) if mapping else None
    counts = (
        fast if slow is None else pl.select(pl.when(digits).then(fast).otherwise(slow)).to_series()
    )
    bad = counts == _BAD_COUNT
    return pl.select(pl.when(~bad).then(counts)).to_series(), bad.fill_null(False)


def _count_or_bad(read: Callable[[Any], int | None], value: str) -> int | None:
    try:
        count = read(value)
    except InputError:
        return _BAD_COUNT
    # Beyond int64 the row converter refuses the row (the database could not store it).
    return _BAD_COUNT if count is not None and count > _MAX_COUNT else count


def date_column(
    cells: pl.Series, read: Callable[[Any], datetime | None]
) -> tuple[pl.Series, pl.Series]:
    """The UTC times of ``cells`` (null when unknown) and where ``read`` refused a value."""
    day = cells.str.contains(_ISO_DAY).fill_null(False)
    second = cells.str.contains(_ISO_SECOND).fill_null(False)
    by_day = cells.str.to_datetime("%Y-%m-%d", strict=False, time_unit="us")
    by_second = cells.str.replace("T", " ", literal=True).str.to_datetime(
        "%Y-%m-%d %H:%M:%S", strict=False, time_unit="us"
    )
    fast = (
        pl.select(pl.when(day).then(by_day).when(second).then(by_second))
        .to_series()
        .dt.replace_time_zone("UTC")
    )
    fast_ok = fast.is_not_null()
    others = cells.filter(~fast_ok).drop_nulls().unique().to_list()
    bad_values: list[str] = []
    mapping: dict[str, datetime | None] = {}
    for value in others:
        try:
            mapping[value] = read(value)
        except InputError:
            bad_values.append(value)
    slow = _mapped_times(cells, mapping)
    times = pl.select(pl.when(fast_ok).then(fast).otherwise(slow)).to_series()
    bad = cells.is_in(bad_values) & ~fast_ok if bad_values else pl.Series([False] * len(cells))
    return times, bad


def _mapped_times(cells: pl.Series, mapping: dict[str, datetime | None]) -> pl.Series:
    known = {value: moment for value, moment in mapping.items() if moment is not None}
    if not known:
        return pl.Series([None] * len(cells), dtype=TIME)
    keys = list(known)
    values = pl.Series(list(known.values()), dtype=TIME)
    return cells.replace_strict(keys, values, default=None, return_dtype=TIME)


# What str.strip() removes: the characters for which str.isspace() is true (a test checks the
# list against Python's). Rust's notion of whitespace, polars' default, lacks U+001C-U+001F.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def text_column(cells: pl.Series) -> pl.Series:
    """Each cell stripped as str.strip() strips it, null when nothing is left."""
    stripped = cells.str.strip_chars(PY_WHITESPACE)
    return pl.select(pl.when(stripped != "").then(stripped)).to_series()

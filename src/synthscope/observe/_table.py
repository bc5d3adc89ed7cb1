"""Column-wise import batches: rows of a text export -> one classified, de-duplicated table.

The row path (:class:`~synthscope.observe.sources._rows.RowConverter` -> :class:`Item` ->
``classify`` -> ``merge_duplicates``) costs tens of microseconds of Python per row. For delimited
text files the file source instead hands over whole batches of rows, read here column by column:
identities by :mod:`._vector_ids`, counts and dates by :mod:`._columnar`. A row those cannot read
entirely (an unusual URL, a bad value) goes through the row converter itself, so its item or its
error (naming file, row and column) is exactly the row path's. Classification then runs once per
row on plain strings, and the batch is merged per key with the row path's rule for one
observation time: the first value that is not missing wins, keyword lists are united in order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import polars as pl

from synthscope.errors import RecordError
from synthscope.observe import _columnar
from synthscope.observe._vector_ids import identify_column
from synthscope.observe.classify import (
    Classifier,
    arxiv_categories,
    classify,
    label_category,
    modality_of,
    region_of,
    text_category,
)
from synthscope.observe.items import METRICS, Item
from synthscope.observe.sources._columns import missing_url_error, resolve_columns
from synthscope.observe.sources._rows import RowContext, RowConverter, quick_count, quick_date
from synthscope.observe.sources._tabular import RowResult
from synthscope.observe.sources.base import Batch, Checkpoint, Source

TEXTS = ("title", "text", "author", "platform_category")
IDENTITY = ("platform", "platform_id", "kind", "url")
# Item fields the merge takes the first present value of, in Item's order.
FIRST = (
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
)
_STRING = pl.String()


@dataclass(slots=True)
class TableBatch(Batch):
    """A batch whose items are rows of ``table`` instead of :class:`Item` objects.

    Before :func:`prepare` the table has one row per good input row; after it, one row per key
    with the row path's merge applied, ``keywords`` as JSON text and ``raw`` as JSON text.
    ``good`` and ``kinds`` count the good input rows (the run's ``items`` and ``kind.*``).
    """

    table: pl.DataFrame | None = None
    raw_names: tuple[str, ...] = ()
    observed_at: datetime | None = None
    good: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    prepared: bool = False


def can_convert(converter: RowConverter) -> bool:
    """Whether rows of this layout can be read column-wise (else the row path reads them)."""
    plan = converter.plan
    names = [name for _, name in converter.raw_columns]
    return (
        converter.text_only
        and plan.year_month is None
        and converter.observed is None
        and len(set(names)) == len(names)
    )


def convert_rows(
    converter: RowConverter, numbers: Sequence[int], rows: Sequence[Sequence[Any]]
) -> tuple[pl.DataFrame, list[RecordError]]:
    """The good rows of one batch as a table (``pos`` = their order) and the bad rows' errors."""
    n = len(rows)
    columns = list(zip(*rows, strict=True)) if n else []

    def cells(index: int | None) -> pl.Series:
        if index is None or not columns:
            return pl.Series([None] * n, dtype=_STRING)
        return pl.Series(columns[index], dtype=_STRING)

    return convert_columns(converter, numbers, cells, rows.__getitem__, n)


def convert_columns(
    converter: RowConverter,
    numbers: Sequence[int],
    cells: Callable[[int | None], pl.Series],
    row: Callable[[int], Sequence[Any]],
    n: int,
    ident: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, list[RecordError]]:
    """Like :func:`convert_rows` for a batch given column by column: ``cells(index)`` is a
    column, ``row(pos)`` one row (for the row converter), ``ident`` the URL identities when
    already known."""
    ident = identify_column(cells(converter.url)) if ident is None else ident
    out: dict[str, Any] = {"pos": pl.arange(0, n, eager=True)}
    out.update({name: ident[name] for name in IDENTITY})
    slow = ident["platform_id"].is_null()
    published, bad = _columnar.date_column(cells(converter.published), quick_date)
    slow = slow | bad
    out["published_at"] = published
    out["year"] = published.dt.year().cast(pl.Int64)
    for name, index in converter.counts:
        out[name], bad = _columnar.count_column(cells(index), quick_count)
        slow = slow | bad
    for name, column in zip(TEXTS, converter.texts, strict=True):
        out[name] = _columnar.text_column(cells(column)).alias(name)
    for number, (index, _) in enumerate(converter.raw_columns):
        raw = cells(index)
        out[f"raw{number}"] = pl.select(pl.when(raw != "").then(raw)).to_series()
    table = pl.DataFrame(out).filter(~slow)
    items, errors = _row_path(converter, numbers, row, slow)
    return pl.concat([table, _item_rows(items, converter, table.schema)]).sort("pos"), errors


def _row_path(
    converter: RowConverter,
    numbers: Sequence[int],
    row: Callable[[int], Sequence[Any]],
    slow: pl.Series,
) -> tuple[list[tuple[int, Item]], list[RecordError]]:
    items: list[tuple[int, Item]] = []
    errors: list[RecordError] = []
    for pos in slow.arg_true().to_list():
        result = converter.convert(numbers[pos], row(pos))
        if isinstance(result, Item):
            items.append((pos, result))
        else:
            errors.append(result)
    return items, errors


def _item_rows(
    items: list[tuple[int, Item]], converter: RowConverter, schema: pl.Schema
) -> pl.DataFrame:
    """Items of the row path as rows of the table."""
    data: dict[str, list[Any]] = {name: [] for name in schema}
    names = [name for _, name in converter.raw_columns]
    for pos, item in items:
        data["pos"].append(pos)
        for name in (*IDENTITY, *TEXTS, "published_at", "year"):
            data[name].append(getattr(item, name))
        for name, _ in converter.counts:
            data[name].append(item.metrics.get(name))
        raw = item.raw or {}
        for number, name in enumerate(names):
            data[f"raw{number}"].append(raw.get(name))
    return pl.DataFrame(data, schema=schema)


def classified_batches(
    source: Source,
    query: str,
    checkpoint: Checkpoint | None,
    classifier: Classifier,
    defer: Callable[[], bool] = lambda: False,
) -> Iterator[Batch]:
    """The batches of ``source`` for ``query``, classified (table batches also merged per key):
    what the import pipeline's producer yields.

    A table batch is left unprepared when ``defer()`` says so at the time (the pipeline's
    producer asks whether the storing process waits for work): that process then prepares it
    itself, so on two cores neither process idles while the other has work to give away.
    """
    for batch in source.fetch_iter(query, checkpoint):
        if isinstance(batch, TableBatch) and not defer():
            prepare(batch, classifier)
        for item in batch.items:
            classify(item, classifier)
        yield batch


def prepare(batch: TableBatch, classifier: Classifier) -> None:
    """Classify every row of ``batch.table`` and merge its rows per key, in place (once)."""
    if batch.prepared:
        return
    batch.prepared = True
    table = batch.table
    if table is None or table.is_empty():
        batch.table = None
        return
    batch.good = len(table)
    batch.kinds = dict(table.group_by("kind").len().iter_rows())
    table, combos = _classified(table, batch.raw_names, classifier)
    batch.table = _merged(table, combos, batch.raw_names)


def _classified(
    table: pl.DataFrame, raw_names: tuple[str, ...], classifier: Classifier
) -> tuple[pl.DataFrame, list[tuple[str, ...]]]:
    """Region, keywords, category and modality per row, as ``classify`` gives an Item.

    Keyword lists come back as numbers into the returned list of distinct lists: a keyword set
    yields few distinct combinations, and a column of numbers merges far faster than of lists.
    """
    platforms = table["platform"].unique().to_list()
    regions = {p: region_of(p) for p in platforms}
    kinds = table["kind"].to_list()
    titles = table["title"].to_list()
    texts = table["text"].to_list()
    labels = table["platform_category"].to_list()
    # category_of in two steps: a label decides alone, so each distinct label is read once.
    by_label = {label: label_category(label) for label in set(labels)}
    raws = _raw_dicts(table, raw_names)
    combos: dict[tuple[str, ...], int] = {}
    numbers: list[int] = []
    categories: list[str | None] = []
    modalities: list[str | None] = []
    content, research = classifier.content.match, classifier.research
    for i, kind in enumerate(kinds):
        found: tuple[str, ...] = ()
        category = modality = None
        if kind in ("video", "post"):
            found = content(titles[i], texts[i])
            category = by_label[labels[i]] or text_category(titles[i], texts[i])
        elif kind in ("paper", "repo"):
            found = research.match(titles[i], texts[i])
            modality = modality_of(research.modality(found), arxiv_categories(raws[i]))
        numbers.append(combos.setdefault(found, len(combos)))
        categories.append(category)
        modalities.append(modality)
    classified = table.with_columns(
        region=table["platform"].replace_strict(regions, return_dtype=_STRING),
        category=pl.Series(categories, dtype=_STRING),
        modality=pl.Series(modalities, dtype=_STRING),
        combo=pl.Series(numbers, dtype=pl.Int32),
    )
    return classified, list(combos)


def _raw_dicts(table: pl.DataFrame, raw_names: tuple[str, ...]) -> list[dict[str, Any] | None]:
    """Raw dicts only where classification reads them (papers and repositories)."""
    research = (table["kind"].is_in(["paper", "repo"])).to_list()
    if not any(research):
        return [None] * len(table)
    rows = table.select(f"raw{i}" for i in range(len(raw_names))).rows()
    return [
        {n: v for n, v in zip(raw_names, row, strict=True) if v is not None} if wanted else None
        for wanted, row in zip(research, rows, strict=True)
    ]


def _merged(
    table: pl.DataFrame, combos: list[tuple[str, ...]], raw_names: tuple[str, ...]
) -> pl.DataFrame:
    """One row per key: first present value of each field, keywords united in order."""
    firsts = [*FIRST, *(m for m in METRICS if m in table.columns)]
    raw_columns = [f"raw{i}" for i in range(len(raw_names))]
    keyed = table.with_columns(key=pl.concat_str("platform", pl.lit(":"), "platform_id"))
    merged = keyed.group_by("key", maintain_order=True).agg(
        *(pl.col(name).drop_nulls().first() for name in [*firsts, *raw_columns]),
        pl.col("combo").unique(maintain_order=True).alias("combos"),
    )
    return merged.drop(*raw_columns, "combos").with_columns(
        keywords=_keywords_column(merged["combos"], combos),
        raw=_raw_json(merged, raw_columns, raw_names),
    )


def _raw_json(merged: pl.DataFrame, columns: list[str], names: tuple[str, ...]) -> pl.Series:
    """Each row's raw fields as a JSON object of its present values, in column order.

    Where every row has every field as text, polars encodes them (the same bytes as orjson:
    compact, UTF-8, the same escapes; ``test_raw_json_equals_orjson``), several times faster
    than a dict per row; otherwise orjson does, leaving out missing fields."""
    if not columns:
        return pl.Series("raw", ["{}"] * len(merged), dtype=_STRING)
    texts = all(merged[c].dtype == pl.String for c in columns)
    if texts and not any(merged[c].null_count() for c in columns):
        fields = pl.struct([pl.col(c).alias(n) for c, n in zip(columns, names, strict=True)])
        return merged.select(fields.struct.json_encode().alias("raw"))["raw"]
    raw = [
        orjson.dumps({n: v for n, v in zip(names, row, strict=True) if v is not None}).decode()
        for row in merged.select(columns).rows()
    ]
    return pl.Series("raw", raw, dtype=_STRING)


def _keywords_column(found: pl.Series, combos: list[tuple[str, ...]]) -> pl.Series:
    """Each key's keyword list as JSON: a key whose rows matched one combination takes that
    combination's text (looked up by polars); only keys whose rows matched several are united
    in Python."""
    encoded = pl.Series([_keywords_json(c) for c in combos], dtype=_STRING)
    single = found.list.len() == 1
    out = encoded.gather(found.list.first().fill_null(0)).alias("keywords")
    several = (~single).arg_true()
    if several.len():
        merged = [_united(combos, numbers) for numbers in found.gather(several).to_list()]
        out = out.scatter(several, pl.Series(merged, dtype=_STRING))
    return out


def _keywords_json(keywords: Sequence[str]) -> str:
    return orjson.dumps(list(keywords)).decode()


def _united(combos: list[tuple[str, ...]], found: Sequence[int]) -> str:
    """The keyword lists of several rows of one key, united in order of appearance."""
    return _keywords_json(list(dict.fromkeys(k for number in found for k in combos[number])))


Entry = tuple[int, Sequence[Any]] | RecordError


def table_batches(
    records: Iterator[RowResult],
    context: RowContext,
    mapping: Mapping[str, str],
    start: int,
    size: int,
    row_path: Callable[[Iterator[RowResult]], Iterator[Batch]],
) -> Iterator[Batch]:
    """Batches of ``size`` rows after row ``start``, read column-wise; a layout that cannot be
    (see :func:`can_convert`) is handed to ``row_path`` whole.

    Raises:
        InputError: no column can serve as the URL; a ``--map`` column is missing.
    """
    first = next(records, None)
    if first is None:
        return
    records = itertools.chain([first], records)
    if isinstance(first, RecordError):
        yield from row_path(records)
        return
    plan = resolve_columns(first[1], mapping, file=context.file)
    if not plan.has_url:
        raise missing_url_error(context.file, first[1])
    converter = RowConverter(plan, context, text_only=True)
    if not can_convert(converter):
        yield from row_path(records)
        return
    names = tuple(name for _, name in converter.raw_columns)
    entries: list[Entry] = []
    for record in records:
        number = (record.row or 0) if isinstance(record, RecordError) else record[0]
        if number <= start:
            continue
        if len(entries) >= size:
            yield _table_batch(converter, entries, names)
            entries = []
        entries.append(record if isinstance(record, RecordError) else (number, record[2]))
    if entries:
        yield _table_batch(converter, entries, names)


def _table_batch(
    converter: RowConverter, entries: list[Entry], names: tuple[str, ...]
) -> TableBatch:
    numbers = [e[0] for e in entries if not isinstance(e, RecordError)]
    rows = [e[1] for e in entries if not isinstance(e, RecordError)]
    skipped = [e for e in entries if isinstance(e, RecordError)]
    table, errors = convert_rows(converter, numbers, rows)
    last = entries[-1]
    return TableBatch(
        [],
        {"row": (last.row or 0) if isinstance(last, RecordError) else last[0]},
        sorted([*skipped, *errors], key=lambda e: e.row or 0),
        len(entries),
        table=table,
        raw_names=names,
        observed_at=converter.context.observed_at,
    )

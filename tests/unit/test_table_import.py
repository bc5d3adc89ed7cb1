"""The column-wise import path equals the row path: identities, counts, dates, classification,
merges, errors and the stored rows, on generated messy exports (Hypothesis)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from tests.unit.test_normalize import IDENTITY_CASES, YT_FORMS

from synthscope.errors import InputError
from synthscope.observe._columnar import PY_WHITESPACE, count_column, date_column, text_column
from synthscope.observe._platform_ids import RULES
from synthscope.observe._table import TableBatch, prepare
from synthscope.observe._vector_ids import RULE_TABLE, identify_column, rust_pattern
from synthscope.observe.classify import Classifier, classify
from synthscope.observe.items import METRICS
from synthscope.observe.normalize import identify
from synthscope.observe.pipeline import file_fingerprint, run_source
from synthscope.observe.sources._rows import quick_count, quick_date
from synthscope.observe.sources.file import FileSource
from synthscope.store import Store
from synthscope.store.items import merge_duplicates

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
QUICK = settings(deadline=None, max_examples=60)
ODD_URLS = [url for url, _ in IDENTITY_CASES] + [
    "https://www.bilibili.com/video/av0",
    "https://www.bilibili.com/video/av9999999999999999",
    "https://www.youtube.com/watch?v=short",
    "https://www.youtube.com/watch?a=1&v=dQw4w9WgXcQx&v=dQw4w9WgXcQ",
    "HTTPS://WWW.YOUTUBE.COM/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com./watch?v=dQw4w9WgXcQ",
    "https://user@www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://www.tiktok.com/@a/video/123456.html?x=1",
    "https://v.youku.com/v_show/id_ab==.html.html",
    "https://www.douyin.com/video/12345678901234567890123456",
    "https://twitter.com/a/statuses/1/",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ\x1c",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ 中文",
    "",
    "NA",
    "-",
    "not a url",
    "arXiv:1406.2661",
    "https://github.com/NVlabs/StyleGAN",
    "https://arxiv.org/abs/1406.2661v2",
]
ID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-="
ids_ = st.text(alphabet=ID_CHARS, min_size=1, max_size=14)
forms = st.sampled_from(
    [
        *YT_FORMS,
        "https://www.bilibili.com/video/av{}",
        "https://m.bilibili.com/video/BV1{}?p=2",
        "https://player.bilibili.com/player.html?aid={}&x=1",
        "https://www.tiktok.com/@u/video/{}",
        "https://m.tiktok.com/v/{}.html",
        "https://www.douyin.com/discover?modal_id={}",
        "https://x.com/u/status/{}?s=20",
        "https://weibo.com/123/{}",
        "https://v.youku.com/v_show/id_{}.html",
        "https://v.qq.com/x/cover/abc/{}.html",
        "https://www.iqiyi.com/v_{}.html",
        "https://www.kuaishou.com/short-video/{}",
        "https://example.com/{}?utm_source=x",
    ]
)
urls = st.one_of(st.sampled_from(ODD_URLS), st.builds(str.format, forms, ids_))
counts = st.one_of(
    st.sampled_from(["", "NA", "n/a", "-", "暂无", "10万+", "1.2万", "3.3k", "2亿", " 7 ", "x1"]),
    st.integers(0, 10**20).map(str),
    st.integers(0, 10**20).map(lambda n: f"{n:,}"),
    st.sampled_from(["12,34", "1,2345", "0,000", "001,234", ",123", "1,234,", "１,２３４"]),
    st.floats(0, 10**5, allow_nan=False).map(lambda f: f"{f:.1f}万"),
)
dates = st.one_of(
    st.sampled_from(["", "NA", "2021-02-30", "2021/3/4", "2021年3月4日", "1614816000", "garbage"]),
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat(sep=" ", timespec="seconds")),
    st.datetimes().map(lambda d: d.isoformat(timespec="seconds") + "Z"),
)
texts = st.sampled_from(
    ["", "  ", "Deepfake demo", "AI换脸 教程", "深度合成 解析", "face swap funny", "GAN paper"]
)
labels = st.sampled_from(["", "科技", "Music", "生活>搞笑", "27", "unknown label"])
_YT = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
HEADER = ["url", "title", "published_at", "plays", "likes", "shares", "category", "extra"]
rows_ = st.lists(
    st.tuples(urls, texts, dates, counts, counts, counts, labels, st.sampled_from(["", "e"])),
    min_size=1,
    max_size=25,
)


def _write(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for row in rows:
            out.writerow([cell.replace("\n", " ").replace("\r", " ") for cell in row])
    return path


def test_every_regex_rule_has_a_column_form() -> None:
    assert len(RULE_TABLE) == len(RULES) + 1  # and Bilibili's own handler
    assert all(rust_pattern(rule.pattern) for rule in RULES.values())


@QUICK
@given(st.lists(urls, min_size=1, max_size=60))
def test_column_identities_equal_identify(values: list[str]) -> None:
    found = identify_column(pl.Series(values, dtype=pl.String)).rows()
    for url, row in zip(values, found, strict=True):
        if row[1] is None:
            continue  # left to identify() by the caller
        got = identify(url)
        assert row == (got.platform, got.platform_id, got.url, got.kind), url


def test_column_identities_cover_the_common_forms() -> None:
    common = [u for u, want in IDENTITY_CASES if want[0] not in ("web", "arxiv", "github")]
    found = identify_column(pl.Series(common, dtype=pl.String))["platform_id"]
    # Only unusual shapes (blanks, ports, fragments, capitals, bare ids) are left to identify().
    left = [u for u, pid in zip(common, found.to_list(), strict=True) if pid is None]
    unusual = [u for u in left if u != u.strip() or "#" in u or ":443" in u or "/" not in u]
    assert sorted(left) == sorted([*unusual, "HTTPS://WWW.YOUTUBE.COM/watch?v=dQw4w9WgXcQ"])


def _scalar(read: Any, value: str) -> Any:
    try:
        return read(value)
    except InputError:
        return "bad"


@QUICK
@given(st.lists(counts, min_size=1, max_size=40))
def test_count_column_equals_quick_count(values: list[str]) -> None:
    got, bad = count_column(pl.Series(values, dtype=pl.String), quick_count)
    for value, count, refused in zip(values, got.to_list(), bad.to_list(), strict=True):
        want = _scalar(quick_count, value)
        if refused:
            assert want == "bad" or want >= 2**63
        else:
            assert count == want, value


def test_python_whitespace_is_what_str_strip_removes() -> None:
    assert sorted(PY_WHITESPACE) == [c for c in map(chr, range(0x110000)) if c.isspace()]


@QUICK
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(st.sampled_from([*PY_WHITESPACE, "a", "深", "\u200b", "\ufeff", "\x00"])),
            st.text(),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_text_column_strips_as_python_does(values: list[str | None]) -> None:
    got = text_column(pl.Series(values, dtype=pl.String)).to_list()
    assert got == [None if v is None else v.strip() or None for v in values]


@QUICK
@given(st.lists(dates, min_size=1, max_size=40))
def test_date_column_equals_quick_date(values: list[str]) -> None:
    got, bad = date_column(pl.Series(values, dtype=pl.String), quick_date)
    for value, moment, refused in zip(values, got.to_list(), bad.to_list(), strict=True):
        want = _scalar(quick_date, value)
        assert (want == "bad") == refused, value
        if not refused:
            assert moment == want, value


def _table_batches(
    path: Path, size: int, classifier: Classifier, whole: bool = False
) -> list[TableBatch]:
    out = []
    for batch in FileSource(columnar=True, batch_size=size, whole=whole).fetch_iter(str(path)):
        assert isinstance(batch, TableBatch)
        prepare(batch, classifier)
        out.append(batch)
    return out


@SETTINGS
@given(rows=rows_, size=st.integers(1, 15))
def test_table_batches_equal_the_row_path(
    tmp_path: Path, classifier: Classifier, rows: list[tuple[str, ...]], size: int
) -> None:
    path = _write(tmp_path / "export.csv", rows)
    tables = _table_batches(path, size, classifier)
    plain = list(FileSource(batch_size=size).fetch_iter(str(path)))
    assert [(t.checkpoint, t.read) for t in tables] == [(p.checkpoint, p.read) for p in plain]
    for table, batch in zip(tables, plain, strict=True):
        assert [e.localized("en") for e in table.skipped] == [
            e.localized("en") for e in batch.skipped
        ]
        assert table.good == len(batch.items)
        merged = merge_duplicates(classify(item, classifier) for item in batch.items)
        _assert_rows_equal(_rows_by_key([table]), merged)


@SETTINGS
@given(rows=rows_, size=st.integers(1, 15))
@example(  # the item's first line is refused (a count beyond int64): its second line places it
    rows=[
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "",
            "",
            "",
            "",
            "9223372036854775808",
            "",
            "",
        ),
        ("https://www.youtube.com/watch?v=0", "", "", "", "", "", "", ""),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "", "", "", "", "", "", ""),
    ],
    size=1,
)
def test_first_seen_batches_hold_each_item_once_as_the_row_path_merges_it(
    tmp_path: Path, classifier: Classifier, rows: list[tuple[str, ...]], size: int
) -> None:
    path = _write(tmp_path / "export.csv", rows)
    tables = _table_batches(path, size, classifier, whole=True)
    plain = list(FileSource(batch_size=size).fetch_iter(str(path)))
    assert sum(t.read for t in tables) == sum(p.read for p in plain)
    assert sum(t.good for t in tables) == sum(len(p.items) for p in plain)

    def errors(batches: Any) -> list[str]:  # a bad row is reported with its item's batch
        found = [e for b in batches for e in b.skipped]
        return [e.localized("en") for e in sorted(found, key=lambda e: e.row or 0)]

    assert errors(tables) == errors(plain)
    ends = [t.checkpoint["row"] for t in tables]
    assert ends == sorted(set(ends)) and all(t.checkpoint["first_seen"] for t in tables)
    assert not ends or ends[-1] == len(rows) + 1
    items = (classify(item, classifier) for p in plain for item in p.items)
    _assert_rows_equal(_rows_by_key(tables), merge_duplicates(items))


def _rows_by_key(tables: list[TableBatch]) -> dict[str, dict[str, Any]]:
    """Rows of the tables by key, in order; a key in two tables fails."""
    got: dict[str, dict[str, Any]] = {}
    for table in tables:
        for row in [] if table.table is None else table.table.iter_rows(named=True):
            assert row["key"] not in got
            got[row["key"]] = row
    return got


def _assert_rows_equal(got: dict[str, dict[str, Any]], merged: dict[str, Any]) -> None:
    assert list(got) == list(merged)
    for key, item in merged.items():
        row = got[key]
        for name in ("platform", "platform_id", "kind", "url", "title", "text", "author"):
            assert row[name] == getattr(item, name), (key, name)
        for name in ("published_at", "year", "region", "category", "platform_category"):
            assert row[name] == getattr(item, name), (key, name)
        assert row["modality"] == item.modality
        assert tuple(orjson.loads(row["keywords"])) == item.keywords
        assert {m: row[m] for m in METRICS if row.get(m) is not None} == item.metrics
        assert orjson.loads(row["raw"]) == item.raw


def _stored(url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        items = {
            r[0]: [json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v for v in r[1:]]
            for r in conn.execute(
                text(
                    "SELECT key, platform, platform_id, kind, url, title, text, author, "
                    "published_at, year, region, category, platform_category, modality, "
                    "keywords, sources, raw, observed_at FROM items"
                )
            )
        }
        snaps = {
            (r[0], r[1]): r[2:]
            for r in conn.execute(
                text(
                    "SELECT i.key, s.observed_at, s.plays, s.likes, s.favorites, s.shares, "
                    "s.comments, s.stars FROM snapshots s JOIN items i ON i.id = s.item_id"
                )
            )
        }
    engine.dispose()
    return items, snaps


def _import(
    store: Store, path: Path, columnar: bool, when: datetime, classifier: Classifier
) -> Any:
    source = FileSource(batch_size=7, columnar=columnar, observed_at=when)
    params = {"when": when.isoformat(), "file": file_fingerprint(path)}
    return run_source(
        store, source, str(path), params=params, classifier=classifier, prefetch=False
    ).counts


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
@SETTINGS
@given(first=rows_, second=rows_)
@example(  # a newer file's item in two row batches, titled only in the second: the title wins
    first=[(_YT, "GAN paper", "", "", "", "", "", "")],
    second=[(_YT, "", "", "", "", "", "", "")] * 13
    + [(_YT, "Deepfake demo", "", "", "", "", "", "")],
)
def test_stores_equal_after_either_path(
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
    classifier: Classifier,
    db: str,
    first: list[tuple[str, ...]],
    second: list[tuple[str, ...]],
) -> None:
    folder = tmp_path_factory.mktemp("stores")
    one, two = _write(folder / "one.csv", first), _write(folder / "two.csv", second)
    early, late = datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
    latest = datetime(2026, 1, 1, tzinfo=UTC)
    results = []
    for columnar in (True, False):
        url = _database(request, db, folder / f"{columnar}.db")
        store = Store.open(url)
        counts = [
            _import(store, one, columnar, late, classifier),
            _import(store, two, columnar, early, classifier),  # older: fills gaps only
            _import(store, one, columnar, late, classifier),  # again: changes nothing
            _import(store, two, columnar, latest, classifier),  # newer: overrides
        ]
        store.close()
        results.append((counts, _stored(url)))
    assert results[0][1] == results[1][1]
    # Whole-file batches write an item once per run where row batches may merge it again later:
    # "updated", "unchanged" and "snapshots" count writes, so they may differ; nothing else does.
    per_write = {"updated", "unchanged", "snapshots"}
    assert [{k: v for k, v in c.items() if k not in per_write} for c in results[0][0]] == [
        {k: v for k, v in c.items() if k not in per_write} for c in results[1][0]
    ]
    assert results[0][0][2]["new"] == results[0][0][2]["updated"] == 0


def _database(request: pytest.FixtureRequest, db: str, path: Path) -> str:
    if db == "sqlite":
        return f"sqlite:///{path}"
    from tests.conftest import _reset_postgres

    url: str = request.getfixturevalue("pg_database_url")
    _reset_postgres(url)
    return url


def test_batch_constants_written_into_the_statement_are_quoted(tmp_path: Path) -> None:
    """The columnar SQLite path writes a batch's source and times into the upsert as literals:
    text with quotes must be stored exactly, never read as SQL."""
    from synthscope.store import _stage
    from synthscope.store._bulk import ITEM_COLUMNS
    from synthscope.store._sqlite_upsert import literal, statement

    source = json.dumps(["it's \"x\"'); DROP TABLE items; --"])
    fixed = (("sources", literal(source)), ("updated_at", literal("2025-01-01 00:00:00.000000")))
    given = dict(fixed)
    value = {"keywords": "[]", "first_seen_at": "2025-01-01 00:00:00.000000", "kind": "video"}
    row = {"id": 1, **{c: value.get(c, c) for c in ITEM_COLUMNS if c not in given}}
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    with store.transaction() as conn:
        _stage.stage(conn, {"items": pl.DataFrame([row])})
        conn.exec_driver_sql(statement(frozenset(), fixed))
        conn.exec_driver_sql(statement(frozenset(), fixed))  # again: a merge
    with store.reading() as conn:
        stored = conn.exec_driver_sql("SELECT sources, updated_at FROM items").all()
    store.close()
    assert stored == [(source, "2025-01-01 00:00:00.000000")]


def test_sql_literals() -> None:
    from synthscope.store._sqlite_upsert import literal

    assert literal(None) == "NULL" and literal(7) == "7"
    assert literal("it's") == "'it''s'"


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.text(st.characters(exclude_categories=["Cs"])), st.text()), max_size=20
    )
)
def test_raw_json_equals_orjson(rows: list[tuple[str, str]]) -> None:
    """The polars fast path writes the same bytes as orjson for every text, escapes included."""
    from synthscope.observe._table import _raw_json

    table = pl.DataFrame(
        {"raw0": [a for a, _ in rows], "raw1": [b for _, b in rows]},
        schema={"raw0": pl.String, "raw1": pl.String},
    )
    got = _raw_json(table, ["raw0", "raw1"], ("url", "标题")).to_list()
    assert got == [orjson.dumps({"url": a, "标题": b}).decode() for a, b in rows]


def test_raw_json_leaves_out_missing_fields() -> None:
    from synthscope.observe._table import _raw_json

    table = pl.DataFrame({"raw0": ["a", None], "raw1": [None, "b"]})
    assert _raw_json(table, ["raw0", "raw1"], ("x", "y")).to_list() == ['{"x":"a"}', '{"y":"b"}']
    assert _raw_json(table.clear(), ["raw0", "raw1"], ("x", "y")).to_list() == []
    assert _raw_json(table, [], ()).to_list() == ["{}", "{}"]


def test_keywords_column_unites_only_keys_with_several_combinations() -> None:
    from synthscope.observe._table import _keywords_column

    combos = [("deepfake",), ("换脸", "deepfake"), ()]
    found = pl.Series([[0], [1, 0], [2], [0, 2], [1]], dtype=pl.List(pl.Int32))
    assert _keywords_column(found, combos).to_list() == [
        '["deepfake"]',
        '["换脸","deepfake"]',
        "[]",
        '["deepfake"]',
        '["换脸","deepfake"]',
    ]

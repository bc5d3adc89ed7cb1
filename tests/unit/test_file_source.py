"""The ``file`` source: formats, encodings, column profiles, bad rows, whole-file errors, resume."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthscope.errors import InputError, RecordError, UsageError
from synthscope.observe.items import Item
from synthscope.observe.normalize import parse_count, parse_date
from synthscope.observe.sources._rows import QUICK_UNKNOWN, quick_count, quick_date
from synthscope.observe.sources.base import Batch
from synthscope.observe.sources.file import FIELDS, FileSource, parse_mapping

YT = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
YT2 = "https://youtu.be/9bZkp7q19f0"
BILI = "https://www.bilibili.com/video/BV1xx411c7mD"
WHEN = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)

CHINESE_CSV = (
    "链接,标题,发布时间,播放量,点赞,收藏,转发/分享,评论,分区\n"
    f'{BILI},换脸教程,2021-03-04 10:00:00,1.2万,10万+,3.3k,"1,234",NA,科技\n'
    f"{YT},Deepfake demo,2020/5/1,2亿,-,,7,0,影视\n"
)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path: Path, source: FileSource | None = None, **kwargs: object) -> list[Batch]:
    return list((source or FileSource(observed_at=WHEN)).fetch_iter(str(path), **kwargs))  # type: ignore[arg-type]


def items_of(path: Path, source: FileSource | None = None) -> list[Item]:
    return [item for batch in run(path, source) for item in batch.items]


def skipped_of(path: Path, source: FileSource | None = None) -> list[RecordError]:
    return [error for batch in run(path, source) for error in batch.skipped]


# --- registry and public surface -----------------------------------------------------------------


def test_registered_as_file_and_fields_listed() -> None:
    assert FileSource.name == "file"
    assert FIELDS[0] == "url"
    assert {"plays", "likes", "favorites", "shares", "comments", "stars"} <= set(FIELDS)


def test_constructor_does_no_io(tmp_path: Path) -> None:
    FileSource(platform="bilibili", kind="video", mapping={"x": "url"})  # nothing raised, no file


def test_item_field_order_matches_positional_construction() -> None:
    # RowConverter builds Items positionally for speed; this pins the order it relies on.
    names = [f.name for f in dataclasses.fields(Item)]
    assert names == [
        "platform", "platform_id", "kind", "url", "title", "text", "author", "published_at",
        "year", "region", "category", "platform_category", "modality", "keywords", "metrics",
        "observed_at", "raw", "history",
    ]  # fmt: skip


def test_examples_are_readable() -> None:
    examples = FileSource.examples()
    assert len(examples) >= 3
    for source, query in examples:
        batches = list(source.fetch_iter(query))
        assert batches and all(not b.skipped for b in batches)
        assert sum(len(b.items) for b in batches) >= 1


# --- parse_mapping --------------------------------------------------------------------------------


def test_parse_mapping_pairs() -> None:
    assert parse_mapping(["链接=url", "播放量 = plays", "a=b=title"]) == {
        "链接": "url",
        "播放量": "plays",
        "a=b": "title",
    }


@pytest.mark.parametrize("pairs", [["nourl"], ["=url"], ["col=views"], ["a=url", "b=url"]])
def test_parse_mapping_refuses_bad_pairs(pairs: list[str]) -> None:
    with pytest.raises(UsageError):
        parse_mapping(pairs)


def test_bad_kind_and_mapping_field_are_usage_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", f"url\n{YT}\n")
    with pytest.raises(UsageError):
        run(path, FileSource(kind="movie"))
    with pytest.raises(UsageError):
        run(path, FileSource(mapping={"url": "link"}))


# --- CSV, Chinese headers, counts ----------------------------------------------------------------


def test_chinese_headers_counts_dates_and_category(tmp_path: Path) -> None:
    first, second = items_of(write(tmp_path, "b.csv", CHINESE_CSV))
    assert (first.platform, first.platform_id, first.kind) == ("bilibili", "BV1xx411c7mD", "video")
    assert first.title == "换脸教程"
    assert first.published_at == datetime(2021, 3, 4, 10, 0, tzinfo=UTC)
    assert first.year == 2021
    assert first.metrics == {
        "plays": 12000,
        "likes": 100000,
        "favorites": 3300,
        "shares": 1234,
    }
    assert first.platform_category == "科技" and first.category is None
    # raw keeps the URL as written and cells no field took; parsed cells are not repeated
    assert first.raw is not None and first.raw["链接"] == BILI and "评论" not in first.raw
    assert second.url == YT and second.metrics == {"plays": 200_000_000, "comments": 0, "shares": 7}
    assert second.published_at == datetime(2020, 5, 1, tzinfo=UTC)


def test_missing_values_stay_missing_never_zero(tmp_path: Path) -> None:
    text = f"url,plays,likes,favorites,shares,comments,title,published_at\n{YT},NA,-,,N/A,null,,\n"
    (item,) = items_of(write(tmp_path, "m.csv", text))
    assert item.metrics == {}
    assert item.title is None and item.published_at is None and item.year is None
    assert item.raw == {"url": YT}


def test_observed_at_from_column_constructor_or_mtime(tmp_path: Path) -> None:
    path = write(tmp_path, "o.csv", f"url,采集时间\n{YT},2023-01-02T03:04:05+08:00\n{YT2},\n")
    os.utime(path, (1_600_000_000, 1_600_000_000))
    first, second = items_of(path, FileSource())
    assert first.observed_at == datetime(2023, 1, 1, 19, 4, 5, tzinfo=UTC)
    assert second.observed_at == datetime.fromtimestamp(1_600_000_000, UTC)
    assert items_of(path, FileSource(observed_at=WHEN))[1].observed_at == WHEN


def test_aliases_are_case_and_space_insensitive(tmp_path: Path) -> None:
    text = f" Video URL ,Title,View Count,Like_Count\n{YT},x,5,6\n"
    text = text.replace(" Video URL ", "Video_URL ")
    (item,) = items_of(write(tmp_path, "c.csv", text))
    assert item.metrics == {"plays": 5, "likes": 6} and item.title == "x"


def test_multiline_quoted_field_and_physical_row_numbers(tmp_path: Path) -> None:
    text = f'url,text,plays\n{YT},"line one\nline two",1\n\n{YT2},plain,x\n'
    path = write(tmp_path, "q.csv", text)
    (item,) = items_of(path)
    assert item.text == "line one\nline two"
    (error,) = skipped_of(path)
    assert error.row == 5 and "row 5" in str(error) and str(path) in str(error)


# --- encodings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path, f"enc-{encoding}.csv", CHINESE_CSV, encoding)
    items = items_of(path)
    assert [i.title for i in items] == ["换脸教程", "Deepfake demo"]
    assert items[0].raw is not None and "链接" in items[0].raw


def test_undecodable_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"url\nhttps://a.com/\xff\x80\n")
    with pytest.raises(InputError, match="cannot decode as UTF-8 or GB18030") as info:
        run(path)
    assert str(path) in str(info.value)


# --- other formats --------------------------------------------------------------------------------


def test_tsv_with_literal_quotes(tmp_path: Path) -> None:
    text = f'url\ttitle\tviews\n{YT}\t"Best" deepfake\t10\n{YT2}\t"quoted, title"\t3\n'
    items = items_of(write(tmp_path, "t.tsv", text))
    assert [i.title for i in items] == ['"Best" deepfake', "quoted, title"]
    assert [i.metrics["plays"] for i in items] == [10, 3]


def test_jsonl_with_numbers_and_nested_owner(tmp_path: Path) -> None:
    rows = [
        {"html_url": "https://github.com/iperov/DeepFaceLab", "full_name": "iperov/DeepFaceLab",
         "stargazers_count": 45000, "owner": {"login": "iperov"},
         "created_at": "2018-06-04T12:00:00Z"},
        {"webpage_url": YT, "view_count": 12, "like_count": None, "upload_date": "20200102"},
    ]  # fmt: skip
    path = write(tmp_path, "r.ndjson", "\n".join(json.dumps(r) for r in rows) + "\n")
    repo, video = items_of(path)
    assert (repo.platform, repo.kind, repo.title, repo.author) == (
        "github",
        "repo",
        "iperov/DeepFaceLab",
        "iperov",
    )
    assert repo.metrics == {"stars": 45000} and repo.year == 2018
    assert repo.raw is not None and "stargazers_count" not in repo.raw
    assert repo.raw["html_url"] == "https://github.com/iperov/DeepFaceLab"
    assert video.metrics == {"plays": 12} and video.published_at == datetime(2020, 1, 2, tzinfo=UTC)


def test_json_array_and_wrapped_array(tmp_path: Path) -> None:
    plain = write(tmp_path, "a.json", json.dumps([{"url": YT, "likes": "3.3k"}]))
    wrapped = write(tmp_path, "b.json", json.dumps({"items": [{"url": YT2}, 5]}))
    assert items_of(plain)[0].metrics == {"likes": 3300}
    assert [i.url for i in items_of(wrapped)] == ["https://www.youtube.com/watch?v=9bZkp7q19f0"]
    (error,) = skipped_of(wrapped)
    assert error.row == 2 and "not a JSON object" in str(error)


def test_xlsx_with_native_cells(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["视频链接", "作品标题", "上传时间", "播放数", "点赞数"])
    sheet.append([YT, "表格", datetime(2022, 2, 3, 4, 5), 1500, "2万"])
    sheet.append([None, None, None, None, None])
    sheet.append(["not a url", "x", None, 1, 1])
    sheet.append([BILI, "第二", "2022-05-06", 2.0, None])
    path = tmp_path / "s.xlsx"
    book.save(path)
    batches = run(path)
    first, second = [i for b in batches for i in b.items]
    assert first.published_at == datetime(2022, 2, 3, 4, 5, tzinfo=UTC)
    assert first.metrics == {"plays": 1500, "likes": 20000} and first.title == "表格"
    assert second.metrics == {"plays": 2} and second.platform == "bilibili"
    (error,) = [e for b in batches for e in b.skipped]
    assert error.row == 4 and "s.xlsx, row 4" in str(error)


def test_corrupt_xlsx_and_old_xls_are_input_errors(tmp_path: Path) -> None:
    corrupt = write(tmp_path, "c.xlsx", "PK not really a zip")
    with pytest.raises(InputError, match=r"c\.xlsx"):
        run(corrupt)
    with pytest.raises(InputError, match=r"\.xlsx or \.csv"):
        run(write(tmp_path, "old.xls", "whatever"))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("semi.txt", f"url;title;plays\n{YT};a;1\n{YT2};b;2\n"),
        ("pipe.dat", f"url|title|plays\n{YT}|a|1\n{YT2}|b|2\n"),
        ("lines.data", json.dumps({"url": YT, "title": "a", "plays": 1}) + "\n"
         + json.dumps({"url": YT2, "title": "b", "plays": 2}) + "\n"),
    ],
)  # fmt: skip
def test_unknown_extension_is_sniffed(tmp_path: Path, name: str, text: str) -> None:
    items = items_of(write(tmp_path, name, text))
    assert [(i.title, i.metrics) for i in items] == [("a", {"plays": 1}), ("b", {"plays": 2})]


def test_markdown_extracts_arxiv_papers(tmp_path: Path) -> None:
    text = (
        "# Deepfake papers\n"
        "- [FaceForensics++: Learning to Detect](https://arxiv.org/abs/1901.08971v3) (ICCV 2019)\n"
        "* **UADFV**: Exposing Deep Fakes. [Paper](https://arxiv.org/pdf/1811.00661.pdf)\n"
        "* Video Transformer, *ACM MM* 2021: [Paper](https://arxiv.org/abs/2108.05307)\n"
        "no paper on this line, just https://example.com\n"
        "Two at once: arXiv:2006.07397 and https://arxiv.org/abs/1703.10135\n"
    )
    path = write(tmp_path, "list.md", text)
    batches = run(path)
    items = [i for b in batches for i in b.items]
    assert [(i.platform, i.platform_id, i.kind, i.year) for i in items] == [
        ("arxiv", "1901.08971", "paper", 2019),
        ("arxiv", "1811.00661", "paper", 2018),
        ("arxiv", "2108.05307", "paper", 2021),
        ("arxiv", "2006.07397", "paper", 2020),
        ("arxiv", "1703.10135", "paper", 2017),
    ]
    assert [i.title for i in items] == [
        "FaceForensics++: Learning to Detect",
        "UADFV: Exposing Deep Fakes",
        "Video Transformer, ACM MM 2021",
        None,
        None,
    ]
    assert batches[-1].checkpoint == {"row": 6}


# --- column mapping and layouts -------------------------------------------------------------------


def test_explicit_mapping_beats_aliases(tmp_path: Path) -> None:
    text = f"地址栏,title,headline,热度\n{YT},alias title,mapped title,1.5万\n"
    path = write(tmp_path, "m.csv", text)
    mapping = {"地址栏": "url", "headline": "title", "热度": "plays"}
    (item,) = items_of(path, FileSource(mapping=mapping, observed_at=WHEN))
    assert item.title == "mapped title" and item.metrics == {"plays": 15000}


def test_mapping_names_a_missing_column(tmp_path: Path) -> None:
    path = write(tmp_path, "m.csv", f"url\n{YT}\n")
    with pytest.raises(InputError, match="'链接'"):
        run(path, FileSource(mapping={"链接": "url"}))


def test_gan_zoo_layout(tmp_path: Path) -> None:
    text = (
        "Year\tMonth\tAbbr.\tTitle\tArxiv\tOfficial_Code\tWatches\tStars\tForks\r\n"
        "2014\t6\tGAN\tGenerative Adversarial Networks\thttps://arxiv.org/abs/1406.2661\t"
        "https://github.com/goodfeli/adversarial\t108\t1736\t666\r\n"
        "2017\t1\tX\tLate listed\thttps://arxiv.org/abs/1612.00001v2\t-\t\t\t\r\n"
    )
    gan, late = items_of(write(tmp_path, "gans.tsv", text))
    assert (gan.platform, gan.platform_id, gan.kind) == ("arxiv", "1406.2661", "paper")
    assert gan.title == "Generative Adversarial Networks"
    assert gan.published_at == datetime(2014, 6, 1, tzinfo=UTC)
    assert gan.metrics == {}  # the code repository's stars are not the paper's
    assert late.year == 2016 and late.published_at == datetime(2017, 1, 1, tzinfo=UTC)


def test_bilibili_bvid_and_aid_exports(tmp_path: Path) -> None:
    text = "bvid,aid,title,view,tname\nBV1xx411c7mD,,一,10,科技\n,170001,二,20,知识\n"
    first, second = items_of(write(tmp_path, "bili.csv", text))
    assert first.url == BILI and first.platform_category == "科技"
    assert second.platform == "bilibili" and second.platform_id == "BV17x411w7KC"
    assert second.metrics == {"plays": 20}


def test_platform_from_row_or_constructor_for_web_urls(tmp_path: Path) -> None:
    text = (
        "url,平台\n"
        "https://v.example.cn/a/1,抖音\n"
        "https://v.example.cn/a/2,推特\n"
        "https://v.example.cn/a/3,\n"
        f"{YT},微博\n"
    )
    path = write(tmp_path, "p.csv", text)
    items = items_of(path, FileSource(platform="微博", observed_at=WHEN))
    assert [(i.platform, i.kind) for i in items] == [
        ("douyin", "video"),
        ("x", "post"),
        ("weibo", "post"),
        ("youtube", "video"),  # the URL's own platform wins
    ]
    assert items_of(path, FileSource(kind="post"))[0].kind == "post"


def test_arxiv_id_where_a_url_was_expected(tmp_path: Path) -> None:
    (item,) = items_of(write(tmp_path, "ids.csv", "arxiv,title\narXiv:2006.07397,DFDC\n"))
    assert (item.platform, item.platform_id, item.year) == ("arxiv", "2006.07397", 2020)


# --- bad rows -------------------------------------------------------------------------------------


BAD_CSV = (
    "url,title,plays,published_at\n"  # 1
    f"{YT},good one,1,2020-01-01\n"  # 2
    ",no url,1,2020-01-01\n"  # 3
    "not a url,bad url,1,2020-01-01\n"  # 4
    f"{YT},bad count,12abc,2020-01-01\n"  # 5
    f"{YT},bad date,1,yesterday-ish\n"  # 6
    f'{YT},"broken quote,1,2020-01-01\n'  # 7
    f"{YT},too,many,fields,here\n"  # 8
    f"{YT2},good two,2,2020-01-02\n"  # 9
    f"{BILI},trunc"  # 10: truncated last line
)


def test_bad_csv_rows_are_skipped_with_file_and_row(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", BAD_CSV)
    batches = run(path)
    items = [i for b in batches for i in b.items]
    errors = [e for b in batches for e in b.skipped]
    assert [i.title for i in items] == ["good one", "good two"]
    assert [e.row for e in errors] == [3, 4, 5, 6, 7, 8, 10]
    for error in errors:
        assert error.file == str(path)
        assert str(error).startswith(f"{path}, row {error.row}: ")
    assert "12abc" in str(errors[2]) and "yesterday-ish" in str(errors[3])
    assert sum(b.read for b in batches) == 9


def test_bad_jsonl_lines_are_skipped(tmp_path: Path) -> None:
    text = f'{{"url": "{YT}"}}\n[1, 2]\n"text"\n\n{{"url": "{YT2}", "plays": "lots"}}\n{{"url": "'
    path = write(tmp_path, "bad.jsonl", text)
    errors = skipped_of(path)
    assert [e.row for e in errors] == [2, 3, 5, 6]
    assert "not a JSON object" in str(errors[0]) and "not valid JSON" in str(errors[3])
    assert [i.url for i in items_of(path)] == [YT]


def test_unterminated_quote_does_not_swallow_the_file(tmp_path: Path) -> None:
    rows = "".join(f"https://youtu.be/{i:011d},t{i}\n" for i in range(600))
    path = write(tmp_path, "q.csv", f'url,title\n{YT},"open\n{rows}')
    items, errors = items_of(path), skipped_of(path)
    assert [e.row for e in errors] == [2]
    assert len(items) == 600 and items[0].title == "t0"


# --- whole-file problems --------------------------------------------------------------------------


def test_whole_file_problems(tmp_path: Path) -> None:
    cases = {
        tmp_path / "missing.csv": "no such file",
        tmp_path: "directory",
        write(tmp_path, "empty.csv", ""): "empty",
        write(tmp_path, "blank.csv", "\n  \n"): "empty",
        write(tmp_path, "bad.json", "[{"): "not valid JSON",
        write(tmp_path, "obj.json", '{"a": 1}'): "JSON array",
    }
    for path, words in cases.items():
        with pytest.raises(InputError, match=words) as info:
            run(path)
        assert str(path) in str(info.value)


def test_no_url_column_names_columns_and_suggests_map(tmp_path: Path) -> None:
    path = write(tmp_path, "n.csv", "名字,播放量\na,1\n")
    with pytest.raises(InputError) as info:
        run(path)
    message = str(info.value)
    assert str(path) in message and "'名字'" in message and "--map COLUMN=url" in message
    assert not isinstance(info.value, RecordError)


# --- batches and resume ---------------------------------------------------------------------------


def _video_rows(n: int) -> str:
    return "url,plays\n" + "".join(f"https://youtu.be/{i:011d},{i}\n" for i in range(n))


def test_batches_and_checkpoints(tmp_path: Path) -> None:
    path = write(tmp_path, "v.csv", _video_rows(5))
    batches = run(path, FileSource(batch_size=2))
    assert [len(b.items) for b in batches] == [2, 2, 1]
    assert [b.checkpoint for b in batches] == [{"row": 3}, {"row": 5}, {"row": 6}]
    assert [b.read for b in batches] == [2, 2, 1]


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 12), size=st.integers(1, 5), cut=st.integers(0, 6))
def test_resume_yields_exactly_the_remaining_rows(
    tmp_path_factory: pytest.TempPathFactory, n: int, size: int, cut: int
) -> None:
    path = write(tmp_path_factory.mktemp("resume"), "v.csv", _video_rows(n))
    source = FileSource(batch_size=size, observed_at=WHEN)
    batches = list(source.fetch_iter(str(path)))
    everything = [i.platform_id for b in batches for i in b.items]
    assert len(everything) == n
    if cut >= len(batches):
        return
    done = [i.platform_id for b in batches[: cut + 1] for i in b.items]
    rest = [
        i.platform_id
        for b in source.fetch_iter(str(path), batches[cut].checkpoint)
        for i in b.items
    ]
    assert done + rest == everything


def test_bad_checkpoint_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        run(write(tmp_path, "v.csv", _video_rows(1)), checkpoint={"row": "x"})


def test_resume_in_markdown_keeps_whole_lines(tmp_path: Path) -> None:
    text = "arXiv:2006.07397 arXiv:1703.10135\narXiv:1901.08971\n"
    path = write(tmp_path, "two.md", text)
    first = run(path, FileSource(batch_size=1))
    assert [len(b.items) for b in first] == [2, 1]
    rest = run(path, FileSource(batch_size=1), checkpoint=first[0].checkpoint)
    assert [i.platform_id for b in rest for i in b.items] == ["1901.08971"]


# --- shortcuts agree with normalize ---------------------------------------------------------------


@given(st.one_of(st.integers(0, 10**15).map(str), st.sampled_from(sorted(QUICK_UNKNOWN))))
def test_quick_count_agrees_with_parse_count(value: str) -> None:
    assert quick_count(value) == parse_count(value)


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)), st.booleans())
def test_quick_date_agrees_with_parse_date(moment: datetime, aware: bool) -> None:
    text = moment.replace(tzinfo=UTC).isoformat() if aware else moment.isoformat(sep=" ")
    assert quick_date(text) == parse_date(text)


@pytest.mark.parametrize("value", sorted(QUICK_UNKNOWN))
def test_quick_unknowns_are_unknown_to_normalize(value: str) -> None:
    assert parse_count(value) is None and parse_date(value) is None


def test_unknown_marker_in_the_url_column_means_no_url(tmp_path: Path) -> None:
    path = write(tmp_path, "codes.tsv", f"Title\tCode\nA\t-\nB\t{YT}\nC\tNA\n")
    batches = run(path, FileSource(mapping={"Code": "url"}, observed_at=WHEN))
    assert [i.url for b in batches for i in b.items] == [YT]
    reasons = [e.reason for b in batches for e in b.skipped]
    assert reasons == ["no URL in this row", "no URL in this row"]


def test_count_lines_for_the_progress_bar(tmp_path: Path) -> None:
    from synthscope.observe.sources.file import count_lines

    assert count_lines(write(tmp_path, "c.csv", f"url\n{YT}\n{YT2}\n")) == 3
    assert count_lines(tmp_path / "w.xlsx") is None
    assert count_lines(tmp_path / "missing.csv") is None

"""Rendering the trends report: HTML, Markdown, JSON, files, schema, charts and strings."""

from __future__ import annotations

import itertools
import json
import re
import string
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthscope.errors import InputError, UsageError
from synthscope.observe.report import (
    SCHEMA_PATH,
    fmt,
    i18n,
    render_html,
    render_json,
    render_markdown,
    validate_report,
    write_report,
)
from synthscope.observe.report.svg import nice_ticks
from synthscope.observe.report.trends import CHART_IDS, fit_curve

EVIL = "<script>x</script>/y"
YEARS = ("2017", "2018", "2019", "2020", "2021")


def _note(n: int, terms: list[str]) -> dict[str, Any]:
    return {
        "sources": ["file:export.csv", "youtube:deepfake"],
        "platforms": ["youtube", "bilibili", "douyin", "tiktok"],
        "keywords": {"set": "content", "terms": terms},
        "date_range": ["2017-01-01", "2021-12-31"],
        "dedup": "url",
        "n": n,
        "collected_at": ["2026-11-20T08:00:00Z", "2026-11-25T09:00:00Z"],
    }


# What the builder writes for a chart when nothing was collected.
EMPTY_NOTE = {
    "sources": [],
    "platforms": [],
    "keywords": {"set": "content", "terms": []},
    "date_range": ["2017-01-01", "2021-12-31"],
    "published_range": [None, None],
    "dedup": "url",
    "n": 0,
    "collected_at": [None, None],
}


def rich_report() -> dict[str, Any]:
    """A report with every chart populated, a hostile repo name and a hostile keyword."""
    videos = dict(zip(YEARS, (120, 310, 650, 1100, 1480), strict=True))
    terms = ["deepfake", "深度伪造", "AI换脸", "<b>bold</b>"]
    report: dict[str, Any] = {
        "schema": "synthscope.report/1",
        "generated_at": "2026-11-25T10:00:00Z",
        "lang": "zh",
        "range": {"from": 2017, "to": 2021},
        "totals": {
            "items": 5284,
            "by_kind": {"video": 3660, "post": 10, "paper": 1500, "repo": 114},
        },
        "items_per_year": {
            "video": videos,
            "post": {"2021": 10},
            "paper": dict(zip(YEARS, (150, 220, 300, 380, 450), strict=True)),
            "repo": dict(zip(YEARS, (8, 15, 21, 30, 40), strict=True)),
        },
        "items_per_year_by_platform": {"youtube": {"2017": 100}, "bilibili": {"2017": 20}},
        "items_per_year_by_region": {
            "domestic": dict(zip(YEARS, (40, 140, 320, 560, 760), strict=True)),
            "foreign": dict(zip(YEARS, (80, 170, 330, 540, 720), strict=True)),
        },
        "region_share": {"domestic": 0.4918, "foreign": 0.5082, "n": 3660},
        "category_rank": [
            {"category": "film_music", "n": 1450},
            {"category": "tech_education", "n": 870},
            {"category": "life", "n": 520},
            {"category": "entertainment", "n": 410},
            {"category": "news", "n": 230},
            {"category": "other", "n": 180},
        ],
        "papers_per_year_by_modality": {
            "image_video": dict(zip(YEARS, (90, 140, 190, 240, 290), strict=True)),
            "audio": dict(zip(YEARS, (30, 45, 60, 75, 90), strict=True)),
            "text": dict(zip(YEARS, (20, 30, 40, 55, 60), strict=True)),
        },
        "modality_share": {"image_video": 0.6467, "audio": 0.2, "text": 0.1533, "n": 1500},
        "repos_per_year_by_modality": {
            "image_video": dict(zip(YEARS, (5, 9, 13, 19, 25), strict=True)),
            "audio": dict(zip(YEARS, (2, 4, 5, 7, 9), strict=True)),
            "text": {"2019": 1, "2020": 2, "2021": 3},
        },
        "likes_per_year": dict(
            zip(YEARS, (41000, 520000, 6800000, 71000000, 312000000), strict=True)
        ),
        "likes_per_year_n": dict(zip(YEARS, (110, 290, 600, 1010, 1400), strict=True)),
        "likes_growth_fit": {
            "annual_factor": 9.37,
            "r2": 0.998,
            "years": [2017, 2021],
            "n_points": 5,
            "quality": "good",
            "excluded_years": [],
        },
        "engagement_per_1000_plays": {
            "likes": 8.92,
            "favorites": None,
            "shares": 3.51,
            "comments": 1.2,
            "n": {"likes": 4000, "favorites": 0, "shares": 3900, "comments": 4000},
            "ci95": {
                "likes": [8.5, 9.3],
                "favorites": None,
                "shares": [3.2, 3.8],
                "comments": [1.0, 1.4],
            },
        },
        "growth_multiple": {
            "video": {"from": 2017, "to": 2021, "value": 12.33, "cagr": 0.874},
            "paper": {"from": 2017, "to": 2021, "value": 3.0, "cagr": 0.316},
            "repo": {"from": 2017, "to": 2021, "value": 5.0, "cagr": 0.495},
        },
        "star_history": {
            "iperov/DeepFaceLab": [
                ["2019-01-01", 4200],
                ["2020-01-01", 15800],
                ["2021-06-01", 31000],
            ],
            "deepfakes/faceswap": [
                ["2018-02-01", 900],
                ["2019-06-01", 29000],
                ["2021-06-01", 41000],
            ],
            EVIL: [["2020-03-01", 10], ["2021-03-01", 1234]],
        },
        "star_thresholds": {
            "thresholds": [
                {"threshold": 1000, "count": 12, "share": 0.1053},
                {"threshold": 10000, "count": 5, "share": 0.0439},
            ],
            "n": 114,
        },
        "papers_without_arxiv_id": 6,
        "runs": [
            {
                "id": 1,
                "source": "file",
                "query": EVIL,
                "started_at": "2026-11-20T08:00:00Z",
                "finished_at": "2026-11-20T08:05:00Z",
                "status": "done",
                "read": 5300,
                "imported": 5284,
                "skipped": 16,
            }
        ],
    }
    report["notes"] = {cid: _note(1000 + i, terms) for i, cid in enumerate(CHART_IDS)}
    return report


def empty_report() -> dict[str, Any]:
    """What the builder yields for an empty store: every key present, no data anywhere."""
    zeros = dict.fromkeys(YEARS, 0)
    modalities = {m: dict(zeros) for m in ("image_video", "audio", "text")}
    return {
        "schema": "synthscope.report/1",
        "generated_at": "2026-11-25T10:00:00Z",
        "range": {"from": 2017, "to": 2021},
        "totals": {"items": 0, "by_kind": {"video": 0, "post": 0, "paper": 0, "repo": 0}},
        "items_per_year": {k: dict(zeros) for k in ("video", "post", "paper", "repo")},
        "items_per_year_by_platform": {},
        "items_per_year_by_region": {"domestic": dict(zeros), "foreign": dict(zeros)},
        "region_share": {"domestic": None, "foreign": None, "n": 0},
        "category_rank": [{"category": c, "n": 0} for c in ("film_music", "life", "news")],
        "papers_per_year_by_modality": modalities,
        "modality_share": {"image_video": None, "audio": None, "text": None, "n": 0},
        "repos_per_year_by_modality": modalities,
        "likes_per_year": dict(zeros),
        "likes_per_year_n": dict(zeros),
        "likes_growth_fit": {
            "annual_factor": None,
            "r2": None,
            "years": None,
            "n_points": 0,
            "quality": "insufficient",
            "excluded_years": [2017, 2018, 2019, 2020, 2021],
        },
        "engagement_per_1000_plays": {
            "likes": None,
            "favorites": None,
            "shares": None,
            "comments": None,
            "n": {"likes": 0, "favorites": 0, "shares": 0, "comments": 0},
            "ci95": {"likes": None, "favorites": None, "shares": None, "comments": None},
        },
        "growth_multiple": {"video": {"from": 2017, "to": 2021, "value": None, "cagr": None}},
        "star_history": {},
        "star_thresholds": {"thresholds": [{"threshold": 1000, "count": 0, "share": None}], "n": 0},
        "papers_without_arxiv_id": 0,
        "notes": {"videos_per_year": EMPTY_NOTE},
        "runs": [],
    }


class _Page(HTMLParser):
    """Collects what the checks need: tags, attributes, text inside <svg><text>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.svg_text: list[str] = []
        self._in_text = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        self._in_text += tag in ("text", "tspan")

    def handle_endtag(self, tag: str) -> None:
        self._in_text -= tag in ("text", "tspan")

    def handle_data(self, data: str) -> None:
        if self._in_text:
            self.svg_text.append(data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def _figure(page: str, chart_id: str) -> str:
    return page.split(f'id="chart-{chart_id}"', 1)[1].split("</figure>", 1)[0]


REPORTS = {"rich": rich_report, "empty": empty_report}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", ["rich", "empty"])
def test_html_is_self_contained_and_has_a_chart_per_id(name: str, lang: str) -> None:
    page = render_html(REPORTS[name](), lang)
    parsed = _parse(page)
    assert page.startswith("<!doctype html>")
    assert '<meta charset="utf-8">' in page
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in page
    for cid in CHART_IDS:
        assert "<svg" in _figure(page, cid), cid
    assert parsed.tags.count("svg") >= len(CHART_IDS)
    assert not {"script", "img", "link", "iframe", "object"} & set(parsed.tags)
    refs = [v or "" for k, v in parsed.attrs if k in ("src", "href")]
    assert all(ref.startswith("#") for ref in refs)
    without_ns = page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in without_ns and "https://" not in without_ns
    assert "@import" not in page and "url(" not in page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_user_strings_are_escaped(lang: str) -> None:
    page = render_html(rich_report(), lang)
    assert EVIL not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;/y" in page
    assert "script" not in _parse(page).tags
    markdown = render_markdown(rich_report(), lang)
    assert EVIL not in markdown and "&lt;script&gt;" in markdown


def test_chinese_text_is_svg_text_in_zh() -> None:
    page = render_html(rich_report(), "zh")
    svg_text = "".join(_parse(page).svg_text)
    assert "深度合成视频发布数量变化趋势" in page
    for word in ("影视音乐", "科技教育", "国内", "国外", "图像（含视频）", "点赞/喜欢"):
        assert word in svg_text, word
    assert "数据说明" in page and "按规范化URL/平台ID去重" in page
    assert "3.1亿" in svg_text  # 312,000,000 likes in 2021, as a zh reader writes it


def test_english_uses_english_units_and_labels() -> None:
    page = render_html(rich_report(), "en")
    svg_text = "".join(_parse(page).svg_text)
    assert "312M" in svg_text and "film &amp; music" not in svg_text
    assert "film & music" in svg_text
    assert "de-duplicated by canonical URL / platform id" in page
    assert "Data notes" in page and "数据说明" not in page


def test_empty_report_says_no_data() -> None:
    page = render_html(empty_report(), "en")
    assert page.count("No data for this chart") == len(CHART_IDS)
    assert "Too few data points" in page
    assert page.count("No data notes were recorded") == len(CHART_IDS) - 1
    notes = _figure(page, "videos_per_year").split('class="notes"')[1]
    assert "set “content”</dd>" in notes and "<dd>0</dd>" in notes
    assert "Collected" not in notes and "Published" not in notes and "unknown" not in notes
    zh = render_html(empty_report(), "zh")
    assert zh.count("此图暂无数据") == len(CHART_IDS)
    markdown = render_markdown(empty_report(), "en")
    assert markdown.count("*No data for this chart (N = 0)*") == len(CHART_IDS)
    assert "*No data" not in render_markdown(rich_report(), "en")


@pytest.mark.parametrize("report", [{}, {"range": None, "notes": []}, {"category_rank": "x"}])
def test_minimal_or_malformed_reports_still_render(report: dict[str, Any]) -> None:
    page = render_html(report, "en")
    assert page.count("No data for this chart") == len(CHART_IDS)
    assert "# Deep-synthesis trends report" in render_markdown(report, "en")


def test_markdown_carries_the_numbers_and_notes() -> None:
    markdown = render_markdown(rich_report(), "en")
    for number in ("1,480", "312,000,000", "8.92", "8.5–9.3", "3,660", "64.7%", "≥ 10,000"):
        assert number in markdown, number
    assert "| Year | Count |" in markdown
    assert "| 2021 | 1,480 |" in markdown
    assert "**Data notes**" in markdown
    assert "- De-duplication: de-duplicated by canonical URL / platform id" in markdown
    assert "- Collected: 2026-11-20 08:00 UTC to 2026-11-25 09:00 UTC" in markdown
    assert "×9.4 per year (R² = 0.998, 2017–2021, 5 points)" in markdown
    zh = render_markdown(rich_report(), "zh")
    assert "### 深度合成视频发布数量变化趋势" in zh and "- 去重规则：按规范化URL/平台ID去重" in zh


def test_markdown_cells_cannot_break_tables() -> None:
    report = rich_report()
    report["star_history"] = {"a|b/c": [["2020-01-01", 1]]}
    assert "a\\|b/c" in render_markdown(report, "en")


def test_json_keeps_order_and_text() -> None:
    report = rich_report()
    text = render_json(report)
    assert json.loads(text) == report
    assert "深度伪造" in text and text.endswith("\n")
    keys = [m.group(1) for m in re.finditer(r'^  "([a-z_0-9]+)":', text, re.M)]
    assert keys == list(report)


def test_json_refuses_nan() -> None:
    with pytest.raises(InputError, match="JSON"):
        render_json({"likes_per_year": {"2017": float("nan")}})


@pytest.mark.parametrize("name", ["rich", "empty"])
def test_reports_validate_against_the_schema(name: str) -> None:
    validate_report(REPORTS[name]())


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"schema": "synthscope.report/2"}, "schema"),
        ({"region_share": {"domestic": 1.5, "n": 3}}, "region_share/domestic"),
        ({"items_per_year": {"video": {"twenty": 1}}}, "items_per_year/video"),
    ],
)
def test_schema_rejects_bad_reports(change: dict[str, Any], where: str) -> None:
    with pytest.raises(InputError, match=where):
        validate_report({**rich_report(), **change})


def test_schema_requires_the_contract_keys() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"items_per_year", "likes_growth_fit", "star_history"} <= set(schema["required"])
    report = rich_report()
    del report["star_history"]
    with pytest.raises(InputError, match="star_history"):
        validate_report(report)


def test_validate_without_jsonschema_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "jsonschema", None)
    with pytest.raises(UsageError, match="jsonschema"):
        validate_report(rich_report())


def test_write_report_writes_three_files_atomically(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    paths = write_report(rich_report(), out, "zh")
    assert [p.name for p in paths] == ["report.html", "report.md", "report.json"]
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]
    validate_report(json.loads((out / "report.json").read_text(encoding="utf-8")))
    assert (out / "report.html").read_text(encoding="utf-8") == render_html(rich_report(), "zh")
    write_report(empty_report(), out, "en")  # replaces in place, still no stray temp files
    assert len(list(out.iterdir())) == 3
    assert "No data for this chart" in (out / "report.html").read_text(encoding="utf-8")


def test_write_report_names_the_folder_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(InputError, match=r"Cannot write to .*file"):
        write_report(rich_report(), blocker / "out")


def test_unknown_language_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="fr"):
        render_html(rich_report(), "fr")
    assert render_html(rich_report(), "zh-CN") == render_html(rich_report(), "zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_output_is_deterministic(lang: str) -> None:
    assert render_html(rich_report(), lang) == render_html(rich_report(), lang)
    assert render_markdown(rich_report(), lang) == render_markdown(rich_report(), lang)
    assert "2026" not in render_html(empty_report() | {"generated_at": "x"}, lang)


def test_likes_fit_is_honest_about_quality() -> None:
    report = rich_report()
    report["likes_growth_fit"] |= {"quality": "poor", "r2": 0.41}
    page = render_html(report, "en")
    assert "Poor fit (R² = 0.41)" in page and 'stroke-dasharray="6 4"' in page
    report["likes_growth_fit"] = {"annual_factor": None, "r2": None, "years": None, "n_points": 2}
    page = render_html(report, "en")
    assert "Too few data points (2)" in page
    assert "<polyline" not in _figure(page, "likes_per_year")


def test_fit_curve_passes_through_the_data_it_fits() -> None:
    years = ["2017", "2018", "2019"]
    curve = fit_curve(years, [10.0, 100.0, 1000.0], {"annual_factor": 10.0, "years": [2017, 2019]})
    assert [x for x, _ in curve] == [0.0, 1.0, 2.0]
    assert [round(y, 6) for _, y in curve] == [10.0, 100.0, 1000.0]
    assert fit_curve(years, [None, 0.0, 5.0], {"annual_factor": 2.0, "years": [2017, 2019]}) == []


def test_both_languages_have_the_same_keys_and_fields() -> None:
    zh, en = i18n.STRINGS["zh"], i18n.STRINGS["en"]
    assert zh.keys() == en.keys()
    for key in zh:
        assert zh[key] and en[key], key
        fields = {f for _, f, _, _ in string.Formatter().parse(zh[key]) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(en[key]) if f}, key


def test_t_never_raises_for_missing_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    english = {k: v for k, v in i18n.STRINGS["en"].items() if k != "no_data"}
    monkeypatch.setitem(i18n.STRINGS, "en", english)
    assert i18n.t("no_data", "en") == "暂无数据"  # falls back to the other language
    assert i18n.t("no.such.key", "zh") == "no.such.key"
    assert i18n.label("category", "brand_new", "zh") == "brand_new"
    assert i18n.label("dedup", "url", "zh") == "按规范化URL/平台ID去重"


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (312_000_000, "3.1亿", "312M"),
        (12_345, "1.2万", "12.3K"),
        (9_999, "9,999", "9,999"),
        (1_500_000_000, "15亿", "1.5B"),
        (0, "0", "0"),
        (None, "–", "–"),
    ],
)
def test_compact_numbers_per_language(value: float | None, zh: str, en: str) -> None:
    assert fmt.fmt_compact(value, "zh") == zh
    assert fmt.fmt_compact(value, "en") == en


def test_percent_and_dates() -> None:
    assert fmt.fmt_pct(0.6467) == "64.7%" and fmt.fmt_pct(0.5) == "50%"
    assert fmt.fmt_datetime("2026-11-20T16:00:00+08:00") == "2026-11-20 08:00 UTC"
    assert fmt.fmt_datetime("not a date") == "not a date"


@settings(max_examples=200, deadline=None)
@given(
    lo=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    span=st.floats(min_value=1e-3, max_value=1e9, allow_nan=False),
    integer=st.booleans(),
)
def test_nice_ticks_cover_the_range_evenly(lo: float, span: float, integer: bool) -> None:
    ticks = nice_ticks(lo, lo + span, integer=integer)
    slack = (ticks[1] - ticks[0]) * 1e-6
    assert ticks[0] <= lo + slack and ticks[-1] >= lo + span - slack
    steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1 and 2 <= len(ticks) <= 8
    if integer:
        assert all(float(t).is_integer() for t in ticks)


@settings(max_examples=40, deadline=None)
@given(
    names=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=4, unique=True),
    lang=st.sampled_from(["zh", "en"]),
)
def test_any_repo_name_is_escaped(names: list[str], lang: str) -> None:
    report = rich_report()
    report["star_history"] = {name: [["2020-01-01", 5], ["2021-01-01", 50]] for name in names}
    parsed = _parse(render_html(report, lang))
    assert not {"script", "img", "iframe"} & set(parsed.tags)
    assert parsed.tags.count("svg") >= len(CHART_IDS)


_RAW_KEY = re.compile(
    r"\b(?:chart|caption|axis|notes|table|runs?|section|report|no_data)\.[a-z_.]+"
)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", ["rich", "empty"])
def test_every_string_used_is_translated(name: str, lang: str) -> None:
    report = REPORTS[name]()
    for text in (render_html(report, lang), render_markdown(report, lang)):
        assert _RAW_KEY.findall(text.replace("report.json", "")) == []

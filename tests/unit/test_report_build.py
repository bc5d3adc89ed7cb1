"""The report dict built from a store: hand-computed numbers, N everywhere, schema-valid."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from synthscope.errors import UsageError
from synthscope.observe.items import Item
from synthscope.observe.report.build import ReportOptions, build_report
from synthscope.store import Store
from synthscope.store.items import upsert_items

T = datetime(2025, 1, 1, tzinfo=UTC)


def vid(platform: str, n: int, year: int, region: str, category: str, **metrics: int) -> Item:
    return Item(
        platform,
        f"{platform}{n}",
        "video",
        f"https://example.org/{platform}/{n}",
        year=year,
        published_at=datetime(year, 6, 1, tzinfo=UTC),
        region=region,
        category=category,
        metrics=dict(metrics),
        observed_at=T,
    )


def paper(arxiv_id: str, year: int, modality: str | None) -> Item:
    return Item(
        "arxiv",
        arxiv_id,
        "paper",
        f"https://arxiv.org/abs/{arxiv_id}",
        year=year,
        modality=modality,
    )


@pytest.fixture
def filled(store: Store) -> Store:
    items = [vid("youtube", 0, 2017, "foreign", "film_music", plays=1000, likes=10)]
    items += [
        vid("youtube", i, 2021, "foreign", "film_music", plays=1000, likes=20, shares=5)
        for i in range(1, 11)
    ]
    items += [vid("bilibili", i, 2021, "domestic", "tech_education", plays=2000) for i in range(10)]
    items += [paper("1406.2661", 2014, "image_video"), paper("1710.10196", 2017, "image_video")]
    items += [paper("1703.10135", 2017, "audio")]
    items += [
        Item("web", "https://openreview.net/x", "paper", "https://openreview.net/x", year=2018)
    ]
    stars = [
        Item(
            "github",
            "iperov/deepfacelab",
            "repo",
            "https://github.com/iperov/deepfacelab",
            year=2018,
            metrics={"stars": s},
            observed_at=datetime(2019 + i, 1, 1, tzinfo=UTC),
        )
        for i, s in enumerate((100, 5000, 30000))
    ]
    with store.transaction() as conn:
        upsert_items(conn, items, source="file")
        for star in stars:
            upsert_items(conn, [star], source="github")
        once = Item("github", "x/once", "repo", "https://github.com/x/once", year=2019,
                    metrics={"stars": 50000}, observed_at=T)  # fmt: skip
        upsert_items(conn, [once], source="github")
    return store


def test_numbers(filled: Store) -> None:
    report = build_report(filled, ReportOptions(year_from=2017, year_to=2021, bootstrap_samples=50))
    assert report["schema"] == "synthscope.report/1"
    assert report["items_per_year"]["video"] == {
        "2017": 1,
        "2018": 0,
        "2019": 0,
        "2020": 0,
        "2021": 20,
    }
    assert report["items_per_year"]["paper"]["2017"] == 2
    assert report["papers_without_arxiv_id"] == 1
    assert report["growth_multiple"]["video"]["value"] == 20.0
    assert report["region_share"] == {
        "domestic": pytest.approx(10 / 21, abs=1e-4),
        "foreign": pytest.approx(11 / 21, abs=1e-4),
        "n": 21,
    }
    assert report["category_rank"][0] == {"category": "film_music", "n": 11}
    assert report["likes_per_year"]["2021"] == 200 and report["likes_per_year_n"]["2021"] == 10
    eng = report["engagement_per_1000_plays"]
    assert eng["likes"] == pytest.approx(1000 * 210 / 11000, rel=1e-3)
    assert eng["n"] == {"likes": 11, "favorites": 0, "shares": 10, "comments": 0}
    assert eng["favorites"] is None and eng["ci95"]["favorites"] is None
    assert eng["shares"] == pytest.approx(5.0)
    assert report["modality_share"]["n"] == 2  # 2017 papers only (range 2017-2021)
    assert report["star_history"]["iperov/deepfacelab"][-1] == ["2021-01-01", 30000]
    thresholds = {t["threshold"]: t["count"] for t in report["star_thresholds"]["thresholds"]}
    assert thresholds == {100: 2, 1000: 2, 10000: 2}
    assert "x/once" not in report["star_history"]  # one observation is not a history
    notes = report["notes"]["videos_per_year"]
    assert (
        notes["n"] == 21
        and notes["dedup"] == "url"
        and notes["platforms"] == ["bilibili", "youtube"]
    )


def test_report_validates_against_schema(filled: Store) -> None:
    from synthscope.observe.report import validate_report

    validate_report(build_report(filled, ReportOptions(bootstrap_samples=20)))


def test_empty_store_gives_an_honest_empty_report(store: Store) -> None:
    from synthscope.observe.report import validate_report

    report = build_report(store, ReportOptions(), now=T)
    assert report["range"] == {"from": 2025, "to": 2025}
    assert report["engagement_per_1000_plays"]["likes"] is None
    assert report["likes_growth_fit"]["quality"] == "insufficient"
    validate_report(report)


def test_reversed_range_is_a_usage_error(store: Store) -> None:
    with pytest.raises(UsageError):
        build_report(store, ReportOptions(year_from=2021, year_to=2017))

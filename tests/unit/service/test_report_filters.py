"""Dashboard filters narrow every count of the report (platform, region, modality)."""

from __future__ import annotations

from pathlib import Path

from synthscope.observe.classify import Classifier
from synthscope.observe.pipeline import import_file
from synthscope.observe.report.build import ReportOptions, build_report
from synthscope.store import Store


def test_platform_and_region_filters(store: Store, classifier: Classifier, tmp_path: Path) -> None:
    rows = ["url,title,published_at,plays,likes"]
    rows += [
        f"https://www.bilibili.com/video/av{170001 + i},AI换脸 {i},2020-03-01,100,{i}"
        for i in range(6)
    ]
    rows += [
        f"https://www.youtube.com/watch?v=abcdefghi{i:02d},deepfake {i},2021-03-01,100,{i}"
        for i in range(4)
    ]
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_file(store, path, classifier=classifier, kind="video")

    whole = build_report(store, ReportOptions(bootstrap_samples=10))
    assert sum(whole["items_per_year"]["video"].values()) == 10
    only = build_report(store, ReportOptions(bootstrap_samples=10, platforms=("bilibili",)))
    assert only["items_per_year"]["video"] == {"2020": 6}
    assert set(only["items_per_year_by_platform"]) == {"bilibili"}
    assert only["region_share"]["domestic"] == 1.0
    foreign = build_report(store, ReportOptions(bootstrap_samples=10, regions=("foreign",)))
    assert sum(foreign["items_per_year"]["video"].values()) == 4
    assert sum(foreign["likes_per_year"].values()) == sum(range(4))

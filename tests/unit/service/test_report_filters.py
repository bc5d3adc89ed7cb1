"""Dashboard filters narrow every count of the report (platform, region, modality)."""

from __future__ import annotations

from pathlib import Path

from synthscope.observe.classify import Classifier
from synthscope.observe.pipeline import import_file
from synthscope.observe.report.build import ReportOptions, build_report
from synthscope.store import Store


def test_platform_and_region_filters(filled: Store) -> None:
    store = filled
    whole = build_report(store, ReportOptions(bootstrap_samples=10))
    assert sum(whole["items_per_year"]["video"].values()) == 10
    only = build_report(store, ReportOptions(bootstrap_samples=10, platforms=("bilibili",)))
    assert only["items_per_year"]["video"] == {"2020": 6}
    assert set(only["items_per_year_by_platform"]) == {"bilibili"}
    assert only["region_share"]["domestic"] == 1.0
    foreign = build_report(store, ReportOptions(bootstrap_samples=10, regions=("foreign",)))
    assert sum(foreign["items_per_year"]["video"].values()) == 4
    assert sum(foreign["likes_per_year"].values()) == sum(range(4))


def test_star_history_honours_every_filter(
    store: Store, classifier: Classifier, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    repos = [  # name, created, text (modality), stars on the two observation days
        ("a/faceswap", "2019-05-01", "deepfake face swap video", (100, 150)),
        ("b/voiceclone", "2021-05-01", "voice cloning speech synthesis audio deepfake", (50, 90)),
    ]
    for day, pick in ((datetime(2024, 1, 1, tzinfo=UTC), 0), (datetime(2024, 6, 1, tzinfo=UTC), 1)):
        rows = ["url,title,text,published_at,stars"]
        rows += [
            f"https://github.com/{name},{name},{text},{created},{stars[pick]}"
            for name, created, text, stars in repos
        ]
        path = tmp_path / f"repos-{pick}.csv"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        import_file(store, path, classifier=classifier, kind="repo", observed_at=day)

    def history(**filters: object) -> set[str]:
        report = build_report(store, ReportOptions(bootstrap_samples=10, **filters))  # type: ignore[arg-type]
        return set(report["star_history"])

    assert history() == {"a/faceswap", "b/voiceclone"}
    assert history(year_from=2020) == {"b/voiceclone"}
    assert history(year_to=2020) == {"a/faceswap"}
    assert history(platforms=("bilibili",)) == set()
    assert history(platforms=("github",)) == {"a/faceswap", "b/voiceclone"}
    assert history(modalities=("audio",)) == {"b/voiceclone"}
    assert history(regions=("domestic",)) == set()

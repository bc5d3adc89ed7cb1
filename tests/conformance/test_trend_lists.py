"""Importing the real paper lists: per-year counts equal the distinct arXiv ids per id-year."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select

from synthscope.observe.classify import Classifier
from synthscope.observe.pipeline import import_file
from synthscope.observe.report.build import ReportOptions, build_report
from synthscope.store import Store
from synthscope.store.models import ItemRow, SnapshotRow

# Written independently of synthscope.observe.normalize: new-style ids in arXiv links and
# 'arXiv:' mentions; the year is the id's YYMM prefix.
_LINK = re.compile(
    r"arxiv\.org/(?:abs|pdf|html|ftp/arxiv/papers/\d{4})/(\d{2})(\d{2})\.(\d{4,5})", re.I
)
_MENTION = re.compile(r"arXiv:\s?(\d{2})(\d{2})\.(\d{4,5})", re.I)


def expected_years(paths: list[Path]) -> Counter[int]:
    ids: set[tuple[str, str, str]] = set()
    for path in paths:
        text = path.read_text(encoding="utf-8")
        ids.update(_LINK.findall(text))
        ids.update(_MENTION.findall(text))
    return Counter(2000 + int(yy) for yy, _mm, _num in ids)


def list_files(trend_lists: Path) -> list[Path]:
    files = sorted(trend_lists.glob("*.tsv")) + sorted(trend_lists.glob("*.md"))
    return [f for f in files if "LICENSE" not in f.name]


def table_content(store: Store) -> tuple[list[Any], list[Any]]:
    items, snaps = ItemRow.__table__, SnapshotRow.__table__
    with store.reading() as conn:
        rows = conn.execute(select(items).order_by(items.c.key)).all()
        snap_rows = conn.execute(select(snaps).order_by(snaps.c.id)).all()
    return [tuple(r) for r in rows], [tuple(r) for r in snap_rows]


def papers_per_year(store: Store) -> dict[int, int]:
    report = build_report(store, ReportOptions())
    return {int(y): n for y, n in report["items_per_year"]["paper"].items() if n}


def test_gan_zoo_counts_and_idempotence(
    trend_lists: Path, tmp_path: Path, classifier: Classifier
) -> None:
    gan_zoo = trend_lists / "the-gan-zoo.gans.tsv"
    store = Store.open(f"sqlite:///{tmp_path / 'zoo.db'}")
    first = import_file(store, gan_zoo, classifier=classifier, kind="paper")
    assert first.counts["read"] == 501
    assert papers_per_year(store) == dict(expected_years([gan_zoo]))
    before = table_content(store)
    again = import_file(store, gan_zoo, classifier=classifier, kind="paper")
    assert again.counts["new"] == 0 and again.counts["updated"] == 0
    assert table_content(store) == before


def test_all_lists_together(trend_lists: Path, tmp_path: Path, classifier: Classifier) -> None:
    files = list_files(trend_lists)
    assert len(files) >= 4
    store = Store.open(f"sqlite:///{tmp_path / 'lists.db'}")
    for path in files:
        import_file(store, path, classifier=classifier, kind="paper")
    assert papers_per_year(store) == dict(expected_years(files))
    before = table_content(store)
    for path in files:
        import_file(store, path, classifier=classifier, kind="paper")
    assert table_content(store) == before


def test_speech_list_is_mostly_audio(
    trend_lists: Path, tmp_path: Path, classifier: Classifier
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'speech.db'}")
    import_file(store, trend_lists / "speech-synthesis-paper.README.md", classifier=classifier)
    report = build_report(store, ReportOptions())
    share = report["modality_share"]
    assert share["n"] > 50
    assert share["audio"] > 0.8

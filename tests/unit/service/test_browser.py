"""The pages in a real browser (headless Chromium): dashboard charts, language switch, CSRF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.browser import chromium_page, live_server, screenshot

from synthscope.config import Settings, load_settings
from synthscope.observe.classify import Classifier
from synthscope.observe.pipeline import import_file
from synthscope.store import Store


@pytest.fixture
def filled(tmp_path: Path, classifier: Classifier) -> Settings:
    """Settings of a SQLite store holding videos and papers over five years."""
    url = f"sqlite:///{tmp_path / 'served.db'}"
    rows = ["url,title,published_at,plays,likes"]
    for i in range(40):
        year = 2017 + i % 5
        rows.append(
            f"https://www.bilibili.com/video/BV1ab411c7{i:02d},AI换脸 deepfake {i},"
            f"{year}-03-0{1 + i % 9},{500 * (i + 1)},{5 * i}"
        )
    csv = tmp_path / "videos.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    papers = tmp_path / "papers.md"
    papers.write_text(
        "".join(f"- [GAN {i}](https://arxiv.org/abs/{18 + i % 4}01.0{i:04d})\n" for i in range(12)),
        encoding="utf-8",
    )
    store = Store.open(url)
    import_file(store, csv, classifier=classifier, kind="video")
    import_file(store, papers, classifier=classifier, kind="paper")
    store.close()
    return load_settings(
        database_url=url, service_upload_dir=tmp_path / "uploads", bootstrap_samples=10
    )


def test_dashboard_shows_charts_and_filters(filled: Settings) -> None:
    with live_server(filled) as base, chromium_page() as page:
        p: Any = page
        p.goto(f"{base}/dashboard")
        charts = p.locator("figure svg")
        assert charts.count() >= 5
        assert p.locator("#chart-videos_per_year svg rect").count() > 3
        screenshot(p, "dashboard-en")
        p.fill("input[name=from]", "2019")
        p.fill("input[name=to]", "2020")
        p.click("form.filters button")
        p.wait_for_url("**/dashboard?**")
        assert "2021" not in p.locator("#chart-videos_per_year").inner_text()
        link = p.locator("a[href^='/dashboard/report.json']")
        assert "from=2019" in (link.get_attribute("href") or "")


def test_language_switch_changes_the_page_and_sticks(filled: Settings) -> None:
    with live_server(filled) as base, chromium_page() as page:
        p: Any = page
        p.goto(f"{base}/")
        assert p.locator("h1").inner_text() == "Is it real? Check a file"
        p.click("#lang-switch")
        p.wait_for_load_state()
        assert "检测" in p.locator("h1").inner_text()
        assert p.locator("html").get_attribute("lang") == "zh-CN"
        screenshot(p, "check-zh")
        p.goto(f"{base}/dashboard")
        assert p.locator("h1").inner_text() == "深度合成趋势"
        screenshot(p, "dashboard-zh")
        p.click("#lang-switch")
        p.wait_for_load_state()
        assert p.locator("h1").inner_text() == "Deep-synthesis trends"


def test_a_form_posted_from_another_site_is_refused(filled: Settings) -> None:
    with live_server(filled) as base, chromium_page() as page:
        p: Any = page
        p.goto(f"{base}/")
        p.eval_on_selector("input[name=csrf_token]", "e => e.value = 'forged'")
        p.fill("textarea[name=text]", "hello")
        p.click("#check-form button")
        p.wait_for_selector("p.error", timeout=20_000)
        assert "reload the page" in p.locator("p.error").inner_text()

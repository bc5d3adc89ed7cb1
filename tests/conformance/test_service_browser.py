"""The public checking page in a real browser with real files from the reference data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.browser import chromium_page, live_server, screenshot

from synthscope.config import Settings, load_settings


@pytest.fixture
def served(tmp_path: Path) -> Settings:
    return load_settings(
        database_url=f"sqlite:///{tmp_path / 'served.db'}",
        service_upload_dir=tmp_path / "uploads",
    )


def upload(page: Any, base: str, path: Path, keep: bool = False) -> None:
    page.goto(f"{base}/")
    page.set_input_files("input[name=file]", str(path))
    if keep:
        page.check("input[name=keep]")
    page.click("#check-form button")
    page.wait_for_selector("#verdict", timeout=60_000)


def test_uploading_a_c2pa_image_shows_synthetic_with_its_reason(
    reference_data: Path, served: Settings
) -> None:
    image = reference_data / "provenance" / "c2pa" / "valid" / "C.jpg"
    if not image.is_file():
        pytest.skip(f"missing {image}")
    with live_server(served) as base, chromium_page() as page:
        p: Any = page
        upload(p, base, image)
        assert p.locator("#verdict").get_attribute("data-label") == "synthetic"
        assert "C2PA" in p.locator("#verdict .reasons").inner_text()
        assert "has been deleted" in p.locator("main").inner_text()
        screenshot(p, "check-result-c2pa-en")
        p.click("#lang-switch")
        p.wait_for_selector("#verdict")
        assert "人工智能生成" in p.locator("#verdict h2").inner_text()
        screenshot(p, "check-result-c2pa-zh")
    assert not list(Path(str(served.service_upload_dir)).iterdir())


def test_uploading_a_gan_image_gives_a_plain_language_verdict_and_keeps_on_request(
    reference_data: Path, served: Settings
) -> None:
    images = sorted((reference_data / "media" / "images" / "cnndetection").rglob("*.jpg"))
    if not images:
        pytest.skip("no CNNDetection images")
    with live_server(served) as base, chromium_page() as page:
        p: Any = page
        upload(p, base, images[0], keep=True)
        label = p.locator("#verdict").get_attribute("data-label")
        assert label in ("synthetic", "likely_synthetic", "inconclusive", "no_evidence")
        assert p.locator("#verdict h2").inner_text().strip()
        assert "kept" in p.locator("main").inner_text()
        screenshot(p, "check-result-gan-en")
    assert len(list(Path(str(served.service_upload_dir)).iterdir())) == 1

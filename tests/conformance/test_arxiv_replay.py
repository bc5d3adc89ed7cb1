"""Every recorded arXiv API response parses into the right ids, dates and titles."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from synthscope.errors import SourceError
from synthscope.observe.sources.arxiv import parse_response

_ENTRY = re.compile(r"<entry>(.*?)</entry>", re.S)
_FIELD = {
    name: re.compile(rf"<{name}>(.*?)</{name}>", re.S) for name in ("id", "title", "published")
}
_VERSIONED = re.compile(r"arxiv\.org/abs/(.+?)(v\d+)?$")


def _recordings(reference_data: Path) -> list[Path]:
    folder = reference_data / "trends" / "api" / "arxiv"
    if not folder.is_dir():
        pytest.skip(f"no recorded arXiv responses at {folder}")
    return sorted(folder.glob("*.json"))


def _response(path: Path) -> tuple[httpx.Response, str]:
    record = json.loads(path.read_text(encoding="utf-8"))
    request = httpx.Request("GET", record["url"])
    body = record["body"]
    return httpx.Response(record["status_code"], text=body, request=request), body


def _expected(body: str) -> list[tuple[str, str, datetime]]:
    """(id without version, title, published) of each entry, read independently by regex."""
    out = []
    for entry in _ENTRY.findall(body):
        found = {k: p.search(entry) for k, p in _FIELD.items()}
        if "/api/errors" in found["id"].group(1):  # type: ignore[union-attr]
            continue
        paper = _VERSIONED.search(found["id"].group(1).strip()).group(1)  # type: ignore[union-attr]
        title = " ".join(found["title"].group(1).split())  # type: ignore[union-attr]
        published = datetime.fromisoformat(found["published"].group(1).replace("Z", "+00:00"))  # type: ignore[union-attr]
        out.append(
            (
                paper,
                title.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"),
                published,
            )
        )
    return out


def test_there_are_recordings(reference_data: Path) -> None:
    assert len(_recordings(reference_data)) >= 20


def test_every_recording_parses_with_right_ids_dates_titles(reference_data: Path) -> None:
    checked = 0
    for path in _recordings(reference_data):
        response, body = _response(path)
        if "/api/errors" in body:
            with pytest.raises(SourceError, match="arxiv rejected the query"):
                parse_response(response)
            continue
        feed = parse_response(response)
        assert not feed.skipped, (path.name, feed.skipped)
        got = [(i.platform_id, i.title, i.published_at) for i in feed.items]
        assert got == _expected(body), path.name
        for item in feed.items:
            assert item.kind == "paper" and item.platform == "arxiv"
            assert item.url == f"https://arxiv.org/abs/{item.platform_id}"
            assert item.year is not None and 1991 <= item.year <= 2026
        checked += len(feed.items)
    assert checked > 100


def test_versioned_and_old_style_ids(reference_data: Path) -> None:
    folder = reference_data / "trends" / "api" / "arxiv"
    ids = {}
    for name in ("id_2104.12255v1", "id_astro-ph_0601001", "id_quant-ph_0201082v1", "id_0000.0000"):
        path = next(folder.glob(f"{name}_*.json"))
        ids[name] = [i.platform_id for i in parse_response(_response(path)[0]).items]
    assert ids["id_2104.12255v1"] == ["2104.12255"]
    assert ids["id_astro-ph_0601001"] == ["astro-ph/0601001"]
    assert ids["id_quant-ph_0201082v1"] == ["quant-ph/0201082"]
    assert ids["id_0000.0000"] == []

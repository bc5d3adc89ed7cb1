"""Recorded GitHub REST exchanges (PyGithub replay files) through the GitHub sources' parsers.

Each exchange is ten lines: protocol, method, host, port, path, request headers, request body,
status, response headers (a Python list of pairs) and body. Every exchange of every file is parsed:
repository searches into items, code searches for their counts and flags, ``/repos/O/R`` into a
repository, stargazers into ``starred_at`` times (or the clear error when the star media type was
not asked for), anything else as JSON.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from synthscope.errors import SourceError
from synthscope.observe.sources._github import (
    read_json,
    repo_item,
    search_page,
    search_totals,
    stargazer_times,
)
from synthscope.observe.sources.github_stars import daily_points

NOW = datetime(2026, 11, 25, tzinfo=UTC)
_DROPPED = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass
class Exchange:
    path: str
    request_headers: dict[str, str]
    response: httpx.Response


@pytest.fixture(scope="module")
def replays(reference_data: Path) -> dict[str, list[Exchange]]:
    folder = reference_data / "trends" / "api" / "github"
    if not folder.is_dir():
        pytest.skip(f"no GitHub replay data at {folder}")
    return {f.name: _exchanges(f) for f in sorted(folder.glob("*.txt"))}


def _exchanges(path: Path) -> list[Exchange]:
    lines = path.read_text(encoding="utf-8").split("\n")
    out, i = [], 0
    while i < len(lines):
        if lines[i] not in ("http", "https"):
            i += 1
            continue
        proto, method, host, _port, target, req_headers, _body, status, headers, body = lines[
            i : i + 10
        ]
        pairs = [(k, v) for k, v in ast.literal_eval(headers) if k.lower() not in _DROPPED]
        request = httpx.Request(method, f"{proto}://{host}{target}")
        response = httpx.Response(
            int(status), headers=pairs, content=body.encode(), request=request
        )
        out.append(Exchange(target.split("?")[0], ast.literal_eval(req_headers), response))
        i += 10
    return out


def test_every_file_has_exchanges(replays: dict[str, list[Exchange]]) -> None:
    assert len(replays) >= 6 and all(replays.values())


def test_every_exchange_parses(replays: dict[str, list[Exchange]]) -> None:
    for name, exchanges in replays.items():
        for exchange in exchanges:
            data = read_json(exchange.response)
            _check(name, exchange, data)


def _check(name: str, exchange: Exchange, data: Any) -> None:
    path = exchange.path
    if path == "/search/repositories":
        page = search_page(data, NOW)
        assert not page.skipped and page.total == data["total_count"]
        for raw, item in zip(data["items"], page.items, strict=True):
            assert item.platform_id == raw["full_name"].lower() and item.title == raw["full_name"]
            assert item.published_at == datetime.fromisoformat(raw["created_at"])
            assert item.metrics == {"stars": raw["stargazers_count"]}
    elif path.startswith("/search/"):
        total, incomplete = search_totals(data)
        assert total == data["total_count"] and incomplete == ("Incomplete" in name)
    elif path.endswith("/stargazers"):
        if "star+json" in exchange.request_headers.get("Accept", ""):
            assert len(stargazer_times(data)) == len(data)
        else:
            with pytest.raises(SourceError, match="without starred_at"):
                stargazer_times(data)
    elif path.count("/") == 3 and path.startswith("/repos/"):
        assert repo_item(data, NOW).platform_id == data["full_name"].lower()
    else:
        assert isinstance(data, dict | list)


def test_repository_search_ids_dates_and_stars(replays: dict[str, list[Exchange]]) -> None:
    first, second = (read_json(e.response) for e in replays["Search.testSearchRepos.txt"])
    items = search_page(first, NOW).items + search_page(second, NOW).items
    assert len(items) == 60 and len({i.key for i in items}) == 60
    legit = items[0]
    assert legit.title == "kennethreitz/legit" and legit.author == "kennethreitz"
    assert legit.published_at == datetime(2011, 6, 25, 5, 58, 18, tzinfo=UTC)
    assert legit.metrics == {"stars": 3036} and legit.year == 2011
    assert items[30].title == "logsol/Github-Auto-Deploy" and items[30].metrics == {"stars": 159}
    assert search_page(first, NOW).incomplete is False  # a 2014 answer without the flag


def test_empty_search(replays: dict[str, list[Exchange]]) -> None:
    (only,) = replays["Search.testSearchReposWithNoResults.txt"]
    page = search_page(read_json(only.response), NOW)
    assert (page.total, page.incomplete, page.items) == (0, False, [])


def test_incomplete_results_flag(replays: dict[str, list[Exchange]]) -> None:
    for name, flag in (
        ("PaginatedList.testSearchWithIncompleteResults.txt", True),
        ("PaginatedList.testSearchWithCompleteResults.txt", False),
    ):
        searches = [e for e in replays[name] if e.path.startswith("/search/")]
        assert searches and all(search_totals(read_json(e.response)) == (7, flag) for e in searches)


def test_starred_at_dates_make_a_cumulative_history(replays: dict[str, list[Exchange]]) -> None:
    exchanges = replays["Repository.testGetStargazersWithDates.txt"]
    repo = repo_item(read_json(exchanges[1].response), NOW)
    assert repo.platform_id == "danvk/comparea" and repo.metrics == {"stars": 6}
    times = stargazer_times(read_json(exchanges[2].response))
    assert times[0] == datetime(2014, 8, 13, 19, 22, 5, tzinfo=UTC)
    assert times[-1] == datetime(2015, 5, 9, 19, 14, 45, tzinfo=UTC)
    history = daily_points(times, 0, final=True)
    # Two stars on 2015-04-29: one point for that day, at its last star.
    assert [n["stars"] for _, n in history] == [1, 2, 3, 5, 6]
    assert [at for at, _ in history] == times[:3] + times[4:]


def test_plain_stargazer_pages_count_but_carry_no_dates(
    replays: dict[str, list[Exchange]],
) -> None:
    pages = [json.loads(e.response.content) for e in replays["Repository.testGetStargazers.txt"]]
    assert [len(p) for p in pages] == [30, 30, 7]

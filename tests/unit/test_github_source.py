"""The GitHub search source against a loopback server playing the search API, faults included."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from fakeapi import FakeApi, Reply, Request
from synthscope.config import load_settings
from synthscope.errors import ExitCode, SourceError
from synthscope.observe.classify import Classifier
from synthscope.observe.collect import collect, live_source
from synthscope.observe.sources._examples_github import (
    FakeRepo,
    fake_repos,
    github_answer,
    search_answer,
)
from synthscope.observe.sources._http import Retryable
from synthscope.observe.sources._windowed import CollectQuery, Window
from synthscope.observe.sources.github import GithubSource, search_qualifiers
from synthscope.store import Store
from synthscope.store.models import ITEMS, RUNS, SNAPSHOTS

REPOS = fake_repos(60)
INTERVAL = 0.05
SINCE, UNTIL = date(2019, 1, 1), date(2020, 12, 31)
TOKEN = "ghp_secretTOKEN1234567890"


def _handler(
    repos: list[FakeRepo], reachable: int = 1000, incomplete: bool = False
) -> Callable[[Request], Reply]:
    def answer(request: Request) -> Reply:
        if request.path.endswith("/search/repositories"):
            status, body = search_answer(repos, request.params, reachable, incomplete)
        else:
            status, body = github_answer(repos, request.path, request.params, request.headers)
        return Reply(status, body, {"Content-Type": "application/json"})

    return answer


def _empty(request: Request) -> Reply:
    _, body = search_answer(REPOS, request.params)
    return Reply(200, json.dumps({**json.loads(body), "items": []}))


def _source(api: FakeApi, **kwargs: Any) -> GithubSource:
    source = GithubSource(base_url=api.url, interval=INTERVAL, backoff=0.01, **kwargs)
    source.page_size = 4
    return source


def _expected(term: str, repos: list[FakeRepo] = REPOS) -> set[str]:
    return {
        r.full_name.lower()
        for r in repos
        if term in r.text() and SINCE <= r.created.date() <= UNTIL
    }


def _stored(store: Store) -> list[tuple[Any, ...]]:
    with store.reading() as conn:
        rows = conn.execute(
            select(ITEMS.c.platform_id, ITEMS.c.title, ITEMS.c.author, ITEMS.c.year)
        )
        return sorted(tuple(r) for r in rows)


def _log(store: Store, run_id: int) -> list[dict[str, Any]]:
    with store.reading() as conn:
        log: list[dict[str, Any]] = conn.execute(
            select(RUNS.c.log).where(RUNS.c.id == run_id)
        ).scalar_one()
    return log


def _collect(store: Store, source: GithubSource, classifier: Classifier, *terms: str) -> Any:
    return collect(
        store, source, list(terms or ["deepfake"]), since=SINCE, until=UNTIL, classifier=classifier
    )


def test_collects_every_matching_repository_once_within_the_rate_limit(
    store: Store, classifier: Classifier
) -> None:
    with FakeApi(_handler(REPOS), min_interval=INTERVAL) as api:
        summary = _collect(store, _source(api), classifier)
        again = _collect(store, _source(api), classifier)
    assert not api.violations
    ids = {row[0] for row in _stored(store)}
    assert ids == _expected("deepfake") and len(ids) > 10
    assert summary.counts["new"] == len(ids) and again.counts.get("new", 0) == 0
    log = _log(store, summary.run_id)
    assert [r["action"] for r in log] == ["done", "done"]  # 2019 and 2020
    assert sum(r["fetched"] for r in log) == len(ids)
    for request in api.requests:
        q = request.params["q"]
        assert q.startswith("deepfake in:name,description,topics created:20") and "+00:00.." in q
        assert request.params["per_page"] == "4"


def test_items_carry_name_owner_dates_stars_and_raw_fields() -> None:
    repo = REPOS[0]
    body = json.loads(search_answer([repo], {"q": "deepfake", "per_page": "5"})[1])
    from synthscope.observe.sources._github import search_page

    now = datetime(2026, 1, 2, tzinfo=UTC)
    item = search_page(body, now).items[0]
    assert (item.platform, item.kind, item.platform_id) == (
        "github",
        "repo",
        "owner0/deepfake-detector-0",
    )
    assert item.url == "https://github.com/owner0/deepfake-detector-0"
    assert item.title == repo.full_name and item.author == "owner0"
    assert item.text == repo.description and item.published_at == repo.created.replace(
        microsecond=0
    )
    assert item.year == 2019 and item.metrics == {"stars": repo.stars} and item.observed_at == now
    assert item.raw and item.raw["forks"] == repo.forks and item.raw["language"] == "Python"
    assert item.raw["topics"] == list(repo.topics)


def test_query_names_the_fields_and_an_inclusive_utc_range() -> None:
    window = Window(
        "voice  cloning", datetime(2020, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC)
    )
    assert search_qualifiers(window) == (
        '"voice cloning" in:name,description,topics '
        "created:2020-01-01T00:00:00+00:00..2020-12-31T23:59:59+00:00"
    )


@pytest.mark.parametrize("fault", ["429", "500", "html", "cut", "truncated", "empty"])
def test_recovers_from_each_fault(fault: str, store: Store, classifier: Classifier) -> None:
    with FakeApi(_handler(REPOS), min_interval=INTERVAL, empty=_empty) as api:
        api.fail_next(fault, fault)
        summary = _collect(store, _source(api), classifier)
    assert not api.violations
    assert {row[0] for row in _stored(store)} == _expected("deepfake")
    assert summary.counts["retries"] >= (0 if fault == "empty" else 2)


def test_truncated_json_is_retryable_and_html_too() -> None:
    from synthscope.observe.sources._github import read_json

    request = httpx.Request("GET", "http://github.test/search/repositories")
    with pytest.raises(Retryable, match="truncated or malformed"):
        read_json(httpx.Response(200, content=b'{"total_count": 3, "ite', request=request))
    page = httpx.Response(200, text="<html><body>Unicorn!</body></html>", request=request)
    with pytest.raises(Retryable, match="HTML"):
        read_json(page)


def test_persistent_failure_keeps_what_was_collected_and_resumes(
    store: Store, classifier: Classifier, tmp_path: Path
) -> None:
    healthy = _handler(REPOS)
    down_after = [2]

    def flaky(request: Request) -> Reply:
        if len(api.requests) > down_after[0]:
            return Reply(500, "down")
        return healthy(request)

    with FakeApi(flaky, min_interval=INTERVAL) as api:
        with pytest.raises(SourceError, match="kept failing after 3 attempts") as info:
            _collect(store, _source(api, attempts=3), classifier)
        assert info.value.exit_code == ExitCode.SOURCE
        partial = _stored(store)
        assert 0 < len(partial) < len(_expected("deepfake"))
        down_after[0] = 10**9
        resumed = _collect(store, _source(api), classifier)
    assert resumed.resumed and not api.violations
    fresh = Store.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    with FakeApi(healthy, min_interval=INTERVAL) as other:
        _collect(fresh, _source(other), classifier)
    assert _stored(fresh) == _stored(store)
    for db in (store, fresh):
        with db.reading() as conn:
            assert conn.execute(select(func.count()).select_from(SNAPSHOTS)).scalar_one() == len(
                _expected("deepfake")
            )


def _dense(n: int) -> list[FakeRepo]:
    """``n`` deepfake repositories created in 2020, several per hour in March."""
    start = datetime(2020, 3, 1, tzinfo=UTC)
    return [
        FakeRepo(
            f"dense/deepfake-{i}", "deepfake", (), None, start + timedelta(minutes=97 * i), i, 0
        )
        for i in range(n)
    ]


def test_a_year_over_the_cap_is_bisected_and_every_repository_comes_once(
    store: Store, classifier: Classifier
) -> None:
    dense = _dense(45)
    with FakeApi(_handler(dense, reachable=12), min_interval=0.0) as api:
        source = GithubSource(base_url=api.url, interval=0.0)
        source.page_size, source.cap = 5, 12  # type: ignore[misc]
        summary = _collect(store, source, classifier)
    assert summary.counts["new"] == 45 and {r[0] for r in _stored(store)} == _expected(
        "deepfake", dense
    )
    log = _log(store, summary.run_id)
    assert sum(r["action"] == "split" for r in log) >= 3
    done = [r for r in log if r["action"] == "done"]
    assert all(r["total"] <= 12 for r in done) and sum(r["fetched"] for r in done) == 45
    assert all(int(r.params.get("page", 1)) <= 3 for r in api.requests)  # never past reachable


def test_an_hour_still_over_the_cap_is_recorded_as_capped(
    store: Store, classifier: Classifier
) -> None:
    start = datetime(2020, 5, 1, 10, tzinfo=UTC)
    crowded = [
        FakeRepo(
            f"crowd/deepfake-{i}", "deepfake", (), None, start + timedelta(seconds=60 * i), i, 0
        )
        for i in range(30)
    ]
    with FakeApi(_handler(crowded, reachable=10), min_interval=0.0) as api:
        source = GithubSource(base_url=api.url, interval=0.0)
        source.page_size, source.cap = 5, 10  # type: ignore[misc]
        summary = _collect(store, source, classifier)
    log = _log(store, summary.run_id)
    capped = [r for r in log if any("capped" in n for n in r["notes"])]
    assert capped and all(r["total"] > 10 and r["fetched"] == 10 for r in capped)
    for record in capped:
        span = datetime.fromisoformat(record["end"]) - datetime.fromisoformat(record["start"])
        assert timedelta(hours=1) <= span < timedelta(hours=2)
    assert all(int(r.params.get("page", 1)) <= 2 for r in api.requests)


def test_incomplete_results_are_written_in_the_window_log(
    store: Store, classifier: Classifier
) -> None:
    with FakeApi(_handler(REPOS, incomplete=True), min_interval=0.0) as api:
        summary = _collect(store, GithubSource(base_url=api.url, interval=0.0), classifier)
    log = _log(store, summary.run_id)
    assert log and all(any("incomplete_results" in n for n in r["notes"]) for r in log)


def test_token_is_sent_as_bearer_and_sets_the_published_pace() -> None:
    assert GithubSource(token=TOKEN).interval == 2.0
    assert GithubSource().interval == 6.0
    assert GithubSource(token=TOKEN, interval=0.5).interval == 0.5
    with FakeApi(_handler(REPOS)) as api:
        source = GithubSource(base_url=api.url, interval=0.0, token=TOKEN)
        source.page(
            Window("deepfake", datetime(2019, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC)),
            None,
        )
    headers = api.requests[0].headers
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["accept"] == "application/vnd.github+json"


def test_token_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHSCOPE_GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("SYNTHSCOPE_GITHUB_BASE_URL", "http://mirror.test/api")
    source = live_source("github", load_settings())
    assert isinstance(source, GithubSource)
    assert source.headers()["Authorization"] == f"Bearer {TOKEN}" and source.interval == 2.0
    assert source.root() == "http://mirror.test/api"


def test_token_never_appears_in_errors_logs_or_checkpoints(
    store: Store, classifier: Classifier, caplog: pytest.LogCaptureFixture
) -> None:
    def answer(request: Request) -> Reply:
        if len(api.requests) > 2:
            return Reply(403, json.dumps({"message": "Resource not accessible"}))
        return _handler(REPOS)(request)

    caplog.set_level(logging.DEBUG)
    with FakeApi(answer) as api, pytest.raises(SourceError) as info:
        _collect(store, _source(api, token=TOKEN), classifier)
    assert "HTTP 403" in str(info.value)
    with store.reading() as conn:
        runs = [json.dumps([*r], default=str) for r in conn.execute(select(RUNS))]
    for text in (str(info.value), info.value.localized("zh"), caplog.text, *runs):
        assert TOKEN not in text and "Bearer" not in text


def _clocked(answers: list[httpx.Response], **kwargs: Any) -> tuple[GithubSource, list[float]]:
    now = [1_700_000_000.0]
    waits: list[float] = []
    replies = iter(answers)
    source = GithubSource(
        client=httpx.Client(transport=httpx.MockTransport(lambda r: next(replies))),
        wall=lambda: now[0],
        **kwargs,
    )
    fetcher = source._fetcher()
    fetcher.clock = lambda: now[0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    fetcher.sleep = sleep
    return source, waits


_OK = httpx.Response(200, json={"total_count": 0, "incomplete_results": False, "items": []})
_WINDOW = Window("x", datetime(2020, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC))


def test_a_spent_primary_limit_waits_until_the_reset_time() -> None:
    spent = httpx.Response(
        403,
        json={"message": "API rate limit exceeded for user ID 1."},
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(1_700_000_000 + 42)},
    )
    source, waits = _clocked([spent, _OK], interval=0.0)
    source.page(_WINDOW, None)
    assert waits == [43.0] and source.fetch_stats().retries == 1


def test_secondary_limits_wait_for_retry_after_or_a_minute() -> None:
    secondary = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."}
    answers = [
        httpx.Response(403, json=secondary, headers={"Retry-After": "17"}),
        httpx.Response(429, json=secondary),
        _OK,
    ]
    source, waits = _clocked(answers, interval=0.0)
    source.page(_WINDOW, None)
    assert waits == [17.0, 60.0]


def test_a_reset_an_hour_away_fails_at_once_with_a_resume_hint() -> None:
    spent = httpx.Response(
        403, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(1_700_000_000 + 3600)}
    )
    source, waits = _clocked([spent], interval=0.0)
    with pytest.raises(SourceError, match="run the same command again later") as info:
        source.page(_WINDOW, None)
    assert info.value.exit_code == ExitCode.SOURCE and waits == []


def test_pacing_honours_the_published_thirty_a_minute_without_waiting() -> None:
    now = [0.0]
    starts: list[float] = []

    def handle(request: httpx.Request) -> httpx.Response:
        starts.append(now[0])
        status, body = search_answer(REPOS, dict(request.url.params))
        return httpx.Response(status, text=body)

    source = GithubSource(client=httpx.Client(transport=httpx.MockTransport(handle)), token=TOKEN)
    source.page_size = 4
    fetcher = source._fetcher()
    fetcher.clock = lambda: now[0]
    fetcher.sleep = lambda s: now.__setitem__(0, now[0] + s)
    query = CollectQuery(("deepfake",), SINCE, UNTIL).text()
    list(source.fetch_iter(query))
    gaps = [b - a for a, b in pairwise(starts)]
    assert len(starts) >= 6 and min(gaps) >= 2.0 and max(gaps) <= 2.0 + 0.011


def test_rate_limit_answers_over_http_are_waited_out(store: Store, classifier: Classifier) -> None:
    healthy = _handler(REPOS)
    limits = [
        Reply(
            403,
            json.dumps({"message": "API rate limit exceeded"}),
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0"},  # already past: 1 s
        ),
        Reply(403, json.dumps({"message": "You have exceeded a secondary rate limit."})),
        Reply(429, json.dumps({"message": "secondary rate limit"}), {"Retry-After": "0"}),
    ]

    def answer(request: Request) -> Reply:
        return limits.pop(0) if limits and len(api.requests) > 1 else healthy(request)

    with FakeApi(answer, min_interval=INTERVAL) as api:
        summary = _collect(store, _source(api, secondary_wait=0.05), classifier)
    assert not limits and not api.violations
    assert {row[0] for row in _stored(store)} == _expected("deepfake")
    assert summary.counts["retries"] == 3 and summary.counts["rate_waits"] >= 3

"""Star histories from the stargazers list against the loopback fake GitHub API."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from fakeapi import FakeApi, Reply, Request
from synthscope.errors import ExitCode, SourceError, UsageError
from synthscope.observe.classify import Classifier
from synthscope.observe.collect import collect
from synthscope.observe.report.build import ReportOptions, build_report
from synthscope.observe.report.render import render_html, render_markdown
from synthscope.observe.sources._examples_github import FakeRepo, fake_repos, github_answer
from synthscope.observe.sources._github import stargazer_times
from synthscope.observe.sources.github import GithubSource
from synthscope.observe.sources.github_stars import (
    GithubStarsSource,
    daily_points,
    sample_pages,
)
from synthscope.store import Store
from synthscope.store.models import ITEMS, RUNS, SNAPSHOTS
from synthscope.store.queries import star_series

REPOS = fake_repos(40)
SMALL, MIDDLE = REPOS[1], REPOS[5]  # 37 and 185 stars
INTERVAL = 0.02
PAGE_CAP = 6  # scaled down from 400: with 10 a page, 60 stars are reachable


def _handler(repos: list[FakeRepo]) -> Callable[[Request], Reply]:
    def answer(request: Request) -> Reply:
        status, body = github_answer(
            repos, request.path, request.params, request.headers, page_cap=PAGE_CAP
        )
        return Reply(status, body, {"Content-Type": "application/json"})

    return answer


def _source(api: FakeApi, **kwargs: Any) -> GithubStarsSource:
    source = GithubStarsSource(base_url=api.url, interval=INTERVAL, backoff=0.01, **kwargs)
    source.page_size, source.page_cap, source.samples = 10, PAGE_CAP, 3
    return source


def _run(store: Store, source: GithubStarsSource, classifier: Classifier, *repos: str) -> Any:
    terms = list(repos) or [SMALL.full_name, MIDDLE.full_name]
    return collect(store, source, terms, classifier=classifier)


def _expected_daily(repo: FakeRepo, upto: int) -> list[tuple[datetime, int]]:
    """Each day's last star time and the number of stars given by then."""
    last: dict[date, tuple[datetime, int]] = {}
    for n in range(1, upto + 1):
        when = repo.star_time(n)
        last[when.date()] = (when, n)
    return list(last.values())


def _history(store: Store, repo: FakeRepo) -> list[tuple[datetime, int]]:
    with store.reading() as conn:
        series = star_series(conn, [f"github:{repo.full_name.lower()}"])
    return [
        (at.replace(tzinfo=UTC) if at.tzinfo is None else at, n)
        for at, n in series.get(repo.full_name.lower(), [])
    ]


def _snapshots(store: Store) -> list[tuple[Any, ...]]:
    with store.reading() as conn:
        rows = conn.execute(
            select(ITEMS.c.platform_id, SNAPSHOTS.c.observed_at, SNAPSHOTS.c.stars).select_from(
                SNAPSHOTS.join(ITEMS, ITEMS.c.id == SNAPSHOTS.c.item_id)
            )
        )
        return sorted(tuple(r) for r in rows)


def test_exact_history_is_cumulative_one_point_per_day(
    store: Store, classifier: Classifier
) -> None:
    with FakeApi(_handler(REPOS), min_interval=INTERVAL) as api:
        summary = _run(store, _source(api), classifier, SMALL.full_name)
    assert not api.violations
    history = _history(store, SMALL)
    dated, current = history[:-1], history[-1]
    assert dated == _expected_daily(SMALL, SMALL.stars)
    assert current[1] == SMALL.stars  # today's observation from /repos/O/R
    assert [n for _, n in history] == sorted(n for _, n in history)
    stargazer_requests = [r for r in api.requests if r.path.endswith("/stargazers")]
    assert [int(r.params["page"]) for r in stargazer_requests] == [1, 2, 3, 4]
    assert all(
        r.headers["accept"] == "application/vnd.github.star+json" for r in stargazer_requests
    )
    with store.reading() as conn:
        log = conn.execute(select(RUNS.c.log).where(RUNS.c.id == summary.run_id)).scalar_one()
    assert log[0]["mode"] == "exact" and log[0]["total"] == 37 and log[0]["fetched"] == 37
    assert log[0]["exactness"].startswith("exact: all 37") and log[0]["notes"] == []


def test_daily_points_hold_back_a_day_that_goes_on_next_page() -> None:
    times = [SMALL.star_time(n) for n in range(1, 31)]
    days = {t.date() for t in times}
    held = daily_points(times, 0, final=False)
    assert len(held) == len(days) - 1 and held[-1][1]["stars"] < 30
    assert daily_points(times, 100, final=True)[-1] == (times[-1], {"stars": 130})


def test_past_the_page_cap_sampled_pages_are_read_and_the_log_says_how_exact(
    store: Store, classifier: Classifier
) -> None:
    with FakeApi(_handler(REPOS), min_interval=INTERVAL) as api:
        summary = _run(store, _source(api), classifier, MIDDLE.full_name)
    pages = [int(r.params["page"]) for r in api.requests if r.path.endswith("/stargazers")]
    assert pages == sample_pages(PAGE_CAP, 3) == [1, 3, 6]  # never past the cap: no 422
    history = _history(store, MIDDLE)
    expected = [(MIDDLE.star_time(n), n) for n in (1, 10, 21, 30, 51, 60)]
    assert history[:-1] == expected and history[-1][1] == MIDDLE.stars
    with store.reading() as conn:
        log = conn.execute(select(RUNS.c.log).where(RUNS.c.id == summary.run_id)).scalar_one()
    assert log[0]["mode"] == "sampled"
    note = log[0]["notes"][0]
    assert "185 stars exceed the 60" in note and "125 later stars are undated" in note


def test_the_fake_refuses_pages_past_the_cap_like_github() -> None:
    status, body = github_answer(
        REPOS,
        f"/repos/{MIDDLE.full_name}/stargazers",
        {"page": "7", "per_page": "10"},
        {"accept": "application/vnd.github.star+json"},
        page_cap=PAGE_CAP,
    )
    assert status == 422 and "pagination is limited" in json.loads(body)["message"]


def test_persistent_failure_resumes_to_the_same_store(
    store: Store, classifier: Classifier, tmp_path: Path
) -> None:
    healthy = _handler(REPOS)
    down_after = [4]

    def flaky(request: Request) -> Reply:
        return Reply(500, "down") if len(api.requests) > down_after[0] else healthy(request)

    with FakeApi(flaky, min_interval=INTERVAL) as api:
        with pytest.raises(SourceError, match="kept failing") as info:
            _run(store, _source(api, attempts=2), classifier)
        assert info.value.exit_code == ExitCode.SOURCE
        partial = len(_snapshots(store))
        down_after[0] = 10**9
        assert _run(store, _source(api), classifier).resumed
    fresh = Store.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    with FakeApi(healthy, min_interval=INTERVAL) as other:
        _run(fresh, _source(other), classifier)
    dated = [(k, at, n) for k, at, n in _snapshots(store)]
    assert 0 < partial < len(dated)
    # The current observations differ in time only; the dated history is identical.
    assert _history(store, SMALL)[:-1] == _history(fresh, SMALL)[:-1]
    assert _history(store, MIDDLE)[:-1] == _history(fresh, MIDDLE)[:-1]
    assert len(_snapshots(store)) == len(_snapshots(fresh))


def test_a_rerun_adds_only_the_new_current_observation(
    store: Store, classifier: Classifier
) -> None:
    with FakeApi(_handler(REPOS), min_interval=INTERVAL) as api:
        _run(store, _source(api), classifier)
        before = _snapshots(store)
        _run(store, _source(api), classifier)
    after = _snapshots(store)
    assert len(after) == len(before) + 2 and set(before) <= set(after)
    with store.reading() as conn:
        assert conn.execute(select(func.count()).select_from(ITEMS)).scalar_one() == 2


def test_top_n_reads_the_store_and_the_report_plots_the_history(
    store: Store, classifier: Classifier
) -> None:
    with FakeApi(_handler(REPOS), min_interval=0.0) as api:
        search = GithubSource(base_url=api.url, interval=0.0)
        collect(
            store,
            search,
            ["talking head"],
            since=date(2019, 1, 1),
            until=date(2020, 12, 31),
            classifier=classifier,
        )
        source = _source(api, store_url=store.url)
        _run(store, source, classifier, "top:2")
    talking = sorted((r for r in REPOS if "talking head" in r.text()), key=lambda r: -r.stars)
    top = [r.full_name.lower() for r in talking[:2]]
    requested = {
        r.path.split("/repos/")[1].split("/stargazers")[0]
        for r in api.requests
        if "/repos/" in r.path
    }
    assert {name.lower() for name in requested} == set(top)
    report = build_report(store, ReportOptions())
    assert set(report["star_history"]) == set(top)
    assert all(len(points) >= 3 for points in report["star_history"].values())
    for text in (render_html(report), render_markdown(report)):
        assert all(name in text for name in top)


def test_terms_that_name_no_repository_are_a_usage_error() -> None:
    source = GithubStarsSource(interval=0.0)
    assert source.resolve(("Owner/Repo", "https://github.com/a/b", "owner/repo")) == [
        "owner/repo",
        "a/b",
    ]
    with pytest.raises(UsageError, match="owner/repo"):
        source.resolve(("deepfake",))
    with pytest.raises(UsageError, match="top:N"):
        source.resolve(("top:zero",))
    with pytest.raises(UsageError, match="needs a store"):
        source.resolve(("top:3",))


def test_stargazers_without_dates_are_a_clear_source_error() -> None:
    with pytest.raises(SourceError, match="without starred_at"):
        stargazer_times([{"login": "octocat", "id": 1}])
    assert stargazer_times([]) == []


def test_sample_pages_spread_over_the_reachable_range() -> None:
    assert sample_pages(400, 30)[0] == 1 and sample_pages(400, 30)[-1] == 400
    assert len(sample_pages(400, 30)) == 30 and sample_pages(400, 1) == [1]


def test_a_deleted_repository_is_noted_and_the_others_still_collected(
    store: Store, classifier: Classifier
) -> None:
    with FakeApi(_handler(REPOS), min_interval=INTERVAL) as api:
        summary = _run(store, _source(api), classifier, "gone/deleted-repo", SMALL.full_name)
    assert summary.status == "done"
    assert _history(store, SMALL)[-1][1] == SMALL.stars
    with store.reading() as conn:
        log = conn.execute(select(RUNS.c.log).where(RUNS.c.id == summary.run_id)).scalar_one()
    assert log[0]["term"] == "gone/deleted-repo" and "404" in log[0]["notes"][0]
    assert log[1]["total"] == 37 and log[1]["notes"] == []

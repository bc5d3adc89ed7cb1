"""Benchmark: live collectors against the loopback fake API (tests/fakeapi.py).

Two measurements per source:

* pacing: requests per second at the source's default interval, as seen by the server, beside the
  source's published limit (the anchor). The ratio must be <= 1.0 (never above the limit) and close
  to it (no time wasted);
* throughput: items per second parsed and stored into a fresh SQLite store with pacing off, beside
  parsing alone.

Usage: ``python benchmarks/collect.py [--requests N] [--items N]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the fake server lives with the tests

from fakeapi import FakeApi, Reply, Request  # noqa: E402
from synthscope.observe.classify import Classifier  # noqa: E402
from synthscope.observe.collect import collect  # noqa: E402
from synthscope.observe.sources._examples import (  # noqa: E402
    arxiv_answer,
    atom_feed,
    fake_papers,
)
from synthscope.observe.sources._examples_github import (  # noqa: E402
    FakeRepo,
    github_answer,
    repo_json,
)
from synthscope.observe.sources._examples_tiktok import (  # noqa: E402
    CLIENT_KEY,
    CLIENT_SECRET,
    TiktokApi,
    fake_tiktoks,
)
from synthscope.observe.sources._examples_youtube import fake_videos, youtube_answer  # noqa: E402
from synthscope.observe.sources._github import search_page  # noqa: E402
from synthscope.observe.sources._windowed import WindowedSource  # noqa: E402
from synthscope.observe.sources.arxiv import ArxivSource, parse_feed  # noqa: E402
from synthscope.observe.sources.github import GithubSource  # noqa: E402
from synthscope.observe.sources.tiktok import TiktokSource  # noqa: E402
from synthscope.observe.sources.youtube import YoutubeSource  # noqa: E402
from synthscope.store import Store  # noqa: E402


@dataclass
class Case:
    """One source: how to build it against a server URL, the server's answers, its limit."""

    name: str
    make: Callable[[str, float | None], WindowedSource]
    answer: Callable[[Request], Reply]
    published_interval: float
    terms: list[str]
    since: date
    until: date
    parse_rate: Callable[[int], float] | None = None


def _arxiv_case(n_items: int) -> Case:
    papers = fake_papers(n_items, datetime(2020, 1, 1, tzinfo=UTC))
    papers = [
        p.__class__(
            p.arxiv_id,
            1,
            f"deepfake {i}",
            p.summary,
            datetime(2020, 1, 1 + i % 28, i % 24, i % 60, tzinfo=UTC),
            p.authors,
            p.categories,
        )
        for i, p in enumerate(papers)
    ]

    def make(url: str, interval: float | None) -> WindowedSource:
        source = ArxivSource(base_url=f"{url}/api/query", interval=interval)
        source.page_size = 1000
        return source

    def answer(request: Request) -> Reply:
        return Reply(
            200, arxiv_answer(papers, request.params), {"Content-Type": "application/atom+xml"}
        )

    return Case("arxiv", make, answer, 3.0, ["deepfake"], date(2020, 1, 1), date(2020, 12, 31))


def _fake_repos(n_items: int) -> list[FakeRepo]:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    return [
        FakeRepo(
            f"o{i % 97}/deepfake-{i}",
            f"deepfake tool {i}",
            ("deepfake",),
            "Python",
            start.replace(day=1 + i % 28, hour=i % 24, minute=i % 60),
            i % 5000,
            i % 40,
        )
        for i in range(n_items)
    ]


def _github_case(n_items: int) -> Case:
    """Repository search with a token: 30 requests a minute; 1,000 results per window."""
    repos = _fake_repos(n_items)

    def make(url: str, interval: float | None) -> WindowedSource:
        return GithubSource(base_url=url, interval=interval, token="bench-token")

    def answer(request: Request) -> Reply:
        status, body = github_answer(repos, request.path, request.params, request.headers)
        return Reply(status, body, {"Content-Type": "application/json"})

    def parse_rate(n: int) -> float:
        body = {
            "total_count": n,
            "incomplete_results": False,
            "items": [repo_json(r) for r in repos[:n]],
        }
        t0 = time.perf_counter()
        assert len(search_page(body, datetime.now(UTC)).items) == n
        return n / (time.perf_counter() - t0)

    return Case(
        "github", make, answer, 2.0, ["deepfake"], date(2020, 1, 1), date(2020, 12, 31), parse_rate
    )


def _youtube_case(n_items: int) -> Case:
    videos = fake_videos(n_items, datetime(2020, 1, 1, tzinfo=UTC), timedelta(minutes=20))

    def make(url: str, interval: float | None) -> WindowedSource:
        source = YoutubeSource(base_url=f"{url}/youtube/v3", interval=interval, api_key="bench")
        return source

    def answer(request: Request) -> Reply:
        status, body = youtube_answer(videos, request.path, request.params)
        return Reply(status, body, {"Content-Type": "application/json"})

    return Case("youtube", make, answer, 1.0, ["deepfake"], date(2020, 1, 1), date(2020, 12, 31))


def _tiktok_case(n_items: int) -> Case:
    api = TiktokApi(fake_tiktoks(n_items, datetime(2021, 1, 1, tzinfo=UTC), timedelta(minutes=20)))

    def make(url: str, interval: float | None) -> WindowedSource:
        return TiktokSource(
            base_url=url, interval=interval, client_key=CLIENT_KEY, client_secret=CLIENT_SECRET
        )

    def answer(request: Request) -> Reply:
        status, body = api.answer(request.path, request.headers, request.params, request.body)
        return Reply(status, body, {"Content-Type": "application/json"})

    return Case("tiktok", make, answer, 1.0, ["deepfake"], date(2021, 1, 1), date(2021, 12, 31))


def pacing(case: Case, requests: int) -> tuple[float, float]:
    """Requests per second the server saw at the default interval, and the smallest gap."""
    with FakeApi(case.answer) as api:
        source = case.make(api.url, None)
        batches = source.fetch_iter(_query(case))
        for _ in range(requests):
            next(batches)
    starts = [r.at for r in api.requests]
    gaps = [b - a for a, b in pairwise(starts)]
    return (len(starts) - 1) / (starts[-1] - starts[0]), min(gaps)


def throughput(case: Case, classifier: Classifier) -> tuple[int, float]:
    """Items stored per second with pacing off (fresh SQLite store)."""
    with tempfile.TemporaryDirectory() as tmp, FakeApi(case.answer) as api:
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        source = case.make(api.url, 0.0)
        t0 = time.perf_counter()
        summary = collect(
            store, source, case.terms, since=case.since, until=case.until, classifier=classifier
        )
        return summary.counts.get("new", 0), time.perf_counter() - t0


def parse_only(n_items: int) -> float:
    papers = fake_papers(n_items)
    body = atom_feed(papers, n_items, 0).encode()
    t0 = time.perf_counter()
    feed = parse_feed(body)
    assert len(feed.items) == n_items
    return n_items / (time.perf_counter() - t0)


def _query(case: Case) -> str:
    from synthscope.observe.sources._windowed import CollectQuery

    return CollectQuery(tuple(case.terms), case.since, case.until).text()


def _parse_column(case: Case) -> str:
    parse = parse_only if case.name == "arxiv" else case.parse_rate
    return f"{parse(2000):,.0f}" if parse else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6, help="paced requests per source")
    parser.add_argument("--items", type=int, default=20_000, help="items for the throughput run")
    args = parser.parse_args()
    classifier = Classifier.load()
    print(
        f"{'source':<10}{'req/s':>9}{'limit req/s':>13}{'ratio':>8}{'min gap s':>11}"
        f"{'items':>9}{'items/s':>10}{'parse items/s':>15}"
    )
    for case in (
        _arxiv_case(args.items),
        _github_case(args.items),
        _youtube_case(args.items // 4),
        _tiktok_case(args.items // 4),
    ):
        rate, gap = pacing(case, args.requests)
        limit = 1 / case.published_interval
        items, seconds = throughput(case, classifier)
        print(
            f"{case.name:<10}{rate:>9.3f}{limit:>13.3f}{rate / limit:>8.3f}{gap:>11.3f}"
            f"{items:>9,}{items / seconds:>10,.0f}{_parse_column(case):>15}"
        )
    print("\nratio = measured requests/s over the published limit: must be <= 1.000.")


if __name__ == "__main__":
    main()

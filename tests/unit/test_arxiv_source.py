"""The arXiv source against a real loopback server playing the arXiv API, faults included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from fakeapi import FakeApi, Reply, Request
from synthscope.errors import ExitCode, SourceError
from synthscope.observe.classify import Classifier
from synthscope.observe.collect import collect
from synthscope.observe.sources._examples import FakePaper, arxiv_answer, atom_feed, fake_papers
from synthscope.observe.sources._http import Retryable
from synthscope.observe.sources._windowed import CollectQuery, Window
from synthscope.observe.sources.arxiv import ArxivSource, parse_feed, search_query
from synthscope.store import Store
from synthscope.store.models import ITEMS, RUNS

PAPERS = fake_papers(48)
INTERVAL = 0.05


def _handler(papers: list[FakePaper]) -> Callable[[Request], Reply]:
    def answer(request: Request) -> Reply:
        body = arxiv_answer(papers, request.params)
        return Reply(200, body, {"Content-Type": "application/atom+xml"})

    return answer


def _empty(request: Request) -> Reply:
    total = arxiv_answer(PAPERS, request.params)
    count = total.split("<opensearch:totalResults>")[1].split("<")[0]
    return Reply(200, atom_feed([], int(count), int(request.params.get("start", 0))))


def _source(api: FakeApi, **kwargs: object) -> ArxivSource:
    source = ArxivSource(
        base_url=f"{api.url}/api/query",
        interval=INTERVAL,
        backoff=0.01,
        **kwargs,  # type: ignore[arg-type]
    )
    source.page_size = 4
    return source


def _expected(term: str, since: date, until: date) -> set[str]:
    return {
        p.arxiv_id
        for p in PAPERS
        if term in f"{p.title} {p.summary}".lower() and since <= p.published.date() <= until
    }


def _stored(store: Store) -> list[tuple[str, str | None, int | None]]:
    with store.reading() as conn:
        rows = conn.execute(select(ITEMS.c.platform_id, ITEMS.c.title, ITEMS.c.year))
        return sorted((r[0], r[1], r[2]) for r in rows)


def test_collects_every_matching_paper_once_within_the_rate_limit(
    store: Store, classifier: Classifier
) -> None:
    since, until = date(2019, 1, 1), date(2019, 12, 31)
    with FakeApi(_handler(PAPERS), min_interval=INTERVAL) as api:
        summary = collect(
            store, _source(api), ["deepfake"], since=since, until=until, classifier=classifier
        )
        again = collect(
            store, _source(api), ["deepfake"], since=since, until=until, classifier=classifier
        )
    assert not api.violations
    ids = {pid for pid, _, _ in _stored(store)}
    assert ids == _expected("deepfake", since, until) and ids
    assert summary.counts["new"] == len(ids) and summary.counts["requests"] >= 12
    assert again.counts.get("new", 0) == 0
    with store.reading() as conn:
        log = conn.execute(select(RUNS.c.log).where(RUNS.c.id == summary.run_id)).scalar_one()
    assert len(log) == 12 and {r["action"] for r in log} == {"done"}
    assert sum(r["fetched"] for r in log) == len(ids)


def test_items_have_versionless_ids_dates_titles_and_categories(store: Store) -> None:
    feed = parse_feed(atom_feed(PAPERS[:3], 3, 0))
    first = feed.items[0]
    assert first.platform == "arxiv" and first.platform_id == PAPERS[0].arxiv_id
    assert first.url == f"https://arxiv.org/abs/{PAPERS[0].arxiv_id}"
    assert first.published_at == PAPERS[0].published and first.year == 2019
    assert first.title == PAPERS[0].title and first.kind == "paper"
    assert first.raw and first.raw["primary_category"] == "cs.CV"
    assert first.raw["version"] == f"v{PAPERS[0].version}"


def test_old_style_ids_keep_their_archive() -> None:
    old = FakePaper(
        "astro-ph/0601001",
        2,
        "An old paper",
        "x",
        datetime(2006, 1, 1, tzinfo=UTC),
        ("A",),
        ("astro-ph",),
    )
    item = parse_feed(atom_feed([old], 1, 0)).items[0]
    assert item.platform_id == "astro-ph/0601001" and item.year == 2006


def test_error_feed_is_a_clear_source_error() -> None:
    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        "<id>https://arxiv.org/api/errors#incorrect_id_format_for_abc</id><title>Error</title>"
        "<summary>incorrect id format for abc</summary></entry></feed>"
    )
    with pytest.raises(SourceError, match="incorrect id format for abc") as info:
        parse_feed(body)
    assert info.value.exit_code == ExitCode.SOURCE


def test_truncated_feed_is_retryable() -> None:
    with pytest.raises(Retryable):
        parse_feed(atom_feed(PAPERS[:3], 3, 0)[:400])


def test_search_query_names_title_abstract_and_window() -> None:
    window = Window("face swap", datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 2, 1, tzinfo=UTC))
    assert search_query(window) == (
        '(ti:"face swap" OR abs:"face swap") AND submittedDate:[202001010000 TO 202001312359]'
    )


@pytest.mark.parametrize("fault", ["429", "500", "html", "cut", "truncated", "empty"])
def test_recovers_from_each_fault(fault: str, store: Store, classifier: Classifier) -> None:
    since, until = date(2019, 1, 1), date(2019, 6, 30)
    with FakeApi(_handler(PAPERS), min_interval=INTERVAL, empty=_empty) as api:
        api.fail_next(fault, fault)
        summary = collect(
            store, _source(api), ["deepfake"], since=since, until=until, classifier=classifier
        )
    assert not api.violations
    assert {pid for pid, _, _ in _stored(store)} == _expected("deepfake", since, until)
    assert summary.counts["retries"] + summary.counts["requests"] >= 8


def test_persistent_failure_keeps_what_was_collected_and_resumes(
    store: Store, classifier: Classifier, tmp_path: Path
) -> None:
    since, until = date(2019, 1, 1), date(2019, 12, 31)
    healthy = _handler(PAPERS)
    down_after = [6]

    def flaky(request: Request) -> Reply:
        if len(api.requests) > down_after[0]:
            return Reply(500, "down")
        return healthy(request)

    with FakeApi(flaky, min_interval=INTERVAL) as api:
        with pytest.raises(SourceError, match="kept failing after 3 attempts") as info:
            collect(
                store,
                _source(api, attempts=3),
                ["deepfake"],
                since=since,
                until=until,
                classifier=classifier,
            )
        assert info.value.exit_code == ExitCode.SOURCE
        partial = _stored(store)
        assert 0 < len(partial) < len(_expected("deepfake", since, until))
        down_after[0] = 10**9
        resumed = collect(
            store, _source(api), ["deepfake"], since=since, until=until, classifier=classifier
        )
    assert resumed.resumed and not api.violations
    fresh = Store.open(f"sqlite:///{tmp_path / 'fresh.db'}")
    with FakeApi(healthy, min_interval=INTERVAL) as other:
        collect(
            fresh, _source(other), ["deepfake"], since=since, until=until, classifier=classifier
        )
    assert _stored(fresh) == _stored(store)
    with store.reading() as conn:
        assert conn.execute(select(func.count()).select_from(ITEMS)).scalar_one() == len(
            _expected("deepfake", since, until)
        )


def _month(year: int, month: int) -> tuple[datetime, datetime]:
    return datetime(year, month, 1, tzinfo=UTC), datetime(year, month + 1, 1, tzinfo=UTC)


def test_a_window_over_the_cap_is_halved_until_it_fits(
    store: Store, classifier: Classifier
) -> None:
    dense = fake_papers(40, datetime(2020, 3, 1, tzinfo=UTC))
    dense = [
        FakePaper(
            p.arxiv_id,
            1,
            f"deepfake {i}",
            "",
            datetime(2020, 3, 1 + i % 28, i % 24, tzinfo=UTC),
            ("A",),
            ("cs.CV",),
        )
        for i, p in enumerate(dense)
    ]
    with FakeApi(_handler(dense), min_interval=0.0) as api:
        source = ArxivSource(base_url=f"{api.url}/q", interval=0.0)
        source.page_size = 4
        source.cap = 12  # type: ignore[misc]
        summary = collect(
            store,
            source,
            ["deepfake"],
            since=date(2020, 3, 1),
            until=date(2020, 3, 31),
            classifier=classifier,
        )
    assert summary.counts["new"] == len({p.arxiv_id for p in dense}) == 40
    with store.reading() as conn:
        log = conn.execute(select(RUNS.c.log).where(RUNS.c.id == summary.run_id)).scalar_one()
    assert any(r["action"] == "split" for r in log)
    assert all(r["total"] <= 12 for r in log if r["action"] == "done")


def test_pacing_honours_the_published_three_seconds_without_waiting() -> None:
    now = [0.0]
    starts: list[float] = []

    def handle(request: httpx.Request) -> httpx.Response:
        starts.append(now[0])
        return httpx.Response(200, text=arxiv_answer(PAPERS, dict(request.url.params)))

    def sleep(seconds: float) -> None:
        now[0] += seconds

    source = ArxivSource(client=httpx.Client(transport=httpx.MockTransport(handle)))
    fetcher = source._fetcher()
    fetcher.clock, fetcher.sleep = (lambda: now[0]), sleep
    query = CollectQuery(("deepfake",), date(2019, 1, 1), date(2019, 6, 30)).text()
    list(source.fetch_iter(query))
    gaps = [b - a for a, b in pairwise(starts)]
    assert len(starts) == 6 and min(gaps) >= 3.0


def test_retry_after_is_obeyed() -> None:
    now = [0.0]
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, text=atom_feed([], 0, 0)),
        ]
    )
    source = ArxivSource(
        client=httpx.Client(transport=httpx.MockTransport(lambda r: next(answers)))
    )
    fetcher = source._fetcher()
    waits: list[float] = []
    fetcher.clock = lambda: now[0]
    fetcher.sleep = lambda s: (waits.append(s), now.__setitem__(0, now[0] + s))  # type: ignore[func-returns-value]
    source.page(Window("x", *_month(2020, 1)), None)
    assert waits == pytest.approx([3.01, 7.0]) and fetcher.stats.retries == 1  # first: 1 interval

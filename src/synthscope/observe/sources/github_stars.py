"""Star histories of GitHub repositories, from the dates their stargazers starred them.

Query: the terms of an ``observe collect`` run name the repositories, each ``owner/repo`` (or a
``https://github.com/owner/repo`` URL), or ``top:N`` for the N GitHub repositories with the most
stars in the store (resolved once when the run starts and kept in its checkpoint, so a resumed run
reads the same list). ``--since``/``--until`` do not apply: a star count is cumulative from the
repository's creation.

Per repository, ``/repos/O/R`` gives the current star count (stored as today's observation), then
``/repos/O/R/stargazers?per_page=100`` with ``Accept: application/vnd.github.star+json`` lists
stargazers oldest first with ``starred_at``. The k-th entry of page p is star number
``100*(p-1)+k``, so every page is a checkpoint and needs no earlier page: each day's count is
written as a snapshot at the time of that day's last star (a day that continues on the next page is
written from there). Users who removed their star are not listed, so the series counts today's
stargazers, as every star-history tool does.

The list stops at page 400 (40,000 stars; later pages answer 422). Past that, the fallback is the
one star-history.com uses: ``samples`` pages spread evenly over pages 1-400, each giving two
exact points (its first ``starred_at`` against ``100*(p-1)+1``, and its last), plus today's
total. The run's log says so for each such repository: exact at the sampled points up to star
40,000, nothing dated after it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from synthscope.config import Settings
from synthscope.errors import InputError, UsageError
from synthscope.observe.items import Item
from synthscope.observe.normalize import identify
from synthscope.observe.sources._github import GithubApi, read_json, repo_item, stargazer_times
from synthscope.observe.sources._http import FetchStats
from synthscope.observe.sources._windowed import CollectQuery, Page, Window
from synthscope.observe.sources.base import Batch, Checkpoint, Source

STAR_MEDIA_TYPE = "application/vnd.github.star+json"
Point = tuple[datetime, dict[str, int]]


@dataclass(slots=True)
class _Stars:
    """Where a star-history run stands: the repositories, the current one and its page plan."""

    repos: list[str]
    index: int = 0
    key: str | None = None
    total: int = 0
    mode: str = "exact"
    pages: list[int] = field(default_factory=list)
    at: int = 0
    dated: int = 0

    @classmethod
    def load(cls, checkpoint: Checkpoint) -> _Stars:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in checkpoint.items() if k in names})

    def dump(self) -> Checkpoint:
        return dataclasses.asdict(self)

    def next_repo(self) -> None:
        self.index += 1
        self.key, self.total, self.mode, self.pages, self.at, self.dated = (
            None,
            0,
            "exact",
            [],
            0,
            0,
        )


class GithubStarsSource(GithubApi):
    """Cumulative daily star counts of named repositories (or the store's top N)."""

    default_keywords: ClassVar[str] = "research"
    default_interval: ClassVar[float] = 0.72  # core limit: 5,000 requests an hour with a token
    anonymous_interval: ClassVar[float] = 60.0  # 60 an hour without
    page_cap: int = 400  # the stargazers list answers 422 past this page
    page_size: int = 100
    samples: int = 30

    def __init__(self, *, store_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store_url = store_url

    @classmethod
    def paced_interval(cls, has_token: bool) -> float:
        return cls.default_interval if has_token else cls.anonymous_interval

    @classmethod
    def settings_kwargs(cls, settings: Settings) -> dict[str, Any]:
        kwargs = super().settings_kwargs(settings)
        kwargs["interval"] = None  # SYNTHSCOPE_GITHUB_INTERVAL paces the search API
        kwargs["store_url"] = settings.database_url
        return kwargs

    def page(self, window: Window, cursor: Any) -> Page:
        """Not used: this source walks repositories and stargazer pages, not date windows.

        Raises:
            NotImplementedError: always (:meth:`fetch_iter` is the entry point).
        """
        raise NotImplementedError("github-stars pages by repository, see fetch_iter")

    def fetch_iter(self, query: str, checkpoint: Checkpoint | None = None) -> Iterator[Batch]:
        if checkpoint:
            state = _Stars.load(checkpoint)
        else:
            state = _Stars(self.resolve(CollectQuery.parse(query).terms))
        seen = dataclasses.replace(self.fetch_stats())
        while state.index < len(state.repos):
            item = self._plan(state) if state.key is None else self._read_page(state)
            if item is None:  # the repository is gone: say so and go on with the next
                yield self._batch(state, None, self._missing(state), seen)
                seen = dataclasses.replace(self.fetch_stats())
                continue
            done = state.key is not None and state.at >= len(state.pages)
            log = self._finish(state) if done else []
            yield self._batch(state, item, log, seen)
            seen = dataclasses.replace(self.fetch_stats())

    def _batch(
        self, state: _Stars, item: Item | None, log: list[dict[str, Any]], seen: FetchStats
    ) -> Batch:
        stats = self.fetch_stats()
        return Batch(
            [item] if item is not None else [],
            state.dump(),
            read=1,
            log=log,
            counts={
                "requests": stats.requests - seen.requests,
                "retries": stats.retries - seen.retries,
                "rate_waits": stats.waits - seen.waits,
            },
            progress={
                "windows_done": state.index,
                "windows_total": len(state.repos),
                "requests": stats.requests,
                "waits": stats.waits,
            },
        )

    def resolve(self, terms: tuple[str, ...]) -> list[str]:
        """``owner/repo`` names for the query's terms (``top:N`` read from the store).

        Raises:
            UsageError: a term that is neither a repository nor ``top:N``, or ``top:N`` with no
                store configured.
            StorageError: the store cannot be read.
        """
        repos: list[str] = []
        for term in terms:
            repos.extend(self._top(term) if term.lower().startswith("top:") else [_repo(term)])
        return list(dict.fromkeys(repos))

    def _top(self, term: str) -> list[str]:
        count = term.split(":", 1)[1].strip()
        if not count.isdigit() or int(count) < 1:
            raise UsageError(
                f"{term!r}: write top:N with a positive N.",
                zh=f"{term!r}：请写作 top:N（N 为正整数）。",
            )
        if not self.store_url:
            raise UsageError("top:N needs a store to read.", zh="top:N 需要可读取的数据库。")
        from synthscope.store import Store
        from synthscope.store.queries import top_repos_by_stars

        store = Store.open(self.store_url)
        try:
            with store.reading() as conn:
                keys = top_repos_by_stars(conn, 10 * int(count))
        finally:
            store.close()
        return [k.split(":", 1)[1] for k in keys if k.startswith("github:")][: int(count)]

    def _plan(self, state: _Stars) -> Item | None:
        repo = state.repos[state.index]
        observed_at = self.now()
        item: Item | None = self._fetcher().get(
            f"{self.root()}/repos/{repo}",
            lambda r: None if r.status_code == 404 else repo_item(read_json(r), observed_at),
            headers=self.headers(),
            accept=(404,),
        )
        if item is None:
            return None
        state.key, state.total = item.platform_id, item.metrics.get("stars", 0)
        reachable = self.page_cap * self.page_size
        if state.total <= reachable:
            state.pages = list(range(1, -(-state.total // self.page_size) + 1))
        else:
            state.mode, state.pages = "sampled", sample_pages(self.page_cap, self.samples)
        return item

    def _read_page(self, state: _Stars) -> Item:
        number = state.pages[state.at]
        times: list[datetime] = self._fetcher().get(
            f"{self.root()}/repos/{state.repos[state.index]}/stargazers",
            lambda r: stargazer_times(read_json(r)),
            params={"per_page": self.page_size, "page": number},
            headers=self.headers(STAR_MEDIA_TYPE),
        )
        state.at += 1
        final = state.at >= len(state.pages) or len(times) < self.page_size
        if final and state.mode == "exact":
            state.at = len(state.pages)
        offset = (number - 1) * self.page_size
        if state.mode == "exact":
            points = daily_points(times, offset, final)
        else:
            points = sampled_points(times, offset)
        state.dated += len(times)
        key = state.key or ""
        return Item(
            "github", key, "repo", identify(f"https://github.com/{key}").url, history=tuple(points)
        )

    def _missing(self, state: _Stars) -> list[dict[str, Any]]:
        record = {
            "term": state.repos[state.index],
            "repo": None,
            "total": 0,
            "fetched": 0,
            "action": "done",
            "at": self.now().isoformat(timespec="seconds"),
            "notes": ["missing: GitHub answered 404 (repository deleted, renamed or private)"],
        }
        state.next_repo()
        return [record]

    def _finish(self, state: _Stars) -> list[dict[str, Any]]:
        record = {
            "term": state.repos[state.index],
            "repo": state.key,
            "total": state.total,
            "fetched": state.dated,
            "pages": len(state.pages),
            "mode": state.mode,
            "action": "done",
            "at": self.now().isoformat(timespec="seconds"),
            "exactness": self._exactness(state),
            # Notes are what a report counts as incomplete: only the sampled fallback is.
            "notes": [self._exactness(state)] if state.mode == "sampled" else [],
        }
        state.next_repo()
        return [record]

    def _exactness(self, state: _Stars) -> str:
        if state.mode == "exact":
            return f"exact: all {state.dated} stargazers dated, one point per day"
        reachable = self.page_cap * self.page_size
        return (
            f"sampled: {state.total} stars exceed the {reachable} the stargazers list reaches; "
            f"{len(state.pages)} evenly spaced pages of {self.page_cap} read, each count exact at "
            f"its dated point up to star {reachable}; the {state.total - reachable} later stars "
            "are undated (only today's total is known)"
        )

    @classmethod
    def examples(cls) -> list[tuple[Source, str]]:
        from synthscope.observe.sources._examples_github import github_stars_example

        return [github_stars_example()]


def daily_points(times: list[datetime], offset: int, final: bool) -> list[Point]:
    """One ``(time of the day's last star, {"stars": count})`` per day of one page.

    The page's last day is left out unless ``final``: it may go on with the next page.
    """
    last: dict[Any, Point] = {}
    for number, when in enumerate(times, offset + 1):
        last[when.date()] = (when, {"stars": number})
    days = list(last.values())
    return days if final or not days else days[:-1]


def sampled_points(times: list[datetime], offset: int) -> list[Point]:
    """The exact counts at the first and last star of one sampled page."""
    ends = {0, len(times) - 1} if times else set()
    return [(times[i], {"stars": offset + i + 1}) for i in sorted(ends)]


def sample_pages(cap: int, samples: int) -> list[int]:
    """``samples`` page numbers spread evenly over 1..``cap`` (both ends included)."""
    if samples <= 1 or cap <= 1:
        return [1]
    return sorted({1 + round(k * (cap - 1) / (samples - 1)) for k in range(samples)})


def _repo(term: str) -> str:
    text = term.strip()
    url = text if "://" in text else f"https://github.com/{text.removeprefix('github.com/')}"
    try:
        identity = identify(url)
    except InputError:
        identity = None
    if identity is None or identity.platform != "github" or identity.platform_id.count("/") != 1:
        raise UsageError(
            f"github-stars takes repositories (owner/repo) or top:N, not {term!r}.",
            zh=f"github-stars 只接受仓库（owner/repo）或 top:N，而不是 {term!r}。",
        )
    return identity.platform_id

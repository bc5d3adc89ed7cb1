"""Keyword searches sliced into date windows: the shape every live collector shares.

Search APIs cap what one query returns (arXiv 30,000, GitHub 1,000, YouTube about 500) and limit
how far back a query may reach (TikTok 30 days). A collection over years is therefore planned as
terms x date windows; a window whose result count passes the source's cap is halved until it fits
(down to the source's smallest window, after which the cap is recorded in the run's log rather
than silently hidden). Pages within a window are followed by a source-specific cursor.

The checkpoint after every page names the planned window, the halves still pending and the
cursor, so a killed run resumes at the next page it had not stored.
"""

from __future__ import annotations

import dataclasses
import json
from abc import abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any, ClassVar, Self

import httpx

from synthscope.config import Settings
from synthscope.errors import RecordError, UsageError
from synthscope.observe.items import Item
from synthscope.observe.sources._http import Fetcher, FetchStats
from synthscope.observe.sources.base import Batch, Checkpoint, Source


@dataclass(frozen=True)
class CollectQuery:
    """What to collect: search terms and an inclusive range of publication dates."""

    terms: tuple[str, ...]
    since: date
    until: date

    def text(self) -> str:
        """The query as stored with its run (a resumed run must ask exactly the same)."""
        return json.dumps(
            {"terms": list(self.terms), "since": str(self.since), "until": str(self.until)},
            ensure_ascii=False,
        )

    @classmethod
    def parse(cls, text: str) -> CollectQuery:
        """Read :meth:`text` back.

        Raises:
            UsageError: not a collect query, no terms, or since after until.
        """
        try:
            raw = json.loads(text)
            query = cls(
                tuple(str(t) for t in raw["terms"]),
                date.fromisoformat(raw["since"]),
                date.fromisoformat(raw["until"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(
                f"Not a collect query: {text!r}.", zh=f"不是有效的采集查询：{text!r}。"
            ) from exc
        if not query.terms:
            raise UsageError("Give at least one search term.", zh="请至少给出一个检索词。")
        if query.since > query.until:
            raise UsageError(
                f"--since {query.since} is after --until {query.until}.",
                zh=f"--since {query.since} 晚于 --until {query.until}。",
            )
        return query


@dataclass(frozen=True)
class Window:
    """One term over ``[start, end)`` (UTC)."""

    term: str
    start: datetime
    end: datetime

    def halves(self, smallest: timedelta) -> tuple[Window, Window] | None:
        """The window cut in two at a whole second, or None when a half would be too small."""
        span = self.end - self.start
        if span / 2 < smallest:
            return None
        middle = self.start + timedelta(seconds=int(span.total_seconds() // 2))
        return Window(self.term, self.start, middle), Window(self.term, middle, self.end)

    def to_json(self) -> list[str]:
        return [self.term, self.start.isoformat(), self.end.isoformat()]

    @classmethod
    def from_json(cls, raw: list[str]) -> Window:
        return cls(raw[0], datetime.fromisoformat(raw[1]), datetime.fromisoformat(raw[2]))


@dataclass(slots=True)
class Page:
    """One answer of a search: its items, the window's result count and the next cursor."""

    items: list[Item]
    total: int | None = None
    next: Any = None
    skipped: list[RecordError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def plan_windows(query: CollectQuery, span: str | timedelta) -> list[Window]:
    """Terms x windows covering ``since`` to the end of ``until``, term by term.

    ``span`` is "year", "month" or a fixed length (TikTok's 30 days).
    """
    start = datetime(query.since.year, query.since.month, query.since.day, tzinfo=UTC)
    stop = datetime(query.until.year, query.until.month, query.until.day, tzinfo=UTC)
    stop += timedelta(days=1)
    cuts = [start]
    while cuts[-1] < stop:
        cuts.append(min(_next_cut(cuts[-1], span), stop))
    return [Window(t, a, b) for t in query.terms for a, b in pairwise(cuts)]


def _next_cut(moment: datetime, span: str | timedelta) -> datetime:
    if isinstance(span, timedelta):
        return moment + span
    if span == "year":
        return datetime(moment.year + 1, 1, 1, tzinfo=UTC)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


class WindowedSource(Source):
    """A keyword search over date windows; subclasses say how to fetch one page.

    Why this shape: slicing, splitting, paging and checkpointing are the same for every search API;
    what differs is the request and the parsing, which is all a subclass writes (:meth:`page`).
    """

    span: ClassVar[str | timedelta] = "month"
    cap: ClassVar[int | None] = None
    smallest: ClassVar[timedelta] = timedelta(hours=1)
    default_keywords: ClassVar[str] = "research"
    term_languages: ClassVar[tuple[str, ...]] = ("en",)
    default_base_url: ClassVar[str]
    default_interval: ClassVar[float]

    def __init__(
        self,
        *,
        client: httpx.Client | None = None,
        base_url: str | None = None,
        interval: float | None = None,
        attempts: int = 5,
        backoff: float = 2.0,
        fetcher: Fetcher | None = None,
    ) -> None:
        self.client = client
        self.base_url = base_url
        self.interval = interval
        self.attempts = attempts
        self.backoff = backoff
        self.fetcher = fetcher

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """The source configured from settings: base URL, pacing, retries and credentials."""
        return cls(**cls.settings_kwargs(settings))

    @classmethod
    def settings_kwargs(cls, settings: Settings) -> dict[str, Any]:
        """Constructor arguments from ``SYNTHSCOPE_<NAME>_BASE_URL`` / ``_INTERVAL`` and
        ``SYNTHSCOPE_HTTP_ATTEMPTS`` / ``_BACKOFF``; sources with credentials add theirs."""
        return {
            "base_url": getattr(settings, f"{cls.name}_base_url", None),
            "interval": getattr(settings, f"{cls.name}_interval", None),
            "attempts": settings.http_attempts,
            "backoff": settings.http_backoff,
        }

    def root(self) -> str:
        """The API's base URL (the setting, else the public service)."""
        return (self.base_url or self.default_base_url).rstrip("/")

    def _fetcher(self) -> Fetcher:
        if self.fetcher is None:
            client = self.client or httpx.Client(timeout=60.0, follow_redirects=True)
            interval = self.default_interval if self.interval is None else self.interval
            self.fetcher = Fetcher(
                self.name,
                client,
                interval=interval,
                attempts=self.attempts,
                backoff=self.backoff,
                rate_wait=self.rate_wait,
            )
        return self.fetcher

    def fetch_stats(self) -> FetchStats:
        """The request counters of this source's fetcher."""
        return self._fetcher().stats

    def rate_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait when ``response`` says the rate limit is spent (None: it does not).

        The default knows only 429/``Retry-After`` (handled by the fetcher); GitHub overrides it.
        """
        return None

    @abstractmethod
    def page(self, window: Window, cursor: Any) -> Page:
        """Fetch the page of ``window`` at ``cursor`` (None: the first page).

        Raises:
            SourceError: the source cannot be reached or keeps failing.
        """

    def fetch_iter(self, query: str, checkpoint: Checkpoint | None = None) -> Iterator[Batch]:
        plan = plan_windows(CollectQuery.parse(query), self.span)
        state = _State.load(checkpoint)
        seen = dataclasses.replace(self.fetch_stats())
        while state.planned < len(plan):
            queue = state.queue or [plan[state.planned]]
            window = queue[0]
            page = self.page(window, state.cursor)
            log = self._advance(state, queue, window, page)
            stats = self.fetch_stats()
            yield Batch(
                page.items if log.get("action") != "split" else [],
                state.dump(),
                skipped=page.skipped,
                read=len(page.items) + len(page.skipped),
                log=[log] if log else [],
                counts=_delta(stats, seen),
                progress={
                    "windows_done": state.planned,
                    "windows_total": len(plan),
                    "windows_pending": len(state.queue),
                    "requests": stats.requests,
                    "waits": stats.waits,
                },
            )
            seen = dataclasses.replace(stats)

    def _advance(
        self, state: _State, queue: list[Window], window: Window, page: Page
    ) -> dict[str, Any]:
        first = state.cursor is None
        if first and self.cap is not None and page.total is not None and page.total > self.cap:
            halves = window.halves(self.smallest)
            if halves is not None:
                state.queue = [*halves, *queue[1:]]
                return _record(window, page, "split", 0)
            page.notes.append(f"capped: {page.total} results, at most {self.cap} reachable")
        state.fetched += len(page.items)
        if page.next is not None:
            state.queue, state.cursor = queue, page.next
            state.notes.extend(page.notes)
            return {}
        page.notes[:0] = state.notes
        record = _record(window, page, "done", state.fetched)
        state.finish_window(queue)
        return record


@dataclass(slots=True)
class _State:
    planned: int = 0
    queue: list[Window] = field(default_factory=list)
    cursor: Any = None
    fetched: int = 0
    notes: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, checkpoint: Checkpoint | None) -> _State:
        if not checkpoint:
            return cls()
        return cls(
            int(checkpoint["planned"]),
            [Window.from_json(w) for w in checkpoint.get("queue", [])],
            checkpoint.get("cursor"),
            int(checkpoint.get("fetched", 0)),
            list(checkpoint.get("notes", [])),
        )

    def dump(self) -> Checkpoint:
        return {
            "planned": self.planned,
            "queue": [w.to_json() for w in self.queue],
            "cursor": self.cursor,
            "fetched": self.fetched,
            "notes": self.notes,
        }

    def finish_window(self, queue: list[Window]) -> None:
        self.queue = queue[1:]
        self.cursor, self.fetched, self.notes = None, 0, []
        if not self.queue:
            self.planned += 1


def _record(window: Window, page: Page, action: str, fetched: int) -> dict[str, Any]:
    return {
        "term": window.term,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "total": page.total,
        "fetched": fetched,
        "action": action,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "notes": list(page.notes),
    }


def _delta(now: FetchStats, before: FetchStats) -> dict[str, int]:
    return {
        "requests": now.requests - before.requests,
        "retries": now.retries - before.retries,
        "rate_waits": now.waits - before.waits,
    }

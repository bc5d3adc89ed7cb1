"""The YouTube Data API v3 source: videos whose metadata matches a term, by month of publication.

Each page is two calls: ``search.list`` (``type=video``, ``publishedAfter``/``publishedBefore``,
50 ids a page) and ``videos.list`` for those ids' snippets and statistics. Search stops near 500
results per query whatever ``totalResults`` says, so a window reporting more is halved (its page
is not kept). YouTube gives no share count: ``shares`` is never set, and a hidden like or comment
count is missing too, never 0.

Quota, not speed, is what limits this API: a project gets 10,000 units a day by default, a
search call costs 100 and a videos call 1, so about 99 pages a day. The units each page used are
added to the run's counters (``quota_units``). When the quota is spent the API answers 403
``quotaExceeded``; the run stops with a clear message and the same command resumes it after the
reset (midnight Pacific time). The per-minute limits (far above one request a second) never bind
at the default pace of one request a second, which stays polite on the shared key.

The API key comes from ``SYNTHSCOPE_YOUTUBE_API_KEY`` and travels as the ``key`` query parameter,
which the fetcher redacts from every message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

import httpx

from synthscope.config import Settings
from synthscope.errors import InputError, RecordError, SourceError, UsageError
from synthscope.observe.items import Item
from synthscope.observe.normalize import identify
from synthscope.observe.sources._http import Parse, Retryable, retry_after
from synthscope.observe.sources._jsonapi import counts, json_object, mapping, parse_time, rfc3339
from synthscope.observe.sources._jsonapi import text as clean
from synthscope.observe.sources._rows import item_year
from synthscope.observe.sources._windowed import Page, Window, WindowedSource
from synthscope.observe.sources.base import Batch, Checkpoint, Source

KEY_ENV = "SYNTHSCOPE_YOUTUBE_API_KEY"
SEARCH_UNITS, VIDEOS_UNITS = 100, 1  # quota cost of search.list and videos.list
_METRICS = {
    "plays": "viewCount",
    "likes": "likeCount",
    "favorites": "favoriteCount",
    "comments": "commentCount",
}
_RAW = ("channelId", "categoryId", "tags", "defaultLanguage", "defaultAudioLanguage")
_QUOTA_SPENT = frozenset({"quotaExceeded", "dailyLimitExceeded"})
_SLOW_DOWN = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
# YouTube's video category ids (videoCategories.list, region US) -> names the classifier knows.
CATEGORY_NAMES: dict[str, str] = {
    "1": "Film & Animation", "2": "Autos & Vehicles", "10": "Music", "15": "Pets & Animals",
    "17": "Sports", "18": "Short Movies", "19": "Travel & Events", "20": "Gaming",
    "21": "Videoblogging", "22": "People & Blogs", "23": "Comedy", "24": "Entertainment",
    "25": "News & Politics", "26": "Howto & Style", "27": "Education",
    "28": "Science & Technology", "29": "Nonprofits & Activism", "30": "Movies",
    "31": "Anime/Animation", "32": "Action/Adventure", "33": "Classics", "34": "Comedy",
    "35": "Documentary", "36": "Drama", "37": "Family", "38": "Foreign", "39": "Horror",
    "40": "Sci-Fi/Fantasy", "41": "Thriller", "42": "Shorts", "43": "Shows", "44": "Trailers",
}  # fmt: skip


@dataclass(slots=True)
class SearchPage:
    """One ``search.list`` answer: video ids, the (approximate) total and the next page token."""

    ids: list[str]
    total: int | None
    next_token: str | None


@dataclass(slots=True)
class Videos:
    """One ``videos.list`` answer as items, and the resources that could not be read."""

    items: list[Item] = field(default_factory=list)
    skipped: list[RecordError] = field(default_factory=list)


class YoutubeSource(WindowedSource):
    """YouTube videos matching a term, by month of publication, with their current statistics."""

    span: ClassVar[str | timedelta] = "month"
    cap: ClassVar[int | None] = 500
    smallest: ClassVar[timedelta] = timedelta(hours=1)
    default_keywords: ClassVar[str] = "content"
    term_languages: ClassVar[tuple[str, ...]] = ("en", "zh")
    default_base_url: ClassVar[str] = "https://www.googleapis.com/youtube/v3"
    default_interval: ClassVar[float] = 1.0
    page_size: int = 50

    def __init__(self, *, api_key: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key
        self.quota_units = 0  # units spent since the last batch was handed out

    @classmethod
    def settings_kwargs(cls, settings: Settings) -> dict[str, Any]:
        """The shared settings plus the API key.

        Raises:
            UsageError: ``SYNTHSCOPE_YOUTUBE_API_KEY`` is not set.
        """
        key = settings.youtube_api_key.get_secret_value() if settings.youtube_api_key else ""
        if not key.strip():
            raise missing_key()
        return {**super().settings_kwargs(settings), "api_key": key.strip()}

    def fetch_iter(self, query: str, checkpoint: Checkpoint | None = None) -> Iterator[Batch]:
        self.quota_units = 0
        for batch in super().fetch_iter(query, checkpoint):
            batch.counts["quota_units"] = self.quota_units
            self.quota_units = 0
            yield batch

    def page(self, window: Window, cursor: Any) -> Page:
        found: SearchPage = self._call("search", self._search_params(window, cursor), parse_search)
        videos = Videos()
        if found.ids:
            params = {"part": "snippet,statistics", "id": ",".join(found.ids), "key": self._key()}
            videos = self._call("videos", params, parse_videos)
        notes = []
        missing = len(found.ids) - len(videos.items) - len(videos.skipped)
        if missing > 0:
            notes.append(f"{missing} of {len(found.ids)} videos unavailable (private or deleted)")
        following = found.next_token if found.next_token != cursor else None
        return Page(videos.items, found.total, following, videos.skipped, notes)

    def _search_params(self, window: Window, cursor: Any) -> dict[str, Any]:
        params: dict[str, Any] = {
            "part": "id",
            "type": "video",
            "q": window.term,
            "publishedAfter": rfc3339(window.start),
            # Both bounds are inclusive: stop a second early so windows never overlap.
            "publishedBefore": rfc3339(window.end - timedelta(seconds=1)),
            "maxResults": self.page_size,
            "key": self._key(),
        }
        if cursor:
            params["pageToken"] = str(cursor)
        return params

    def _call(self, endpoint: str, params: dict[str, Any], parse: Parse) -> Any:
        fetcher = self._fetcher()
        before = fetcher.stats.requests
        try:
            return fetcher.get(f"{self.root()}/{endpoint}", parse, params=params)
        finally:
            cost = SEARCH_UNITS if endpoint == "search" else VIDEOS_UNITS
            self.quota_units += cost * (fetcher.stats.requests - before)

    def _key(self) -> str:
        if not self.api_key:
            raise missing_key()
        return self.api_key

    def rate_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait on a 403 ``rateLimitExceeded``; a spent daily quota stops the run.

        Raises:
            SourceError: the daily quota is spent (403 ``quotaExceeded``).
        """
        if response.status_code not in (403, 429):
            return None
        reasons = error_reasons(response)
        if reasons & _QUOTA_SPENT:
            raise quota_spent()
        if reasons & _SLOW_DOWN:
            return retry_after(response) or max(self.backoff, 1.0)
        return None

    @classmethod
    def examples(cls) -> list[tuple[Source, str]]:
        from synthscope.observe.sources._examples_youtube import youtube_example

        return [youtube_example()]


def missing_key() -> UsageError:
    """The error for a missing API key."""
    return UsageError(
        f"youtube needs an API key: set {KEY_ENV}.",
        zh=f"youtube 需要 API 密钥：请设置环境变量 {KEY_ENV}。",
    )


def quota_spent() -> SourceError:
    """The error for a spent daily quota."""
    return SourceError(
        "youtube: the daily API quota is spent (it resets at midnight Pacific time); run the same "
        "command again tomorrow to resume where this run stopped.",
        zh="youtube：今日 API 配额已用完（太平洋时间午夜重置）；请明天重新运行同一命令，"
        "从中断处继续。",
    )


def error_reasons(response: httpx.Response) -> set[str]:
    """The ``reason`` fields of a Google API error answer (empty when there are none)."""
    try:
        data = response.json()
    except ValueError:
        return set()
    errors = mapping(mapping(data).get("error")).get("errors")
    if not isinstance(errors, list):
        return set()
    return {str(e["reason"]) for e in errors if isinstance(e, dict) and e.get("reason")}


def parse_search(response: httpx.Response) -> SearchPage:
    """Video ids, total and next page token of a ``search.list`` answer.

    Raises:
        Retryable: an HTML page, an empty, truncated or malformed body, or no ``items`` list.
    """
    data = json_object(response)
    results = _items_list(data)
    ids = [str(mapping(r.get("id")).get("videoId") or "") for r in results if isinstance(r, dict)]
    total = mapping(data.get("pageInfo")).get("totalResults")
    token = data.get("nextPageToken")
    return SearchPage(
        [i for i in ids if i],
        total if isinstance(total, int) else None,
        token if isinstance(token, str) and token else None,
    )


def parse_videos(response: httpx.Response) -> Videos:
    """The video resources of a ``videos.list`` answer as items.

    Raises:
        Retryable: as :func:`parse_search`.
    """
    found = Videos()
    for number, resource in enumerate(_items_list(json_object(response)), 1):
        try:
            found.items.append(video_item(mapping(resource)))
        except InputError as exc:
            found.skipped.append(
                RecordError(str(exc), file="youtube", row=number, zh=exc.localized("zh"))
            )
    return found


def _items_list(data: dict[str, Any]) -> list[Any]:
    # YouTube leaves out an empty "items" on some answers; anything without "kind" is not YouTube.
    results = data.get("items", [] if "kind" in data else None)
    if not isinstance(results, list):
        raise Retryable("an answer without an items list")
    return results


def video_item(resource: dict[str, Any]) -> Item:
    """One ``videos.list`` resource as a video Item.

    Raises:
        InputError: the resource has no usable id or publication time.
    """
    video_id = str(resource.get("id") or "")
    identity = identify(f"https://www.youtube.com/watch?v={video_id}")
    if identity.platform != "youtube":
        raise InputError(f"not a YouTube video id: {video_id!r}")
    snippet = mapping(resource.get("snippet"))
    published = parse_time(snippet.get("publishedAt"))
    category = snippet.get("categoryId")
    raw = {k: snippet[k] for k in _RAW if snippet.get(k)}
    return Item(
        platform="youtube",
        platform_id=identity.platform_id,
        kind="video",
        url=identity.url,
        title=clean(snippet.get("title")),
        text=clean(snippet.get("description")),
        author=clean(snippet.get("channelTitle")),
        published_at=published,
        year=item_year(identity, published),
        platform_category=CATEGORY_NAMES.get(str(category)) if category else None,
        metrics=counts(mapping(resource.get("statistics")), _METRICS),
        raw=raw or None,
    )

"""What the GitHub sources share: credentials, rate-limit answers and the JSON parsers.

GitHub signals a spent limit in three ways (REST docs, "Rate limits for the REST API"): a 403 or
429 with ``X-RateLimit-Remaining: 0`` (wait until the epoch second in ``X-RateLimit-Reset``), a
``Retry-After`` header (secondary limits), or a 403/429 whose message mentions a secondary rate
limit and carries neither header (wait at least a minute). :meth:`GithubApi.rate_wait` turns each
into the number of seconds the fetcher waits before it asks again.

The token (``SYNTHSCOPE_GITHUB_TOKEN``) travels only in the ``Authorization`` header, which the
fetcher never logs or puts in an error message.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from synthscope.config import Settings
from synthscope.errors import InputError, RecordError, SourceError
from synthscope.observe.items import Item
from synthscope.observe.normalize import identify
from synthscope.observe.sources._http import Retryable, looks_like_html
from synthscope.observe.sources._rows import item_year
from synthscope.observe.sources._windowed import WindowedSource

API_VERSION = "2022-11-28"
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class GithubApi(WindowedSource):
    """A GitHub REST source: token, headers, rate-limit waits (abstract; not registered)."""

    default_base_url: ClassVar[str] = "https://api.github.com"
    accept: ClassVar[str] = "application/vnd.github+json"

    def __init__(
        self,
        *,
        token: str | None = None,
        secondary_wait: float = 60.0,
        now: Clock = utc_now,
        wall: Callable[[], float] = time.time,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._token = token or None
        self.secondary_wait = secondary_wait
        self.now = now
        self.wall = wall
        if self.interval is None:
            self.interval = self.paced_interval(self._token is not None)

    @classmethod
    def paced_interval(cls, has_token: bool) -> float:
        """Seconds between requests at the published limit, with or without a token."""
        return cls.default_interval

    @classmethod
    def settings_kwargs(cls, settings: Settings) -> dict[str, Any]:
        kwargs = super().settings_kwargs(settings)
        token = settings.github_token
        kwargs["token"] = token.get_secret_value() if token is not None else None
        kwargs["base_url"] = settings.github_base_url
        return kwargs

    def headers(self, accept: str | None = None) -> dict[str, str]:
        """Request headers: media type, API version and, when set, the bearer token."""
        headers = {"Accept": accept or self.accept, "X-GitHub-Api-Version": API_VERSION}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def rate_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait when ``response`` says a primary or secondary limit is spent."""
        if response.status_code not in (403, 429):
            return None
        after = response.headers.get("retry-after", "").strip()
        if after.isdigit():
            return float(after)
        if response.headers.get("x-ratelimit-remaining") == "0":
            reset = response.headers.get("x-ratelimit-reset", "")
            if reset.isdigit():
                return max(0.0, int(reset) - self.wall()) + 1.0
            return self.secondary_wait
        if "secondary rate limit" in response.text.lower():
            return self.secondary_wait
        return None


@dataclass(slots=True)
class SearchPage:
    """One parsed answer of ``/search/repositories``."""

    total: int
    incomplete: bool
    items: list[Item] = field(default_factory=list)
    skipped: list[RecordError] = field(default_factory=list)


def read_json(response: httpx.Response) -> Any:
    """The JSON body of ``response``.

    Raises:
        Retryable: an HTML page or a truncated or malformed body (worth asking again).
    """
    if looks_like_html(response):
        raise Retryable("an HTML page instead of JSON")
    try:
        return json.loads(response.content)
    except ValueError as exc:
        raise Retryable(f"truncated or malformed JSON ({exc})") from exc


def search_totals(data: Any) -> tuple[int, bool]:
    """``total_count`` and ``incomplete_results`` of a search answer (absent flag: False).

    Raises:
        Retryable: the answer lacks its count or item list (a cut-off body that parsed).
    """
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise Retryable("a search answer without its item list")
    total = data.get("total_count")
    if not isinstance(total, int):
        raise Retryable("a search answer without total_count")
    return total, bool(data.get("incomplete_results", False))


def search_page(data: Any, observed_at: datetime) -> SearchPage:
    """Repositories of a search answer; one that cannot be read is skipped with its reason.

    Raises:
        Retryable: as :func:`search_totals`.
    """
    total, incomplete = search_totals(data)
    page = SearchPage(total, incomplete)
    for number, raw in enumerate(data["items"], 1):
        try:
            page.items.append(repo_item(raw, observed_at))
        except InputError as exc:
            page.skipped.append(
                RecordError(str(exc), file="github", row=number, zh=exc.localized("zh"))
            )
    return page


def repo_item(raw: Any, observed_at: datetime) -> Item:
    """One repository object (search item or ``/repos/O/R``) as a repo Item.

    Raises:
        InputError: no GitHub repository URL, or an unreadable date.
    """
    if not isinstance(raw, dict):
        raise InputError(f"not a repository object: {str(raw)[:80]!r}")
    identity = identify(str(raw.get("html_url") or ""))
    if identity.platform != "github" or "/" not in identity.platform_id:
        raise InputError(f"not a GitHub repository: {raw.get('html_url')!r}")
    published = parse_time(raw.get("created_at"))
    owner = raw.get("owner")
    stars = raw.get("stargazers_count")
    return Item(
        platform="github",
        platform_id=identity.platform_id,
        kind="repo",
        url=identity.url,
        title=raw.get("full_name") or identity.platform_id,
        text=raw.get("description") or None,
        author=owner.get("login") if isinstance(owner, dict) else None,
        published_at=published,
        year=item_year(identity, published),
        metrics={"stars": stars} if isinstance(stars, int) and stars >= 0 else {},
        observed_at=observed_at,
        raw=_extra(raw),
    )


def _extra(raw: dict[str, Any]) -> dict[str, Any]:
    kept = {
        "id": raw.get("id"),
        "forks": raw.get("forks_count"),
        "language": raw.get("language"),
        "topics": raw.get("topics"),
        "fork": raw.get("fork"),
        "pushed_at": raw.get("pushed_at"),
    }
    return {k: v for k, v in kept.items() if v not in (None, [], "")}


def stargazer_times(data: Any) -> list[datetime]:
    """``starred_at`` of each stargazer on a ``star+json`` page, in the order given.

    Raises:
        Retryable: not a list (a cut-off body that parsed).
        SourceError: entries without ``starred_at`` (the star media type was not honoured).
    """
    if not isinstance(data, list):
        raise Retryable("a stargazers answer that is not a list")
    times = []
    for entry in data:
        when = parse_time(entry.get("starred_at")) if isinstance(entry, dict) else None
        if when is None:
            raise SourceError(
                "github: stargazers came without starred_at; the server ignored "
                "Accept: application/vnd.github.star+json.",
                zh="github：星标列表缺少 starred_at；服务器没有理会 "
                "Accept: application/vnd.github.star+json。",
            )
        times.append(when)
    return times


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time as GitHub writes it (``2014-02-26T17:04:22Z``), or None when absent.

    Raises:
        InputError: a value that is not such a time.
    """
    if value in (None, ""):
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"not a time: {value!r}", zh=f"不是时间：{value!r}") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)

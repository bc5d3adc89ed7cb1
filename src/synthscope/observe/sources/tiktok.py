"""The TikTok Research API source: videos whose description matches a keyword, 30 days a query.

Access is for approved researchers: a client key and secret (``SYNTHSCOPE_TIKTOK_CLIENT_KEY`` /
``_SECRET``) buy a client access token (``POST /v2/oauth/token/``, valid about two hours), which
is cached and fetched again when it is about to expire or when the API answers 401. A video query
(``POST /v2/research/video/query/``) covers at most 30 days, so collections are planned as 30-day
windows; ``end_date`` is inclusive, so a window ``[start, end)`` asks for ``start`` to the day
before ``end``. Pages hold up to 100 videos and are followed with ``cursor`` plus the
``search_id`` of the first page; both go into the checkpoint.

Every answer carries an ``error`` envelope; a code other than ``ok`` becomes a clear message
(exit 4). The binding limit is the daily quota (1,000 requests a day in TikTok's documentation),
answered with 429: the fetcher waits and retries, and when the quota stays spent the run stops
with what it collected and the same command resumes it. One request a second (the default pace)
stays far below the per-second rate TikTok's own client library uses.

``region_code`` is where the account registered, not whether the platform is domestic or
foreign: it is kept in ``raw`` and the classifier decides the item's region from the platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from synthscope.config import Settings
from synthscope.errors import InputError, RecordError, SourceError, UsageError
from synthscope.observe.items import Item
from synthscope.observe.normalize import identify
from synthscope.observe.sources._http import Retryable
from synthscope.observe.sources._jsonapi import count, counts, json_object, mapping, text
from synthscope.observe.sources._rows import item_year
from synthscope.observe.sources._windowed import Page, Window, WindowedSource
from synthscope.observe.sources.base import Source

KEY_ENV, SECRET_ENV = "SYNTHSCOPE_TIKTOK_CLIENT_KEY", "SYNTHSCOPE_TIKTOK_CLIENT_SECRET"
TOKEN_PATH, QUERY_PATH = "/v2/oauth/token/", "/v2/research/video/query/"
FIELDS = (
    "id,create_time,region_code,video_description,username,"
    "like_count,comment_count,share_count,view_count"
)
_METRICS = {
    "plays": "view_count",
    "likes": "like_count",
    "comments": "comment_count",
    "shares": "share_count",
}
_RETRYABLE_CODES = frozenset({"internal_error", "rate_limit_exceeded"})


class TokenRejected(SourceError):
    """The API refused the access token (401): fetch a new one and ask again."""


@dataclass(slots=True)
class VideoPage:
    """One video query answer: items, what could not be read, and how to go on."""

    items: list[Item] = field(default_factory=list)
    skipped: list[RecordError] = field(default_factory=list)
    cursor: int | None = None
    search_id: str | None = None
    has_more: bool = False


@dataclass(slots=True)
class Token:
    """A client access token and its lifetime in seconds."""

    value: str
    expires_in: float


class TiktokSource(WindowedSource):
    """TikTok videos whose description contains a keyword, 30 days of creation time a query."""

    span: ClassVar[str | timedelta] = timedelta(days=30)
    cap: ClassVar[int | None] = None
    default_keywords: ClassVar[str] = "content"
    term_languages: ClassVar[tuple[str, ...]] = ("en", "zh")
    default_base_url: ClassVar[str] = "https://open.tiktokapis.com"
    default_interval: ClassVar[float] = 1.0
    page_size: int = 100

    def __init__(
        self, *, client_key: str | None = None, client_secret: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.client_key = client_key
        self.client_secret = client_secret
        self._token: str | None = None
        self._token_until = 0.0

    @classmethod
    def settings_kwargs(cls, settings: Settings) -> dict[str, Any]:
        """The shared settings plus the client credentials.

        Raises:
            UsageError: the client key or secret is not set.
        """
        given = (settings.tiktok_client_key, settings.tiktok_client_secret)
        key, secret = (s.get_secret_value().strip() if s else "" for s in given)
        if not (key and secret):
            raise missing_credentials()
        return {**super().settings_kwargs(settings), "client_key": key, "client_secret": secret}

    def page(self, window: Window, cursor: Any) -> Page:
        body = query_body(window, self.page_size, mapping(cursor))
        found = self._query(body)
        notes: list[str] = []
        following = None
        if found.has_more and found.cursor is not None and found.search_id:
            if found.cursor > int(body.get("cursor", 0)):
                following = {"cursor": found.cursor, "search_id": found.search_id}
            else:
                notes.append(f"has_more without progress at cursor {found.cursor}: stopped")
        return Page(found.items, None, following, found.skipped, notes)

    def _query(self, body: dict[str, Any]) -> VideoPage:
        url = f"{self.root()}{QUERY_PATH}"
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self._access_token()}"}
            try:
                page: VideoPage = self._fetcher().post(
                    url, parse_query, params={"fields": FIELDS}, headers=headers, json=body
                )
                return page
            except TokenRejected:
                self._token = None
                if attempt == 2:
                    raise SourceError(
                        "tiktok refused a freshly issued access token (HTTP 401); check that "
                        "the client is approved for the Research API.",
                        zh="tiktok 拒绝了刚签发的访问令牌（HTTP 401）；请确认该客户端已获批"
                        "使用研究 API。",
                    ) from None
        raise AssertionError("unreachable")

    def _access_token(self) -> str:
        fetcher = self._fetcher()
        if self._token is None or fetcher.clock() >= self._token_until:
            if not (self.client_key and self.client_secret):
                raise missing_credentials()
            form = {
                "client_key": self.client_key,
                "client_secret": self.client_secret,
                "grant_type": "client_credentials",
            }
            token: Token = fetcher.post(f"{self.root()}{TOKEN_PATH}", parse_token, data=form)
            self._token = token.value
            # Renew a little early: a token that expires between check and use costs a retry.
            self._token_until = fetcher.clock() + token.expires_in * 0.9
        return self._token

    def rate_wait(self, response: httpx.Response) -> float | None:
        """Turn TikTok's error answers into clear errors (429 is left to the fetcher).

        Raises:
            TokenRejected: the access token was refused (401 on a research endpoint).
            SourceError: the credentials or the query were refused (the API's code and message).
        """
        status = response.status_code
        if status == 429 or status < 400 or status >= 500:
            return None
        token_call = response.request.url.path.endswith(TOKEN_PATH)
        if status == 401 and not token_call:
            raise TokenRejected("tiktok: the access token was refused.")
        raise api_error(response, "the client key or secret" if token_call else "the query")

    @classmethod
    def examples(cls) -> list[tuple[Source, str]]:
        from synthscope.observe.sources._examples_tiktok import tiktok_example

        return [tiktok_example()]


def query_body(window: Window, size: int, cursor: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of a video query for ``window`` (inclusive dates) at ``cursor``."""
    last_day = (window.end - timedelta(seconds=1)).date()
    keyword = {"operation": "IN", "field_name": "keyword", "field_values": [window.term]}
    body: dict[str, Any] = {
        "query": {"and": [keyword]},
        "start_date": f"{window.start:%Y%m%d}",
        "end_date": f"{last_day:%Y%m%d}",
        "max_count": size,
    }
    if cursor:
        body["cursor"], body["search_id"] = int(cursor["cursor"]), str(cursor["search_id"])
    return body


def missing_credentials() -> UsageError:
    """The error for missing client credentials."""
    return UsageError(
        f"tiktok needs Research API credentials: set {KEY_ENV} and {SECRET_ENV}.",
        zh=f"tiktok 需要研究 API 凭据：请设置环境变量 {KEY_ENV} 和 {SECRET_ENV}。",
    )


def api_error(response: httpx.Response, what: str) -> SourceError:
    """A SourceError naming TikTok's error code and message for a refused request."""
    try:
        data = mapping(response.json())
    except ValueError:
        data = {}
    error = data.get("error")
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
    else:  # the OAuth endpoint answers {"error": "invalid_client", "error_description": ...}
        code, message = error, data.get("error_description")
    detail = f"{code or 'HTTP ' + str(response.status_code)}: {message or 'no message'}"
    return SourceError(
        f"tiktok refused {what} (HTTP {response.status_code}, {detail}).",
        zh=f"tiktok 拒绝了请求（HTTP {response.status_code}，{detail}）。",
    )


def parse_token(response: httpx.Response) -> Token:
    """The access token of an OAuth answer.

    Raises:
        Retryable: an HTML page, an empty, truncated or malformed body.
        SourceError: the credentials were refused.
    """
    data = json_object(response)
    value = data.get("access_token")
    if not isinstance(value, str) or not value:
        raise api_error(response, "the client key or secret")
    expires = data.get("expires_in")
    return Token(value, float(expires) if isinstance(expires, int | float) else 7200.0)


def parse_query(response: httpx.Response) -> VideoPage:
    """The videos and paging state of a video query answer.

    Raises:
        Retryable: an unreadable body, or an envelope saying to try again later.
        SourceError: the envelope's code is an error that will not go away.
    """
    envelope = json_object(response)
    error = mapping(envelope.get("error"))
    code = error.get("code", "ok")
    if code in _RETRYABLE_CODES:
        raise Retryable(f"tiktok answered {code}")
    if code != "ok":
        raise api_error(response, "the query")
    data = envelope.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("videos", []), list):
        raise Retryable("an answer without a data.videos list")
    found = VideoPage(cursor=count(data.get("cursor")), has_more=data.get("has_more") is True)
    found.search_id = str(data["search_id"]) if data.get("search_id") else None
    for number, record in enumerate(data.get("videos", []), 1):
        try:
            found.items.append(video_item(mapping(record)))
        except InputError as exc:
            found.skipped.append(
                RecordError(str(exc), file="tiktok", row=number, zh=exc.localized("zh"))
            )
    return found


def video_item(record: dict[str, Any]) -> Item:
    """One video record as a video Item.

    Raises:
        InputError: no usable id or creation time.
    """
    video_id = str(record.get("id") or "")
    username = str(record.get("username") or "")
    identity = identify(f"https://www.tiktok.com/@{username}/video/{video_id}")
    if identity.platform != "tiktok":
        raise InputError(
            f"not a TikTok video id: {video_id!r}", zh=f"不是 TikTok 视频 ID：{video_id!r}"
        )
    created = count(record.get("create_time"))
    if created is None:
        raise InputError(
            f"video {video_id} has no create_time", zh=f"视频 {video_id} 没有 create_time"
        )
    published = datetime.fromtimestamp(created, UTC)
    raw = {"region_code": record.get("region_code"), "username": username or None}
    return Item(
        platform="tiktok",
        platform_id=identity.platform_id,
        kind="video",
        url=identity.url,
        text=text(record.get("video_description")),
        author=username or None,
        published_at=published,
        year=item_year(identity, published),
        metrics=counts(record, _METRICS),
        raw={k: v for k, v in raw.items() if v} or None,
    )

"""An offline YouTube Data API v3: ``search.list`` and ``videos.list`` over a generated corpus.

:func:`youtube_answer` answers like the real API: the key is required, search matches the term in
title or description, both date bounds are inclusive, pages hold at most 50 ids behind opaque
page tokens, ``totalResults`` is the full count but paging stops after 500 results (the real
search's ceiling), and statistics leave out hidden counts and never carry shares. The contract
suite runs it through :class:`httpx.MockTransport`; tests serve it over loopback HTTP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from synthscope.observe.sources.base import Source

REACHABLE = 500  # search.list pages stop here whatever totalResults says
_TOPICS = (
    ("Deepfake of a famous actor", "How this deepfake was made.", "1"),
    ("AI换脸 教程", "用 AI换脸 工具制作的视频。", "27"),
    ("Voice cloning prank call", "A voice cloning demo with a deepfake voice.", "23"),
    ("Deepfake news explainer", "Why deepfake detection matters.", "25"),
)


@dataclass(frozen=True)
class FakeVideo:
    """One video of the offline YouTube corpus; a None count is hidden by its owner."""

    video_id: str
    title: str
    description: str
    channel: str
    published: datetime
    category_id: str
    views: int | None
    likes: int | None
    comments: int | None
    favorites: int = 0
    tags: tuple[str, ...] = ()


def fake_videos(
    n: int = 60, first: datetime | None = None, every: timedelta = timedelta(days=11)
) -> list[FakeVideo]:
    """``n`` videos ``every`` apart from ``first`` (default 2019-01-02); some counts hidden."""
    start = first or datetime(2019, 1, 2, 8, 0, tzinfo=UTC)
    videos = []
    for i in range(n):
        title, description, category = _TOPICS[i % len(_TOPICS)]
        videos.append(
            FakeVideo(
                f"vid{i:08d}",
                f"{title} #{i}",
                description,
                f"Channel {i % 7}",
                start + every * i + timedelta(minutes=13 * (i % 50)),
                category,
                views=1000 + 37 * i,
                likes=None if i % 5 == 4 else 10 + i,
                comments=None if i % 7 == 6 else i,
                tags=("deepfake", "ai") if i % 2 else (),
            )
        )
    return videos


def youtube_answer(videos: list[FakeVideo], path: str, params: dict[str, str]) -> tuple[int, str]:
    """Status and JSON body the API gives for a GET of ``path`` with ``params``."""
    if not params.get("key"):
        return _error(403, "forbidden", "The request is missing a valid API key.")
    if path.endswith("/search"):
        return _search(videos, params)
    if path.endswith("/videos"):
        return _videos(videos, params)
    return _error(404, "notFound", "Not Found")


def _search(videos: list[FakeVideo], params: dict[str, str]) -> tuple[int, str]:
    term = params.get("q", "").lower()
    low = _time(params.get("publishedAfter"))
    high = _time(params.get("publishedBefore"))
    hits = [
        v
        for v in videos
        if term in f"{v.title} {v.description}".lower()
        and (low is None or low <= v.published)
        and (high is None or v.published <= high)
    ]
    token = params.get("pageToken", "")
    if token and not (token.startswith("CAU") and token[3:].isdigit()):
        return _error(400, "invalidPageToken", "The request specifies an invalid page token.")
    start = int(token[3:]) if token else 0
    size = min(int(params.get("maxResults", 5)), 50)
    end = min(start + size, len(hits), REACHABLE)
    body: dict[str, Any] = {
        "kind": "youtube#searchListResponse",
        "pageInfo": {"totalResults": len(hits), "resultsPerPage": size},
        "items": [
            {"kind": "youtube#searchResult", "id": {"kind": "youtube#video", "videoId": v.video_id}}
            for v in hits[start:end]
        ],
    }
    if end < min(len(hits), REACHABLE):
        body["nextPageToken"] = f"CAU{end}"
    return 200, json.dumps(body)


def _videos(videos: list[FakeVideo], params: dict[str, str]) -> tuple[int, str]:
    wanted = [i for i in params.get("id", "").split(",") if i]
    if len(wanted) > 50:
        return _error(400, "badRequest", "Too many ids.")
    known = {v.video_id: v for v in videos}
    items = [_resource(known[i]) for i in wanted if i in known]
    return 200, json.dumps({"kind": "youtube#videoListResponse", "items": items})


def _resource(v: FakeVideo) -> dict[str, Any]:
    stats = {"viewCount": v.views, "likeCount": v.likes, "favoriteCount": v.favorites}
    stats["commentCount"] = v.comments
    snippet: dict[str, Any] = {
        "publishedAt": v.published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "channelId": "UC" + v.channel.replace(" ", "").lower().ljust(22, "x"),
        "title": v.title,
        "description": v.description,
        "channelTitle": v.channel,
        "categoryId": v.category_id,
    }
    if v.tags:
        snippet["tags"] = list(v.tags)
    return {
        "kind": "youtube#video",
        "id": v.video_id,
        "snippet": snippet,
        "statistics": {k: str(n) for k, n in stats.items() if n is not None},
    }


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _error(status: int, reason: str, message: str) -> tuple[int, str]:
    errors = [{"message": message, "domain": "youtube", "reason": reason}]
    return status, json.dumps({"error": {"code": status, "message": message, "errors": errors}})


def youtube_transport(videos: list[FakeVideo]) -> httpx.MockTransport:
    """An in-process YouTube Data API answering from ``videos``."""

    def handle(request: httpx.Request) -> httpx.Response:
        status, body = youtube_answer(videos, request.url.path, dict(request.url.params))
        return httpx.Response(status, text=body, headers={"content-type": "application/json"})

    return httpx.MockTransport(handle)


def youtube_example() -> tuple[Source, str]:
    """The YouTube source over the offline corpus, and a query for two terms over 2019-2020."""
    from synthscope.observe.sources._windowed import CollectQuery
    from synthscope.observe.sources.youtube import YoutubeSource

    client = httpx.Client(transport=youtube_transport(fake_videos()))
    source = YoutubeSource(
        client=client, base_url="http://youtube.test/youtube/v3", interval=0.0, api_key="offline"
    )
    source.page_size = 4
    query = CollectQuery(("deepfake", "AI换脸"), date(2019, 1, 1), date(2020, 12, 31))
    return source, query.text()

"""An offline TikTok Research API: client-credentials tokens and video queries over a corpus.

:class:`TiktokApi` answers like the real service: tokens come from ``/v2/oauth/token/`` for the
right client key and secret and can expire or be revoked (401 ``access_token_invalid``); a video
query needs a valid token, at most 30 days between ``start_date`` and ``end_date`` (both
inclusive), returns only the requested ``fields`` inside the ``data``/``error`` envelope, and
pages with ``cursor`` plus the first page's ``search_id``. The contract suite runs it through
:class:`httpx.MockTransport`; tests serve it over loopback HTTP.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx

from synthscope.observe.sources.base import Source

CLIENT_KEY, CLIENT_SECRET = "offline-client", "offline-secret"
_TOPICS = (
    "deepfake of a singer #ai #deepfake",
    "AI换脸 特效 教程",
    "voice cloning prank, deepfake voice",
    "cooking video, no AI here",
)


@dataclass(frozen=True)
class FakeTiktok:
    """One video of the offline TikTok corpus."""

    video_id: int
    created: datetime
    description: str
    username: str
    region_code: str
    views: int
    likes: int
    comments: int
    shares: int


def fake_tiktoks(
    n: int = 80, first: datetime | None = None, every: timedelta = timedelta(days=5)
) -> list[FakeTiktok]:
    """``n`` videos ``every`` apart from ``first`` (default 2021-01-01 10:00 UTC)."""
    start = first or datetime(2021, 1, 1, 10, 0, tzinfo=UTC)
    return [
        FakeTiktok(
            7_000_000_000_000_000_000 + i,
            start + every * i + timedelta(minutes=29 * (i % 40)),
            _TOPICS[i % len(_TOPICS)] + f" {i}",
            f"user.{i % 9}",
            ("US", "GB", "DE", "JP")[i % 4],
            views=5000 + 101 * i,
            likes=300 + i,
            comments=20 + i,
            shares=i % 6,
        )
        for i in range(n)
    ]


class TiktokApi:
    """The Research API's token and video query endpoints over ``videos``."""

    def __init__(self, videos: list[FakeTiktok], *, expires_in: int = 7200) -> None:
        self.videos = videos
        self.expires_in = expires_in
        self.tokens: set[str] = set()
        self.issued = 0

    def revoke(self) -> None:
        """Invalidate every token issued so far (as expiry does)."""
        self.tokens.clear()

    def answer(
        self, path: str, headers: dict[str, str], params: dict[str, str], body: bytes
    ) -> tuple[int, str]:
        """Status and JSON body for a POST of ``body`` to ``path``."""
        if path.endswith("/v2/oauth/token/"):
            return self._token(dict(parse_qsl(body.decode())))
        if not path.endswith("/v2/research/video/query/"):
            return _envelope(404, "not_found", "Unknown endpoint.")
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token not in self.tokens:
            return _envelope(401, "access_token_invalid", "The access token is invalid.")
        try:
            request = json.loads(body)
            return self._query(request, params.get("fields", "id").split(","))
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            return _envelope(400, "invalid_params", f"Invalid request: {exc}.")

    def _token(self, form: dict[str, str]) -> tuple[int, str]:
        good = (form.get("client_key"), form.get("client_secret")) == (CLIENT_KEY, CLIENT_SECRET)
        if form.get("grant_type") != "client_credentials" or not good:
            refused = {
                "error": "invalid_client",
                "error_description": "Client key or secret wrong.",
            }
            return 401, json.dumps(refused)
        self.issued += 1
        token = f"clt.offline{self.issued:06d}"
        self.tokens.add(token)
        body: dict[str, Any] = {
            "access_token": token,
            "expires_in": self.expires_in,
            "token_type": "Bearer",
        }
        return 200, json.dumps(body)

    def _query(self, request: dict[str, Any], fields: list[str]) -> tuple[int, str]:
        term = str(request["query"]["and"][0]["field_values"][0]).lower()
        first = datetime.strptime(request["start_date"], "%Y%m%d").date()
        last = datetime.strptime(request["end_date"], "%Y%m%d").date()
        if not timedelta(0) <= last - first <= timedelta(days=30):
            return _envelope(400, "invalid_params", "end_date must be within 30 days.")
        search_id = hashlib.sha1(json.dumps(request["query"]).encode()).hexdigest()[:19]
        cursor = int(request.get("cursor", 0))
        if cursor and request.get("search_id") != search_id:
            return _envelope(400, "invalid_params", "search_id does not match the query.")
        hits = [
            v
            for v in self.videos
            if term in v.description.lower() and first <= v.created.date() <= last
        ]
        size = min(int(request.get("max_count", 20)), 100)
        page = hits[cursor : cursor + size]
        data = {
            "videos": [_record(v, fields) for v in page],
            "cursor": cursor + len(page),
            "has_more": cursor + len(page) < len(hits),
            "search_id": search_id,
        }
        return 200, json.dumps({"data": data, "error": _ok()})


def _record(v: FakeTiktok, fields: list[str]) -> dict[str, Any]:
    full = {
        "id": v.video_id,
        "create_time": int(v.created.timestamp()),
        "region_code": v.region_code,
        "video_description": v.description,
        "username": v.username,
        "view_count": v.views,
        "like_count": v.likes,
        "comment_count": v.comments,
        "share_count": v.shares,
    }
    return {k: full[k] for k in fields if k in full}


def _ok() -> dict[str, str]:
    return {"code": "ok", "message": "", "log_id": "20210101000000OFFLINE"}


def _envelope(status: int, code: str, message: str) -> tuple[int, str]:
    error = {"code": code, "message": message, "log_id": "20210101000000OFFLINE"}
    return status, json.dumps({"error": error})


def tiktok_transport(api: TiktokApi) -> httpx.MockTransport:
    """An in-process TikTok Research API answering from ``api``."""

    def handle(request: httpx.Request) -> httpx.Response:
        status, body = api.answer(
            request.url.path, dict(request.headers), dict(request.url.params), request.read()
        )
        return httpx.Response(status, text=body, headers={"content-type": "application/json"})

    return httpx.MockTransport(handle)


def tiktok_example() -> tuple[Source, str]:
    """The TikTok source over the offline corpus, and two terms over 2021."""
    from synthscope.observe.sources._windowed import CollectQuery
    from synthscope.observe.sources.tiktok import TiktokSource

    client = httpx.Client(transport=tiktok_transport(TiktokApi(fake_tiktoks())))
    source = TiktokSource(
        client=client,
        base_url="http://tiktok.test",
        interval=0.0,
        client_key=CLIENT_KEY,
        client_secret=CLIENT_SECRET,
    )
    source.page_size = 4
    query = CollectQuery(("deepfake", "AI换脸"), date(2021, 1, 1), date(2021, 12, 31))
    return source, query.text()

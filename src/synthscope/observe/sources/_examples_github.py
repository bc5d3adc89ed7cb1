"""An offline GitHub REST API over a generated corpus: search, repositories and stargazers.

:func:`github_answer` answers one request the way api.github.com does (same JSON shapes, the
``created:`` range and phrase matching over name, description and topics, the 1,000 reachable
search results, ``star+json`` stargazers oldest first and 422 past the stargazers page cap). The
sources' :meth:`examples` run it through :class:`httpx.MockTransport`; the tests serve it from
the loopback fake server with rate limits and faults.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from synthscope.observe.sources.base import Source

_THEMES = (
    ("deepfake-detector", "Deepfake detection for videos", ("deepfake", "forensics"), "Python"),
    ("voice-clone", "Real-time voice cloning toolkit", ("voice-cloning", "tts"), "Python"),
    ("faceswap-studio", "Face swap with a deepfake pipeline", ("face-swap",), "C++"),
    ("talking-head", "Audio driven talking head synthesis", ("nerf", "avatar"), None),
)
_CREATED = re.compile(r"created:(\S+)\.\.(\S+)")
_FIRST = datetime(2019, 1, 5, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class FakeRepo:
    """One repository of the offline corpus."""

    full_name: str
    description: str
    topics: tuple[str, ...]
    language: str | None
    created: datetime
    stars: int
    forks: int

    def text(self) -> str:
        return " ".join((self.full_name.replace("-", " "), self.description, *self.topics)).lower()

    def star_time(self, number: int) -> datetime:
        """When star ``number`` (1-based) was given: ever sparser, several a day at first."""
        return self.created + timedelta(minutes=37 * number + number * number // 50)


def fake_repos(
    n: int = 40, first: datetime = _FIRST, step: timedelta | None = None
) -> list[FakeRepo]:
    """``n`` repositories created ``step`` apart (default 17 days 5 hours) from ``first``."""
    gap = step or timedelta(days=17, hours=5)
    repos = []
    for i in range(n):
        name, description, topics, language = _THEMES[i % len(_THEMES)]
        repos.append(
            FakeRepo(
                f"owner{i % 7}/{name}-{i}",
                f"{description} ({i})",
                topics,
                language,
                first + gap * i + timedelta(seconds=i),
                (i * 37) % 250,
                (i * 11) % 40,
            )
        )
    return repos


def repo_json(repo: FakeRepo) -> dict[str, Any]:
    """The repository object as search results and ``/repos/O/R`` carry it."""
    owner = repo.full_name.split("/")[0]
    return {
        "id": zlib.crc32(repo.full_name.encode()),
        "name": repo.full_name.split("/")[1],
        "full_name": repo.full_name,
        "owner": {"login": owner, "type": "User", "html_url": f"https://github.com/{owner}"},
        "private": False,
        "html_url": f"https://github.com/{repo.full_name}",
        "description": repo.description,
        "fork": False,
        "created_at": repo.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "pushed_at": (repo.created + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "stargazers_count": repo.stars,
        "watchers_count": repo.stars,
        "forks_count": repo.forks,
        "language": repo.language,
        "topics": list(repo.topics),
    }


def search_answer(
    repos: list[FakeRepo], params: dict[str, str], reachable: int = 1000, incomplete: bool = False
) -> tuple[int, str]:
    """Status and body of ``/search/repositories`` for ``params`` (q, page, per_page)."""
    query = params.get("q", "")
    term, _, _ = query.partition(" in:")
    term = term.strip().strip('"').lower()
    window = _CREATED.search(query)
    low = datetime.fromisoformat(window.group(1)) if window else None
    high = datetime.fromisoformat(window.group(2)) if window else None
    hits = [
        r
        for r in repos
        if term in r.text()
        and (low is None or low <= r.created)
        and (high is None or r.created < high + timedelta(seconds=1))
    ]
    hits.sort(key=lambda r: (-r.stars, r.full_name))
    page, size = int(params.get("page", 1)), int(params.get("per_page", 30))
    if (page - 1) * size >= reachable:
        return 422, json.dumps(
            {"message": f"Only the first {reachable} search results are available"}
        )
    chosen = hits[(page - 1) * size : page * size]
    body = {
        "total_count": len(hits),
        "incomplete_results": incomplete,
        "items": [repo_json(r) for r in chosen],
    }
    return 200, json.dumps(body)


def stargazers_answer(
    repo: FakeRepo, params: dict[str, str], starred: bool, page_cap: int = 400
) -> tuple[int, str]:
    """Status and body of ``/repos/O/R/stargazers``: oldest first, 422 past ``page_cap``."""
    page, size = int(params.get("page", 1)), int(params.get("per_page", 30))
    if page > page_cap:
        message = (
            "In order to keep the API fast for everyone, pagination is limited for this resource."
        )
        return 422, json.dumps({"message": message})
    numbers = range((page - 1) * size + 1, min(page * size, repo.stars) + 1)
    users = [{"login": f"user{n}", "id": n, "type": "User"} for n in numbers]
    if not starred:
        return 200, json.dumps(users)
    stamps = [repo.star_time(n).strftime("%Y-%m-%dT%H:%M:%SZ") for n in numbers]
    return 200, json.dumps(
        [{"starred_at": s, "user": u} for s, u in zip(stamps, users, strict=True)]
    )


def github_answer(
    repos: list[FakeRepo],
    path: str,
    params: dict[str, str],
    headers: dict[str, str],
    *,
    reachable: int = 1000,
    page_cap: int = 400,
) -> tuple[int, str]:
    """Status and JSON body for one GET of the offline API (header names in lower case)."""
    if path.rstrip("/").endswith("/search/repositories"):
        return search_answer(repos, params, reachable)
    found = re.search(r"/repos/([^/]+/[^/]+?)(/stargazers)?/?$", path)
    by_name = {r.full_name.lower(): r for r in repos}
    repo = by_name.get(found.group(1).lower()) if found else None
    if found is None or repo is None:
        return 404, json.dumps({"message": "Not Found"})
    if found.group(2):
        starred = "star+json" in headers.get("accept", "")
        return stargazers_answer(repo, params, starred, page_cap)
    return 200, json.dumps(repo_json(repo))


def github_transport(repos: list[FakeRepo], **limits: int) -> httpx.MockTransport:
    """An in-process api.github.com answering from ``repos``."""

    def handle(request: httpx.Request) -> httpx.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, body = github_answer(
            repos, request.url.path, dict(request.url.params), headers, **limits
        )
        return httpx.Response(status, text=body, headers={"content-type": "application/json"})

    return httpx.MockTransport(handle)


def github_example() -> tuple[Source, str]:
    """The search source over the offline corpus, two terms over 2019-2020."""
    from synthscope.observe.sources._windowed import CollectQuery
    from synthscope.observe.sources.github import GithubSource

    client = httpx.Client(transport=github_transport(fake_repos()))
    source = GithubSource(client=client, base_url="http://github.test", interval=0.0)
    source.page_size = 4
    query = CollectQuery(("deepfake", "voice cloning"), date(2019, 1, 1), date(2020, 12, 31))
    return source, query.text()


def github_stars_example() -> tuple[Source, str]:
    """The star-history source over the offline corpus: three repositories, small pages."""
    from synthscope.observe.sources._windowed import CollectQuery
    from synthscope.observe.sources.github_stars import GithubStarsSource

    repos = fake_repos()
    client = httpx.Client(transport=github_transport(repos, page_cap=4))
    source = GithubStarsSource(client=client, base_url="http://github.test", interval=0.0)
    source.page_size, source.page_cap, source.samples = 20, 4, 3
    names = (repos[3].full_name, repos[5].full_name, repos[1].full_name)
    query = CollectQuery(names, date(2019, 1, 1), date(2020, 12, 31))
    return source, query.text()

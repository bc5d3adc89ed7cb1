"""Offline stand-ins for the search APIs: what :meth:`Source.examples` runs and tests serve.

Each ``*_answer`` function answers one request the way the real API does (same document shape,
filtering by term and date window, paging), over a small corpus generated here. The contract
suite runs sources through :class:`httpx.MockTransport` with these answers; the loopback fake
server in the tests serves the same answers over real HTTP, adding rate limits and faults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from xml.sax.saxutils import escape

import httpx

from synthscope.observe.sources.base import Source


@dataclass(frozen=True)
class FakePaper:
    """One paper of the offline arXiv corpus."""

    arxiv_id: str
    version: int
    title: str
    summary: str
    published: datetime
    authors: tuple[str, ...]
    categories: tuple[str, ...]


_TOPICS = (
    ("Deepfake detection with frequency cues", "We detect deepfake videos.", "cs.CV"),
    ("Zero-shot voice cloning for TTS", "A voice cloning model for speech synthesis.", "eess.AS"),
    ("Face swap in the wild", "A deepfake face swap benchmark.", "cs.CV"),
    ("Neural radiance fields for talking heads", "NeRF based talking head synthesis.", "cs.CV"),
)


def fake_papers(n: int = 48, first: datetime | None = None) -> list[FakePaper]:
    """``n`` papers, one every 11 days from ``first`` (default 2019-01-03), new-style ids."""
    start = first or datetime(2019, 1, 3, 9, 30, tzinfo=UTC)
    papers = []
    for i in range(n):
        when = start + timedelta(days=11 * i, minutes=7 * i)
        title, summary, category = _TOPICS[i % len(_TOPICS)]
        papers.append(
            FakePaper(
                f"{when:%y%m}.{10000 + i:05d}",
                1 + i % 3,
                f"{title} ({i})",
                summary,
                when,
                (f"Author {i}", "Second Author"),
                (category, "cs.LG"),
            )
        )
    return papers


_WINDOW = re.compile(r"submittedDate:\[(\d{12}) TO (\d{12})\]")
_TERM = re.compile(r'ti:"([^"]*)"')


def arxiv_answer(papers: list[FakePaper], params: dict[str, str]) -> str:
    """The Atom feed arXiv returns for ``params`` (search_query, start, max_results)."""
    query = params.get("search_query", "")
    found = _TERM.search(query)
    term = found.group(1).lower() if found else ""
    window = _WINDOW.search(query)
    low = datetime.strptime(window.group(1), "%Y%m%d%H%M").replace(tzinfo=UTC) if window else None
    high = datetime.strptime(window.group(2), "%Y%m%d%H%M").replace(tzinfo=UTC) if window else None
    hits = [
        p
        for p in papers
        if term in f"{p.title} {p.summary}".lower()
        and (low is None or low <= p.published)
        and (high is None or p.published < high + timedelta(minutes=1))
    ]
    start, size = int(params.get("start", 0)), int(params.get("max_results", 10))
    return atom_feed(hits[start : start + size], len(hits), start)


def atom_feed(papers: list[FakePaper], total: int, start: int) -> str:
    """An Atom feed in the 2026 arXiv format (namespaces on the root, https ids)."""
    entries = "".join(_atom_entry(p) for p in papers)
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
        "  <id>https://arxiv.org/api/fake</id>\n  <title>arXiv Query</title>\n"
        f"  <opensearch:itemsPerPage>{len(papers)}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n{entries}</feed>\n"
    )


def _atom_entry(p: FakePaper) -> str:
    stamp = p.published.strftime("%Y-%m-%dT%H:%M:%SZ")
    authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in p.authors)
    cats = "".join(
        f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in p.categories
    )
    return (
        f"  <entry>\n    <id>https://arxiv.org/abs/{p.arxiv_id}v{p.version}</id>\n"
        f"    <title>{escape(p.title)}</title>\n    <updated>{stamp}</updated>\n"
        f"    <summary>{escape(p.summary)}</summary>\n    <published>{stamp}</published>\n"
        f"    {authors}\n"
        f'    <arxiv:primary_category term="{p.categories[0]}"/>\n    {cats}\n  </entry>\n'
    )


def arxiv_transport(papers: list[FakePaper]) -> httpx.MockTransport:
    """An in-process arXiv answering from ``papers``."""

    def handle(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        body = arxiv_answer(papers, params)
        return httpx.Response(200, text=body, headers={"content-type": "application/atom+xml"})

    return httpx.MockTransport(handle)


def arxiv_example() -> tuple[Source, str]:
    """The arXiv source over the offline corpus, and a query for two terms over 2019-2020."""
    from synthscope.observe.sources._windowed import CollectQuery
    from synthscope.observe.sources.arxiv import ArxivSource

    client = httpx.Client(transport=arxiv_transport(fake_papers()), base_url="http://arxiv.test")
    source = ArxivSource(client=client, base_url="http://arxiv.test/api/query", interval=0.0)
    source.page_size = 5
    query = CollectQuery(("deepfake", "voice cloning"), date(2019, 1, 1), date(2020, 12, 31))
    return source, query.text()

"""The arXiv API source: keyword searches over titles and abstracts, by submission-date window.

arXiv asks for one request every 3 seconds on one connection and sends no rate-limit headers (it
just slows down or answers with an empty page), so the fetcher paces requests itself. One query
reaches at most 30,000 results: a window with more is halved. Pages sometimes come back empty or
short in the middle of a result set; such a page is asked for again a few times and, if it stays
short, the gap is written in the run's log instead of failing a collection of years.

Identity drops the version suffix (``2104.12255v1`` is ``arxiv:2104.12255``); old-style ids keep
their archive (``astro-ph/0601001``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar
from xml.etree.ElementTree import Element, ParseError

import httpx
from defusedxml.ElementTree import fromstring

from synthscope.errors import InputError, RecordError, SourceError
from synthscope.observe.items import Item
from synthscope.observe.normalize import identify
from synthscope.observe.sources._http import Retryable, looks_like_html
from synthscope.observe.sources._rows import item_year
from synthscope.observe.sources._windowed import Page, Window, WindowedSource
from synthscope.observe.sources.base import Source

_ATOM = "{http://www.w3.org/2005/Atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_ARXIV = "{http://arxiv.org/schemas/atom}"


@dataclass(slots=True)
class Feed:
    """One parsed Atom answer of the arXiv API."""

    total: int
    start: int
    items: list[Item]
    skipped: list[RecordError]


class ArxivSource(WindowedSource):
    """arXiv papers whose title or abstract contains a term, by month of first submission."""

    span: ClassVar[str | timedelta] = "month"
    cap: ClassVar[int | None] = 30_000
    smallest: ClassVar[timedelta] = timedelta(hours=1)

    default_base_url: ClassVar[str] = "http://export.arxiv.org/api/query"
    default_interval: ClassVar[float] = 3.0
    page_size: int = 200
    short_page_tries: int = 3

    def page(self, window: Window, cursor: Any) -> Page:
        start = int(cursor or 0)
        params = {
            "search_query": search_query(window),
            "start": start,
            "max_results": self.page_size,
            "sortBy": "submittedDate",
            "sortOrder": "ascending",
        }
        notes: list[str] = []
        for attempt in range(self.short_page_tries + 1):
            feed: Feed = self._fetcher().get(self.root(), parse_response, params=params)
            expected = max(0, min(self.page_size, feed.total - start))
            if len(feed.items) + len(feed.skipped) >= expected:
                break
            if attempt == self.short_page_tries:
                notes.append(
                    f"short page at {start}: {len(feed.items)} of {expected} entries "
                    f"after {attempt + 1} tries"
                )
        got = len(feed.items) + len(feed.skipped)
        step = got if got else expected
        following = start + step
        more = step > 0 and following < feed.total
        return Page(feed.items, feed.total, following if more else None, feed.skipped, notes)

    @classmethod
    def examples(cls) -> list[tuple[Source, str]]:
        from synthscope.observe.sources._examples import arxiv_example

        return [arxiv_example()]


def search_query(window: Window) -> str:
    """``(ti:"term" OR abs:"term") AND submittedDate:[from TO to]`` for one window."""
    term = window.term.replace('"', " ").strip()
    last = window.end - timedelta(minutes=1)
    span = f"[{window.start:%Y%m%d%H%M} TO {last:%Y%m%d%H%M}]"
    return f'(ti:"{term}" OR abs:"{term}") AND submittedDate:{span}'


def parse_response(response: httpx.Response) -> Feed:
    """The feed in an arXiv API response.

    Raises:
        Retryable: an HTML page, a truncated or malformed body (worth asking again).
        SourceError: arXiv rejected the query (its error entry's message).
    """
    if looks_like_html(response):
        raise Retryable("an HTML page instead of the Atom feed")
    return parse_feed(response.content)


def parse_feed(body: bytes | str) -> Feed:
    """Items of an Atom feed; an entry that cannot be read is skipped with its reason.

    Raises:
        Retryable: the body is not well-formed XML (usually a truncated transfer).
        SourceError: the feed is arXiv's error answer.
    """
    try:
        root: Element = fromstring(body)
    except ParseError as exc:
        raise Retryable(f"truncated or malformed feed ({exc})") from exc
    entries = root.findall(f"{_ATOM}entry")
    for entry in entries:
        if "/api/errors" in _text(entry, "id"):
            message = _text(entry, "summary") or "unknown error"
            raise SourceError(
                f"arxiv rejected the query: {message}.", zh=f"arXiv 拒绝了查询：{message}。"
            )
    items: list[Item] = []
    skipped: list[RecordError] = []
    for number, entry in enumerate(entries, 1):
        try:
            items.append(entry_item(entry))
        except InputError as exc:
            skipped.append(RecordError(str(exc), file="arxiv", row=number, zh=exc.localized("zh")))
    total = _int(root, f"{_OPENSEARCH}totalResults", len(entries))
    return Feed(total, _int(root, f"{_OPENSEARCH}startIndex", 0), items, skipped)


def entry_item(entry: Element) -> Item:
    """One Atom entry as a paper Item.

    Raises:
        InputError: the entry has no usable id or date.
    """
    identity = identify(_text(entry, "id"))
    if identity.platform != "arxiv":
        raise InputError(f"not an arXiv id: {_text(entry, 'id')!r}")
    published = _date(_text(entry, "published"))
    authors = [_clean(a.findtext(f"{_ATOM}name") or "") for a in entry.findall(f"{_ATOM}author")]
    primary = entry.find(f"{_ARXIV}primary_category")
    raw: dict[str, Any] = {
        "categories": [c.get("term") for c in entry.findall(f"{_ATOM}category") if c.get("term")],
        "primary_category": primary.get("term") if primary is not None else None,
        "version": _version(_text(entry, "id")),
        "updated": _text(entry, "updated") or None,
        "doi": entry.findtext(f"{_ARXIV}doi"),
    }
    return Item(
        platform="arxiv",
        platform_id=identity.platform_id,
        kind="paper",
        url=identity.url,
        title=_clean(_text(entry, "title")) or None,
        text=_clean(_text(entry, "summary")) or None,
        author=", ".join(a for a in authors if a) or None,
        published_at=published,
        year=item_year(identity, published),
        raw={k: v for k, v in raw.items() if v},
    )


def _text(entry: Element, tag: str) -> str:
    return (entry.findtext(f"{_ATOM}{tag}") or "").strip()


def _clean(text: str) -> str:
    return " ".join(text.split())


def _int(root: Element, tag: str, default: int) -> int:
    value = root.findtext(tag)
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _date(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"not a date: {text!r}", zh=f"不是日期：{text!r}") from exc


def _version(entry_id: str) -> str | None:
    tail = entry_id.rstrip("/").rsplit("/", 1)[-1]
    head, sep, version = tail.rpartition("v")
    return f"v{version}" if sep and version.isdigit() and head else None

"""The GitHub repository search source: repositories whose name, description or topics hold a term.

One search query reaches at most 1,000 results (10 pages of 100), so each year of ``created:``
dates is halved until its ``total_count`` fits; a one-hour window still over the cap is recorded in
the run's log as capped. The search API allows 30 requests a minute with a token and 10 without
(``SYNTHSCOPE_GITHUB_TOKEN``), so requests are paced 2 s or 6 s apart. ``incomplete_results``
(the search timed out on GitHub's side and the count may be low) is written in the window's log
notes. Items carry the current star count as an observation; forks, language and topics stay in
``raw``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import httpx

from synthscope.observe.sources._github import GithubApi, SearchPage, read_json, search_page
from synthscope.observe.sources._windowed import Page, Window
from synthscope.observe.sources.base import Source

SEARCH_FIELDS = "name,description,topics"


class GithubSource(GithubApi):
    """GitHub repositories matching a term, by year of creation (bisected down to one hour)."""

    span: ClassVar[str | timedelta] = "year"
    cap: ClassVar[int | None] = 1000
    smallest: ClassVar[timedelta] = timedelta(hours=1)
    default_keywords: ClassVar[str] = "research"
    default_interval: ClassVar[float] = 2.0  # 30 search requests a minute with a token
    anonymous_interval: ClassVar[float] = 6.0  # 10 a minute without
    page_size: int = 100
    max_pages: int = 10
    empty_page_tries: int = 2

    @classmethod
    def paced_interval(cls, has_token: bool) -> float:
        return cls.default_interval if has_token else cls.anonymous_interval

    def page(self, window: Window, cursor: Any) -> Page:
        number = int(cursor or 1)
        params = {
            "q": search_qualifiers(window),
            "per_page": self.page_size,
            "page": number,
        }
        notes: list[str] = []
        for _ in range(self.empty_page_tries + 1):
            answer = self._search(params)
            if answer.items or answer.skipped or not self._expects_items(answer.total, number):
                break
        else:
            notes.append(f"page {number} stayed empty after {self.empty_page_tries + 1} tries")
        if answer.incomplete:
            notes.append(f"incomplete_results on page {number} (total_count {answer.total})")
        more = self._expects_items(answer.total, number + 1) and bool(answer.items)
        return Page(answer.items, answer.total, number + 1 if more else None, answer.skipped, notes)

    def _search(self, params: dict[str, Any]) -> SearchPage:
        observed_at = self.now()

        def parse(response: httpx.Response) -> SearchPage:
            return search_page(read_json(response), observed_at)

        url = f"{self.root()}/search/repositories"
        answer: SearchPage = self._fetcher().get(url, parse, params=params, headers=self.headers())
        return answer

    def _expects_items(self, total: int, number: int) -> bool:
        """Whether page ``number`` holds results: within the count and the 1,000 reachable."""
        reachable = min(total, self.page_size * self.max_pages)
        if self.cap is not None:
            reachable = min(reachable, self.cap)
        return (number - 1) * self.page_size < reachable

    @classmethod
    def examples(cls) -> list[tuple[Source, str]]:
        from synthscope.observe.sources._examples_github import github_example

        return [github_example()]


def search_qualifiers(window: Window) -> str:
    """``TERM in:name,description,topics created:A..B`` for one window (both ends inclusive).

    A term with spaces is quoted so it matches as a phrase; times are UTC with an explicit offset,
    the form GitHub's search syntax documents for ``created:``.
    """
    term = " ".join(window.term.replace('"', " ").split())
    if " " in term:
        term = f'"{term}"'
    last = window.end - timedelta(seconds=1)
    span = f"{window.start:%Y-%m-%dT%H:%M:%S}+00:00..{last:%Y-%m-%dT%H:%M:%S}+00:00"
    return f"{term} in:{SEARCH_FIELDS} created:{span}"

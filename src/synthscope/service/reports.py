"""The trends report for the dashboard and the API: filters, options, a short-lived cache.

The numbers come from :func:`synthscope.observe.report.build.build_report`, the same function
``observe report`` calls, so the dashboard and the written report always agree.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from synthscope.config import Settings
from synthscope.errors import UsageError
from synthscope.observe.keywords import load_keyword_set
from synthscope.observe.report import render_html, render_json, render_markdown
from synthscope.observe.report.build import ReportOptions, build_report
from synthscope.store import Store
from synthscope.store.models import ITEMS

CACHE_SECONDS = 30.0
REGIONS = ("domestic", "foreign")
MODALITIES = ("image_video", "audio", "text")
FORMATS = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class Filters:
    """What the dashboard shows: a year range and platform/region/modality choices."""

    year_from: int | None = None
    year_to: int | None = None
    platforms: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()

    def query(self) -> str:
        """The filters as a URL query string (for download links)."""
        pairs: list[tuple[str, Any]] = [
            (k, v) for k, v in (("from", self.year_from), ("to", self.year_to)) if v
        ]
        pairs += [("platform", p) for p in self.platforms]
        pairs += [("region", r) for r in self.regions]
        pairs += [("modality", m) for m in self.modalities]
        return urlencode(pairs)


def parse_filters(params: Mapping[str, str], multi: Mapping[str, Sequence[str]]) -> Filters:
    """Filters from query parameters (``from``, ``to``, repeated ``platform``/``region``/...).

    Raises:
        UsageError: a year is not a number, or a region or modality is unknown.
    """
    return Filters(
        _year(params.get("from"), "from"),
        _year(params.get("to"), "to"),
        tuple(p for p in multi.get("platform", ()) if p),
        _known(multi.get("region", ()), REGIONS, "region"),
        _known(multi.get("modality", ()), MODALITIES, "modality"),
    )


def _year(value: str | None, name: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 1900 <= int(value) <= 2200:
        raise UsageError(f"{name} must be a year, not {value!r}.", zh=f"{name} 必须是年份。")
    return int(value)


def _known(values: Sequence[str], allowed: Sequence[str], name: str) -> tuple[str, ...]:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise UsageError(
            f"{name} must be one of {', '.join(allowed)}, not {bad[0]!r}.",
            zh=f"{name} 只能是 {', '.join(allowed)} 之一。",
        )
    return tuple(values)


def report_options(settings: Settings, lang: str, filters: Filters) -> ReportOptions:
    """The options ``observe report`` would use, narrowed by ``filters``.

    Raises:
        UsageError: a configured keyword set cannot be loaded.
    """
    content = load_keyword_set(settings.content_keywords, settings.keyword_dirs)
    research = load_keyword_set(settings.research_keywords, settings.keyword_dirs)
    return ReportOptions(
        year_from=filters.year_from,
        year_to=filters.year_to,
        lang=lang,
        content_terms=[t.text for t in content.terms],
        research_terms=[t.text for t in research.terms],
        content_set=content.name,
        research_set=research.name,
        bootstrap_samples=settings.bootstrap_samples,
        platforms=filters.platforms,
        regions=filters.regions,
        modalities=filters.modalities,
    )


@dataclass
class ReportCache:
    """Reports built in the last :data:`CACHE_SECONDS`, per (filters, language)."""

    store: Store
    settings: Settings
    _entries: dict[tuple[Filters, str], tuple[float, dict[str, Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, filters: Filters, lang: str) -> dict[str, Any]:
        """The report for ``filters`` in ``lang`` (built when missing or stale).

        Raises:
            UsageError: the year range is reversed.
            StorageError: the store cannot be read.
        """
        key, now = (filters, lang), time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and now - hit[0] < CACHE_SECONDS:
                return hit[1]
        report = build_report(self.store, report_options(self.settings, lang, filters))
        with self._lock:
            self._entries[key] = (now, report)
        return report


def render(report: Mapping[str, Any], fmt: str, lang: str) -> tuple[str, str]:
    """``(media type, text)`` of the report in ``fmt`` (json, html or md).

    Raises:
        UsageError: unknown format.
    """
    if fmt not in FORMATS:
        raise UsageError(f"The report format must be json, html or md, not {fmt!r}.")
    if fmt == "json":
        return FORMATS[fmt], render_json(report)
    text = render_html(report, lang) if fmt == "html" else render_markdown(report, lang)
    return FORMATS[fmt], text


def platforms(store: Store) -> list[str]:
    """The platforms items in the store come from, sorted.

    Raises:
        StorageError: the store cannot be read.
    """
    with store.reading("listing platforms") as conn:
        return sorted(row[0] for row in conn.execute(select(ITEMS.c.platform).distinct()))

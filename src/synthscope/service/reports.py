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

from sqlalchemy import ColumnElement, and_, func, or_, select, true

from synthscope.config import Settings
from synthscope.errors import UsageError
from synthscope.observe.items import KINDS
from synthscope.observe.keywords import load_keyword_set
from synthscope.observe.report import render_html, render_json, render_markdown
from synthscope.observe.report.build import ReportOptions, build_report
from synthscope.store import Store
from synthscope.store.models import ITEMS
from synthscope.store.queries import counted

CACHE_SECONDS = 30.0
YEARS = (1900, 2200)
# What a message calls each filter, in English and Chinese: the API's parameter names by default;
# the dashboard passes its form labels.
Labels = Mapping[str, tuple[str, str]]
PARAMETERS: Labels = {n: (n, n) for n in ("from", "to", "platform", "region", "modality")}
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

    def narrows(self) -> bool:
        """Whether any filter is set."""
        return bool(self.query())


def parse_filters(
    params: Mapping[str, str], multi: Mapping[str, Sequence[str]], labels: Labels = PARAMETERS
) -> Filters:
    """Filters from query parameters (``from``, ``to``, repeated ``platform``/``region``/...);
    messages name each filter by its ``labels``.

    Raises:
        UsageError: a year is not a year in :data:`YEARS`, the years are reversed, or a region
            or modality is unknown.
    """
    found = Filters(
        _year(params.get("from"), labels["from"]),
        _year(params.get("to"), labels["to"]),
        tuple(p for p in multi.get("platform", ()) if p),
        _known(multi.get("region", ()), REGIONS, labels["region"]),
        _known(multi.get("modality", ()), MODALITIES, labels["modality"]),
    )
    if found.year_from and found.year_to and found.year_from > found.year_to:
        raise _reversed(labels, found.year_from, found.year_to)
    return found


def _year(value: str | None, label: tuple[str, str]) -> int | None:
    if not value:
        return None
    low, high = YEARS
    if not value.isdigit() or not low <= int(value) <= high:
        raise UsageError(
            f"{label[0]} must be a year from {low} to {high}, not {value!r}.",
            zh=f"{label[1]}必须是 {low} 到 {high} 之间的年份，而不是 {value!r}。",
        )
    return int(value)


def _reversed(labels: Labels, start: int, end: int) -> UsageError:
    (from_en, from_zh), (to_en, to_zh) = labels["from"], labels["to"]
    return UsageError(
        f"The year range is reversed: {from_en} {start} is after {to_en} {end}.",
        zh=f"年份范围颠倒：{from_zh} {start} 晚于{to_zh} {end}。",
    )


def _known(
    values: Sequence[str], allowed: Sequence[str], label: tuple[str, str]
) -> tuple[str, ...]:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise UsageError(
            f"{label[0]} must be one of {', '.join(allowed)}, not {bad[0]!r}.",
            zh=f"{label[1]}只能是 {', '.join(allowed)} 之一，而不是 {bad[0]!r}。",
        )
    return tuple(values)


def check_range(store: Store, filters: Filters, labels: Labels = PARAMETERS) -> None:
    """Refuse a single year bound beyond the items' years, in the filters' own words (the report
    would take the other bound from the items and call the range reversed, naming CLI options).

    Raises:
        UsageError: the range ends before the first year with items or starts after the last.
        StorageError: the store cannot be read.
    """
    if (filters.year_from is None) == (filters.year_to is None):
        return  # none, or both (parse_filters compared those)
    statement = select(func.min(ITEMS.c.year), func.max(ITEMS.c.year)).where(
        _scope(filters), or_(*(counted(k) for k in KINDS))
    )
    with store.reading("reading the years of the items") as conn:
        first, last = conn.execute(statement).one()
    this_year = time.gmtime().tm_year
    first, last = first or this_year, last or this_year
    (from_en, from_zh), (to_en, to_zh) = labels["from"], labels["to"]
    if filters.year_from is not None and filters.year_from > last:
        raise UsageError(
            f"{from_en} {filters.year_from} is after {last}, the last year with items.",
            zh=f"{from_zh} {filters.year_from} 晚于有数据的最后一年（{last}）。",
        )
    if filters.year_to is not None and filters.year_to < first:
        raise UsageError(
            f"{to_en} {filters.year_to} is before {first}, the first year with items.",
            zh=f"{to_zh} {filters.year_to} 早于有数据的第一年（{first}）。",
        )


def count_items(store: Store, filters: Filters | None = None) -> int:
    """How many items pass ``filters`` (all items without): an item without a year passes
    only when no year is asked for.

    Raises:
        StorageError: the store cannot be read.
    """
    filters = filters or Filters()
    where = [_scope(filters)]
    if filters.year_from is not None:
        where.append(ITEMS.c.year >= filters.year_from)
    if filters.year_to is not None:
        where.append(ITEMS.c.year <= filters.year_to)
    with store.reading("counting items") as conn:
        return int(conn.execute(select(func.count()).select_from(ITEMS).where(*where)).scalar_one())


def _scope(filters: Filters) -> ColumnElement[bool]:
    """The platform/region/modality filters as a WHERE clause (as the report applies them)."""
    chosen = (
        ("platform", filters.platforms),
        ("region", filters.regions),
        ("modality", filters.modalities),
    )
    return and_(true(), *(ITEMS.c[col].in_(list(vals)) for col, vals in chosen if vals))


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

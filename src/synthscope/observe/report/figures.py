"""Turn a report dict into figures: chart SVG, caption lines and the data table behind each chart.

Both the HTML and the Markdown renderer read the same :class:`Figure`, so the numbers printed in a
table are the numbers drawn. Every reader here is defensive: a key that is missing, null or of the
wrong type means "no data" for that chart, never an exception, because a yearly run with an empty
source must still produce a readable report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from synthscope.observe.items import KINDS
from synthscope.observe.report import fmt
from synthscope.observe.report.i18n import label, t


@dataclass(frozen=True, slots=True)
class Table:
    """A titled table of already formatted cells."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Figure:
    """One chart: SVG markup, caption lines (plain text), its data table, open extra tables."""

    id: str
    title: str
    svgs: tuple[str, ...]
    captions: tuple[str, ...]
    table: Table
    extra: tuple[Table, ...] = ()
    empty: bool = False


@dataclass(frozen=True, slots=True)
class View:
    """A report read through safe accessors, in one language."""

    report: Mapping[str, Any]
    lang: str

    def section(self, *path: str) -> Mapping[str, Any]:
        """The mapping at ``path`` (e.g. ``"items_per_year", "video"``), or ``{}``."""
        node: Any = self.report
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        return node if isinstance(node, Mapping) else {}

    def t(self, key: str, **fields: object) -> str:
        return t(key, self.lang, **fields)

    def label(self, prefix: str, code: str) -> str:
        return label(prefix, code, self.lang)

    def compact(self, value: float) -> str:
        return fmt.fmt_compact(value, self.lang)

    def years(self, *maps: Mapping[str, Any]) -> list[str]:
        """The report's year range plus any other year found in ``maps``, in order."""
        found = {int(k) for m in maps for k in m if str(k).isdigit()}
        span = self.section("range")
        start, end = span.get("from"), span.get("to")
        if _is_int(start) and _is_int(end) and 0 <= end - start <= 200:
            found.update(range(start, end + 1))
        return [str(year) for year in sorted(found)]

    def n_caption(self, n: float | None) -> str:
        return self.t("caption.n", n=fmt.fmt_int(n))

    def growth(self, kind: str) -> list[str]:
        """The growth-multiple sentence for ``kind``, or nothing when it is unknown."""
        growth = self.section("growth_multiple", kind)
        value, start, end = growth.get("value"), growth.get("from"), growth.get("to")
        if not (number(value) is not None and _is_int(start) and _is_int(end)):
            return []
        cagr = fmt.fmt_pct(number(growth.get("cagr")))
        return [
            self.t("caption.growth", start=start, end=end, value=fmt.fmt_factor(value), cagr=cagr)
        ]


def number(value: object) -> float | None:
    """``value`` as a float when it is a finite number, else None (unknown)."""
    return float(value) if fmt.is_number(value) else None  # type: ignore[arg-type]


def counts(values: Mapping[str, Any], years: list[str]) -> list[float]:
    """Counts per year; a year that is absent had no items (0), an explicit null is also 0 here."""
    return [number(values.get(year)) or 0.0 for year in years]


def year_table(
    view: View, title: str, years: list[str], columns: Mapping[str, Sequence[float | None]]
) -> Table:
    """A table with one row per year and one column per named series, counts in full."""
    header = (view.t("table.year"), *columns)
    rows = tuple(
        (year, *(fmt.fmt_int(values[i]) for values in columns.values()))
        for i, year in enumerate(years)
    )
    return Table(title, header, rows)


def kinds_line(view: View) -> str:
    """``视频 1,000、论文 200...`` for the totals in the page header."""
    by_kind = view.section("totals", "by_kind")
    kinds = [*KINDS, *(k for k in by_kind if k not in KINDS)]
    parts = [f"{view.label('kind', k)} {fmt.fmt_int(number(by_kind.get(k)) or 0)}" for k in kinds]
    return view.t("list.sep").join(parts)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


Builder = Callable[[View], Figure]

"""The charts of trends 1-4: one builder per chart id, in the order the report shows them."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from synthscope.observe.items import MODALITIES, REGIONS
from synthscope.observe.report import fmt
from synthscope.observe.report._svg import Fmt
from synthscope.observe.report.figures import (
    Builder,
    Figure,
    Table,
    View,
    counts,
    number,
    year_table,
)
from synthscope.observe.report.svg import (
    Axes,
    Series,
    column_chart,
    hbar_chart,
    line_chart,
    log_column_chart,
    no_data,
    share_bar,
    stacked_chart,
)

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("trend1", ("videos_per_year", "category_rank", "region_per_year")),
    ("trend2", ("likes_per_year", "engagement")),
    ("trend3", ("papers_per_year", "modality_share")),
    ("trend4", ("repos_per_year", "star_history")),
)
CHART_IDS: tuple[str, ...] = tuple(cid for _, ids in SECTIONS for cid in ids)
ENGAGEMENT_METRICS: tuple[str, ...] = ("likes", "favorites", "shares", "comments")
# Without a quality code from the builder, call a fit good only when it explains most variance.
GOOD_R2 = 0.9


def build_figures(report: Mapping[str, Any], lang: str) -> list[tuple[str, list[Figure]]]:
    """Sections in order, each with its figures; never raises for missing or odd data."""
    view = View(report, lang)
    return [(sid, [_BUILDERS[cid](view) for cid in ids]) for sid, ids in SECTIONS]


def _axes(view: View, cid: str, x_key: str, y_key: str, fmt_fn: Fmt | None = None) -> Axes:
    title = view.t(f"chart.{cid}")
    return Axes(title, view.t(x_key) if x_key else "", view.t(y_key), fmt_fn or view.compact)


def _no_data(view: View, cid: str) -> str:
    return no_data(view.t("no_data.chart"), view.t(f"chart.{cid}"))


def _figure(
    view: View,
    cid: str,
    svgs: Sequence[str],
    captions: Sequence[str],
    table: Table,
    extra: tuple[Table, ...] = (),
) -> Figure:
    empty = svgs[0] == _no_data(view, cid)  # the builder drew the 'no data' panel
    return Figure(cid, view.t(f"chart.{cid}"), tuple(svgs), tuple(captions), table, extra, empty)


# --- trend 1 ---------------------------------------------------------------------------------


def videos_per_year(view: View) -> Figure:
    cid = "videos_per_year"
    per_year = view.section("items_per_year", "video")
    years = view.years(per_year)
    values = counts(per_year, years)
    series = [Series(view.label("kind", "video"), tuple(values))]
    axes = _axes(view, cid, "axis.year", "axis.videos")
    svg = column_chart(years, series, axes) if sum(values) else _no_data(view, cid)
    table = year_table(view, axes.title, years, {view.t("table.count"): values})
    return _figure(view, cid, [svg], [view.n_caption(sum(values)), *view.growth("video")], table)


def category_rank(view: View) -> Figure:
    cid = "category_rank"
    raw = view.report.get("category_rank")
    rows = [r for r in raw if isinstance(r, Mapping)] if isinstance(raw, list) else []
    ranked = sorted(((str(r.get("category")), number(r.get("n")) or 0.0) for r in rows), key=_neg)
    labels = [view.label("category", code) for code, _ in ranked]
    values = [value for _, value in ranked]
    total = sum(values)
    axes = _axes(view, cid, "axis.videos", "table.category")
    svg = hbar_chart(labels, values, axes) if total else _no_data(view, cid)
    header = (view.t("table.category"), view.t("table.count"), view.t("table.share"))
    cells = tuple(
        (lbl, fmt.fmt_int(v), fmt.fmt_pct(v / total if total else None))
        for lbl, v in zip(labels, values, strict=True)
    )
    return _figure(view, cid, [svg], [view.n_caption(total)], Table(axes.title, header, cells))


def region_per_year(view: View) -> Figure:
    cid = "region_per_year"
    by_region = view.section("items_per_year_by_region")
    regions = [*REGIONS, *(r for r in by_region if r not in REGIONS)]
    maps = {r: view.section("items_per_year_by_region", r) for r in regions}
    years = view.years(*maps.values())
    columns = {view.label("region", r): counts(maps[r], years) for r in regions}
    total = sum(sum(values) for values in columns.values())
    series = [Series(name, tuple(values)) for name, values in columns.items()]
    axes = _axes(view, cid, "axis.year", "axis.videos")
    svgs = [column_chart(years, series, axes) if total else _no_data(view, cid)]
    share, captions = _region_share(view, regions)
    svgs += [share_bar(share, axes.title, fmt.fmt_pct)] if share else []
    table = year_table(view, axes.title, years, columns)
    return _figure(view, cid, svgs, [view.n_caption(total), *captions], table)


def _region_share(view: View, regions: list[str]) -> tuple[list[tuple[str, float]], list[str]]:
    shares = view.section("region_share")
    parts = [(view.label("region", r), number(shares.get(r))) for r in regions]
    known = [(name, share) for name, share in parts if share is not None]
    n = number(shares.get("n"))
    if not known or not n:
        return [], []
    text = view.t("list.sep").join(f"{name} {fmt.fmt_pct(share)}" for name, share in known)
    return known, [view.t("caption.region_share", parts=text, n=fmt.fmt_int(n))]


# --- trend 2 ---------------------------------------------------------------------------------


def likes_per_year(view: View) -> Figure:
    cid = "likes_per_year"
    likes, ns = view.section("likes_per_year"), view.section("likes_per_year_n")
    years = view.years(likes, ns)
    values = [number(likes.get(year)) for year in years]
    quality, fit_captions = _fit_captions(view)
    curve = fit_curve(years, values, view.section("likes_growth_fit")) if quality != "none" else []
    axes = _axes(view, cid, "axis.year", "axis.likes_log")
    drawable = any(v for v in values if v is not None)
    svg = (
        _likes_chart(view, years, values, axes, curve, quality) if drawable else _no_data(view, cid)
    )
    n = sum(counts(ns, years)) if ns else None
    zero = [view.t("caption.log_zero")] if drawable and 0.0 in values else []
    columns: dict[str, Sequence[float | None]] = {
        view.t("table.likes"): values,
        view.t("table.likes_n"): counts(ns, years),
    }
    table = year_table(view, axes.title, years, columns)
    return _figure(view, cid, [svg], [view.n_caption(n), *fit_captions, *zero], table)


def _likes_chart(
    view: View,
    years: list[str],
    values: list[float | None],
    axes: Axes,
    curve: list[tuple[float, float]],
    quality: str,
) -> str:
    label = view.t("caption.fit.line")
    dashed = quality != "good"
    return log_column_chart(years, values, axes, fit=curve, fit_label=label, fit_dashed=dashed)


def _fit_captions(view: View) -> tuple[str, list[str]]:
    """The fit's quality (good, fair, poor or none) and the sentences saying how far to trust it."""
    fit = view.section("likes_growth_fit")
    factor, r2 = number(fit.get("annual_factor")), number(fit.get("r2"))
    points = fmt.fmt_int(number(fit.get("n_points")))
    quality = fit.get("quality")
    if not isinstance(quality, str):
        quality = "good" if (r2 or 0.0) >= GOOD_R2 else "poor"
    if quality == "insufficient" or factor is None or factor <= 0:
        return "none", [view.t("caption.fit.insufficient", points=points)] if fit else []
    # Codes from metrics.loglinear_fit; an unknown code is not trusted.
    quality = quality if quality in ("good", "fair") else "poor"
    span = fit.get("years") if isinstance(fit.get("years"), list) else None
    start, end = (span[0], span[-1]) if span else (fmt.DASH, fmt.DASH)
    r2_text = fmt.fmt_float(r2, 3)
    fields = {"factor": fmt.fmt_factor(factor), "r2": r2_text, "start": start, "end": end}
    captions = [view.t(f"caption.fit.{quality}", points=points, **fields)]
    excluded = fit.get("excluded_years")
    if isinstance(excluded, list) and excluded:
        years = view.t("list.sep").join(str(y) for y in excluded)
        captions.append(view.t("caption.fit.excluded", years=years))
    return quality, captions


def fit_curve(
    years: Sequence[str], values: Sequence[float | None], fit: Mapping[str, Any]
) -> list[tuple[float, float]]:
    """Points ``(category index, value)`` of the fitted exponential over the fit's years.

    The report gives the annual factor (the slope of log10 likes per year) but no intercept; for
    a least-squares line the intercept makes the line pass through the mean of the fitted points,
    so it is recovered from the same points the fit used (in its year span, not excluded, > 0).
    """
    factor, span = number(fit.get("annual_factor")), fit.get("years")
    if factor is None or factor <= 0 or not isinstance(span, list) or len(span) != 2:
        return []
    excluded = set(fit.get("excluded_years") or [])
    used = [
        (int(y), v)
        for y, v in zip(years, values, strict=True)
        if v and v > 0 and span[0] <= int(y) <= span[1] and int(y) not in excluded
    ]
    if len(used) < 2:
        return []
    slope = math.log10(factor)
    intercept = sum(math.log10(v) - slope * y for y, v in used) / len(used)
    index = {int(y): i for i, y in enumerate(years)}
    inside = [y for y in range(span[0], span[1] + 1) if y in index]
    return [(float(index[y]), 10 ** (intercept + slope * y)) for y in inside]


@dataclass(frozen=True, slots=True)
class _Metric:
    name: str
    value: float | None
    interval: tuple[float, float] | None
    n: float | None


def engagement(view: View) -> Figure:
    cid = "engagement"
    metrics = _metrics(view)
    cats = [f"{m.name}\nn = {fmt.fmt_int(m.n)}" for m in metrics]
    axes = _axes(view, cid, "", "axis.per_1000", fmt.fmt_float)
    series = [Series("", tuple(m.value for m in metrics))]
    errors = [m.interval for m in metrics]
    known = any(m.value is not None for m in metrics)
    svg = column_chart(cats, series, axes, errors=errors) if known else _no_data(view, cid)
    n_text = view.t("list.sep").join(f"{m.name} {fmt.fmt_int(m.n)}" for m in metrics)
    captions = [view.t("caption.engagement"), view.t("caption.n", n=n_text)]
    header = tuple(view.t(k) for k in ("table.metric", "table.rate", "table.ci95", "table.n"))
    rows = tuple(
        (m.name, fmt.fmt_float(m.value), _ci_text(m.interval), fmt.fmt_int(m.n)) for m in metrics
    )
    return _figure(view, cid, [svg], captions, Table(axes.title, header, rows))


def _metrics(view: View) -> list[_Metric]:
    section = view.section("engagement_per_1000_plays")
    ns = _metric_ns(section.get("n"))
    ci = view.section("engagement_per_1000_plays", "ci95")
    return [
        _Metric(view.label("metric", m), number(section.get(m)), _interval(ci.get(m)), ns[m])
        for m in ENGAGEMENT_METRICS
    ]


def _metric_ns(raw: object) -> dict[str, float | None]:
    # "n" is one count for all metrics, or one per metric when they differ (CONTRACTS.md).
    if isinstance(raw, Mapping):
        return {m: number(raw.get(m)) for m in ENGAGEMENT_METRICS}
    return dict.fromkeys(ENGAGEMENT_METRICS, number(raw))


def _interval(raw: object) -> tuple[float, float] | None:
    if not isinstance(raw, list) or len(raw) != 2:
        return None
    lo, hi = number(raw[0]), number(raw[1])
    return (lo, hi) if lo is not None and hi is not None else None


def _ci_text(interval: tuple[float, float] | None) -> str:
    return f"{fmt.fmt_float(interval[0])}–{fmt.fmt_float(interval[1])}" if interval else fmt.DASH


def _neg(row: tuple[str, float]) -> float:
    return -row[1]


# --- trends 3 and 4 --------------------------------------------------------------------------


def papers_per_year(view: View) -> Figure:
    figure = _by_modality(view, "papers_per_year", "paper", "axis.papers")
    missing = number(view.report.get("papers_without_arxiv_id"))
    extra = [view.t("caption.no_arxiv", n=fmt.fmt_int(missing))] if missing else []
    return replace(figure, captions=(*figure.captions, *extra))


def repos_per_year(view: View) -> Figure:
    return _by_modality(view, "repos_per_year", "repo", "axis.repos")


def _by_modality(view: View, cid: str, kind: str, axis_key: str) -> Figure:
    """Per-year counts stacked by modality; items without a modality show as 'unclassified'."""
    key = f"{kind}s_per_year_by_modality"
    found = view.section(key)
    modalities = [*MODALITIES, *(m for m in found if m not in MODALITIES)]
    maps = {m: view.section(key, m) for m in modalities}
    totals_map = view.section("items_per_year", kind)
    years = view.years(totals_map, *maps.values())
    columns = {view.label("modality", m): counts(maps[m], years) for m in modalities}
    classified = [sum(col[i] for col in columns.values()) for i in range(len(years))]
    totals = [max(a, b) for a, b in zip(counts(totals_map, years), classified, strict=True)]
    rest = [total - part for total, part in zip(totals, classified, strict=True)]
    if any(rest):
        columns[view.t("caption.unclassified")] = rest
    axes = _axes(view, cid, "axis.year", axis_key)
    series = [Series(name, tuple(values)) for name, values in columns.items()]
    svg = stacked_chart(years, series, axes) if sum(totals) else _no_data(view, cid)
    table = year_table(view, axes.title, years, {**columns, view.t("table.total"): totals})
    return _figure(view, cid, [svg], [view.n_caption(sum(totals)), *view.growth(kind)], table)


def modality_share(view: View) -> Figure:
    cid = "modality_share"
    shares = view.section("modality_share")
    codes = [*MODALITIES, *(m for m in shares if m not in (*MODALITIES, "n"))]
    parts = [(view.label("modality", m), number(shares.get(m))) for m in codes]
    known = [(name, share) for name, share in parts if share is not None]
    n = number(shares.get("n"))
    title = view.t(f"chart.{cid}")
    svg = share_bar(known, title, fmt.fmt_pct) if known and n else _no_data(view, cid)
    header = (view.t("table.modality"), view.t("table.share"))
    table = Table(title, header, tuple((name, fmt.fmt_pct(share)) for name, share in parts))
    return _figure(view, cid, [svg], [view.n_caption(n)], table)


def star_history(view: View) -> Figure:
    cid = "star_history"
    history = view.section("star_history")
    series = [(str(repo), pts) for repo, raw in history.items() if (pts := _star_points(raw))]
    axes = _axes(view, cid, "axis.date", "axis.stars")
    svg = line_chart(series, axes, x_fmt=_year_label) if series else _no_data(view, cid)
    header = tuple(view.t(k) for k in ("table.repo", "table.first", "table.last"))
    rows = tuple((repo, *_ends(history[repo])) for repo, _ in series)
    captions = [view.t("caption.repos", n=fmt.fmt_int(len(series)))]
    table = Table(axes.title, header, rows)
    return _figure(view, cid, [svg], captions, table, extra=_thresholds(view))


def _thresholds(view: View) -> tuple[Table, ...]:
    section = view.section("star_thresholds")
    raw = section.get("thresholds")
    rows = [r for r in raw if isinstance(r, Mapping)] if isinstance(raw, list) else []
    if not rows:
        return ()
    n = fmt.fmt_int(number(section.get("n")))
    detail = view.t("caption.thresholds", n=n)
    title = view.t("table.titled", title=view.t("chart.star_thresholds"), detail=detail)
    header = tuple(view.t(k) for k in ("table.threshold", "table.projects", "table.share"))
    cells = tuple(
        (
            f"≥ {fmt.fmt_int(number(r.get('threshold')))}",
            fmt.fmt_int(number(r.get("count"))),
            fmt.fmt_pct(number(r.get("share"))),
        )
        for r in rows
    )
    return (Table(title, header, cells),)


def _star_points(raw: object) -> list[tuple[float, float]]:
    pairs = raw if isinstance(raw, list) else []
    points = [(_year_fraction(p[0]), number(p[1])) for p in pairs if _is_pair(p)]
    return [(x, y) for x, y in points if x is not None and y is not None]


def _is_pair(value: object) -> bool:
    return isinstance(value, list | tuple) and len(value) == 2


def _year_fraction(value: object) -> float | None:
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    start = date(day.year, 1, 1).toordinal()
    length = date(day.year + 1, 1, 1).toordinal() - start
    return day.year + (day.toordinal() - start) / length


def _ends(raw: object) -> tuple[str, str]:
    found = [(str(p[0]), p[1]) for p in raw if _is_pair(p)] if isinstance(raw, list) else []
    pairs = sorted(found, key=_first)
    show = [f"{d}: {fmt.fmt_int(number(v))}" for d, v in (pairs[0], pairs[-1])] if pairs else []
    return (show[0], show[1]) if show else (fmt.DASH, fmt.DASH)


def _first(pair: tuple[str, Any]) -> str:
    return pair[0]


def _year_label(value: float) -> str:
    return str(int(value))


_BUILDERS: dict[str, Builder] = {
    "videos_per_year": videos_per_year,
    "category_rank": category_rank,
    "region_per_year": region_per_year,
    "likes_per_year": likes_per_year,
    "engagement": engagement,
    "papers_per_year": papers_per_year,
    "modality_share": modality_share,
    "repos_per_year": repos_per_year,
    "star_history": star_history,
}

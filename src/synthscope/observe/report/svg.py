"""Chart types of the trends report, each returning one self-contained ``<svg>`` string.

Columns (single, grouped, with confidence whiskers), stacked columns, columns on a log scale with a
fitted line, horizontal bars, a 100% share bar, lines over time, and a 'no data' panel. They take
plain numbers and already translated words; the building blocks live in :mod:`._svg`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from synthscope.observe.report._svg import (
    ACCENT,
    DASHES,
    GRID,
    HALO,
    INK,
    MUTED,
    PALETTE,
    Axes,
    Box,
    Fmt,
    Points,
    Scale,
    Series,
    axis_titles,
    band_centers,
    baseline,
    document,
    element,
    escape,
    legend,
    legend_height,
    linear,
    log_scale,
    log_ticks,
    nice_ticks,
    num,
    text,
    text_width,
    with_top,
    x_labels,
    y_grid,
)

__all__ = [
    "Axes",
    "Box",
    "Series",
    "column_chart",
    "escape",
    "hbar_chart",
    "line_chart",
    "log_column_chart",
    "nice_ticks",
    "no_data",
    "share_bar",
    "stacked_chart",
]

DASH = "–"
Interval = tuple[float, float] | None
DEFAULT_BOX = Box()


def column_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    axes: Axes,
    *,
    errors: Sequence[Interval] | None = None,
    box: Box = DEFAULT_BOX,
) -> str:
    """Vertical bars, grouped when there are several series; ``errors`` adds whiskers."""
    names = [s.name for s in series] if len(series) > 1 else []
    box = with_top(box, legend_height(names, box.x1 - box.x0))
    highs = [hi for e in errors or () if e is not None for hi in e]
    peak = max([*_known(series), *highs], default=0.0)
    ticks = nice_ticks(0.0, peak, integer=_all_integers(series) and not highs)
    scale = linear(0.0, ticks[-1], box.y0, box.y1)
    centers = band_centers(box, len(categories))
    body = (
        y_grid(box, ticks, scale, axes.fmt),
        _columns(box, centers, series, scale, axes, categories, errors or ()),
        _whiskers(centers, errors or (), scale),
        baseline(box),
        x_labels(box, categories, centers),
        axis_titles(box, axes),
        legend(names, box.x0, 10, box.x1 - box.x0),
    )
    return document(box, axes.title, "".join(body))


def stacked_chart(
    categories: Sequence[str], series: Sequence[Series], axes: Axes, *, box: Box = DEFAULT_BOX
) -> str:
    """Vertical bars stacked by series, with the total over each bar."""
    names = [s.name for s in series]
    box = with_top(box, legend_height(names, box.x1 - box.x0))
    columns = list(zip(*(s.values for s in series), strict=True)) or [() for _ in categories]
    totals = [sum(v for v in column if v is not None) for column in columns]
    ticks = nice_ticks(0.0, max(totals, default=0.0), integer=_all_integers(series))
    scale = linear(0.0, ticks[-1], box.y0, box.y1)
    centers = band_centers(box, len(categories))
    width = (box.x1 - box.x0) / max(len(categories), 1) * 0.6
    stacks = "".join(
        _stack(box, cx, width, column, names, scale, axes.fmt)
        + _value_label(cx, scale(total) - 5, axes.fmt(total), 11, width / 0.6)
        for cx, column, total in zip(centers, columns, totals, strict=True)
    )
    body = (y_grid(box, ticks, scale, axes.fmt), stacks, baseline(box))
    tail = (x_labels(box, categories, centers), axis_titles(box, axes))
    return document(
        box, axes.title, "".join((*body, *tail, legend(names, box.x0, 10, box.x1 - box.x0)))
    )


def log_column_chart(
    categories: Sequence[str],
    values: Sequence[float | None],
    axes: Axes,
    *,
    fit: Points = (),
    fit_label: str = "",
    fit_dashed: bool = False,
    box: Box = DEFAULT_BOX,
) -> str:
    """Bars on a log axis (0 and unknown values get a label only) plus an optional fitted line.

    ``fit`` holds ``(category index, value)`` points; a dashed line marks a fit not to be trusted.
    """
    box = with_top(box, 18 if fit else 0)
    positives = [v for v in values if v is not None and v > 0] + [y for _, y in fit if y > 0]
    ticks = log_ticks(min(positives, default=1.0), max(positives, default=10.0))
    scale = log_scale(ticks[0], ticks[-1], box.y0, box.y1)
    centers = band_centers(box, len(categories))
    band = (box.x1 - box.x0) / max(len(categories), 1)
    bars = "".join(
        _log_column(box, cx, band * 0.6, v, scale, axes.fmt, label)
        for cx, v, label in zip(centers, values, categories, strict=True)
    )
    line = _fit_line(box, band, fit, scale, fit_label, fit_dashed) if fit else ""
    body = (y_grid(box, ticks, scale, axes.fmt), bars, line, baseline(box))
    tail = (x_labels(box, categories, centers), axis_titles(box, axes))
    return document(box, axes.title, "".join((*body, *tail)))


def hbar_chart(labels: Sequence[str], values: Sequence[float], axes: Axes) -> str:
    """Horizontal bars, one per label, top to bottom in the order given."""
    left = max((text_width(label, 12) for label in labels), default=0.0) + 34
    box = Box(left=max(left, 72.0), right=64, top=12, bottom=52, height=64 + 28 * len(labels))
    ticks = nice_ticks(
        0.0, max(values, default=0.0), integer=_all_integers([Series("", tuple(values))])
    )
    scale = linear(0.0, ticks[-1], box.x0, box.x1)
    grid = "".join(_x_tick(box, scale(v), axes.fmt(v)) for v in ticks)
    bars = "".join(
        _hbar(box, box.top + 28 * i + 4, label, value, scale, axes.fmt)
        for i, (label, value) in enumerate(zip(labels, values, strict=True))
    )
    axis = element("line", {"x1": box.x0, "x2": box.x0, "y1": box.y1, "y2": box.y0, "stroke": INK})
    return document(box, axes.title, grid + bars + axis + axis_titles(box, axes, x_offset=36))


def share_bar(parts: Sequence[tuple[str, float]], title: str, pct: Fmt) -> str:
    """One 100% bar split into shares (0..1) with a legend naming each share."""
    names = [f"{name} {pct(share)}" for name, share in parts]
    box = Box(left=24, right=24, top=12, bottom=0)
    lh = legend_height(names, box.x1 - box.x0)
    box = replace(box, height=12 + 30 + 14 + lh + 8)
    total = max(sum(share for _, share in parts), 1.0)
    scale = linear(0.0, total, box.x0, box.x1)
    frame = {"x": box.x0, "y": 12, "width": box.x1 - box.x0, "height": 30}
    body = [element("rect", {**frame, "fill": "#fafafa", "stroke": GRID})]
    start = 0.0
    for i, (name, share) in enumerate(parts):
        body.append(_share_segment(i, scale(start), scale(start + share), name, pct(share)))
        start += share
    body.append(legend(names, box.x0, 56, box.x1 - box.x0))
    return document(box, title, "".join(body))


def line_chart(series: Sequence[tuple[str, Points]], axes: Axes, *, x_fmt: Fmt) -> str:
    """Lines over a numeric x axis (e.g. fractional years), each labelled with its last value."""
    xs = [x for _, points in series for x, _ in points]
    ys = [y for _, points in series for _, y in points]
    names = [name for name, _ in series]
    x_ticks = nice_ticks(math.floor(min(xs)), math.ceil(max(xs)), 8, integer=True)
    y_ticks = nice_ticks(0.0, max(ys), integer=True)
    box = Box(right=64)
    lh = legend_height(names, box.x1 - box.x0)
    box = replace(box, bottom=box.bottom + lh + 6, height=box.height + lh + 6)
    sx = linear(x_ticks[0], x_ticks[-1], box.x0, box.x1)
    sy = linear(0.0, y_ticks[-1], box.y0, box.y1)
    x_axis = "".join(_x_tick(box, sx(x), x_fmt(x), grid=False) for x in x_ticks)
    lines = "".join(_line(i, name, pts, sx, sy) for i, (name, pts) in enumerate(series))
    lines += _end_labels([max(pts) for _, pts in series], sx, sy, axes.fmt)  # latest point
    body = (y_grid(box, y_ticks, sy, axes.fmt), x_axis, lines, baseline(box))
    tail = (
        axis_titles(box, axes, x_offset=36),
        legend(names, box.x0, box.y0 + 50, box.x1 - box.x0, True),
    )
    return document(box, axes.title, "".join((*body, *tail)))


def no_data(message: str, title: str) -> str:
    """A framed panel saying there is nothing to draw."""
    box = Box(height=96)
    frame = {"x": 1, "y": 1, "width": box.width - 2, "height": box.height - 2, "rx": 6}
    style = {"fill": "#fafafa", "stroke": "#bbbbbb", "stroke-dasharray": "5 4"}
    body = element("rect", {**frame, **style}) + text(
        box.width / 2, 54, message, size=15, fill=MUTED
    )
    return document(box, title, body)


# --- pieces ----------------------------------------------------------------------------------


def _known(series: Sequence[Series]) -> list[float]:
    return [v for s in series for v in s.values if v is not None]


def _all_integers(series: Sequence[Series]) -> bool:
    return all(float(v).is_integer() for v in _known(series))


def _columns(
    box: Box,
    centers: Sequence[float],
    series: Sequence[Series],
    scale: Scale,
    axes: Axes,
    categories: Sequence[str],
    errors: Sequence[Interval],
) -> str:
    band = (box.x1 - box.x0) / max(len(centers), 1)
    group = band * (0.76 if len(series) > 1 else 0.6)
    width = group / max(len(series), 1)
    size = min(11.0, max(8.0, width / 2.6))
    room = band if len(series) == 1 else width
    parts = []
    for si, s in enumerate(series):
        for ci, value in enumerate(s.values):
            x = centers[ci] - group / 2 + si * width
            tip = f"{s.name} {categories[ci]}".replace("\n", " ").strip()
            parts.append(_column(box, x, width, value, scale, PALETTE[si % len(PALETTE)], tip))
            interval = errors[ci] if ci < len(errors) else None
            top = max(value or 0.0, interval[1] if interval else 0.0)
            label = DASH if value is None else axes.fmt(value)
            parts.append(_value_label(x + width / 2, scale(top) - 5, label, size, room))
    return "".join(parts)


def _value_label(x: float, y: float, label: str, size: float, room: float) -> str:
    # A label wider than its bar's slot would overprint its neighbour; the data table has it.
    if text_width(label, size) > room + 2:
        return ""
    return text(x, y, label, size=size, attrs=HALO)


def _column(
    box: Box, x: float, width: float, value: float | None, scale: Scale, color: str, tip: str
) -> str:
    if not value:
        return ""
    y = scale(value)
    attrs = {"x": x + 0.5, "y": y, "width": max(width - 1, 1), "height": box.y0 - y, "fill": color}
    return element("rect", attrs, element("title", {}, escape(f"{tip}: {num(value)}")))


def _whiskers(centers: Sequence[float], errors: Sequence[Interval], scale: Scale) -> str:
    parts = []
    for cx, interval in zip(centers, errors, strict=False):
        if interval is None:
            continue
        lo, hi = scale(interval[0]), scale(interval[1])
        stroke = {"stroke": INK, "stroke-width": 1.4}
        parts.append(element("line", {"x1": cx, "x2": cx, "y1": lo, "y2": hi, **stroke}))
        for y in (lo, hi):
            parts.append(element("line", {"x1": cx - 6, "x2": cx + 6, "y1": y, "y2": y, **stroke}))
    return "".join(parts)


def _stack(
    box: Box,
    cx: float,
    width: float,
    column: Sequence[float | None],
    names: Sequence[str],
    scale: Scale,
    fmt: Fmt,
) -> str:
    parts, running = [], 0.0
    for i, value in enumerate(column):
        if not value:
            continue
        top, bottom = scale(running + value), scale(running)
        tip = element("title", {}, escape(f"{names[i]}: {num(value)}"))
        rect = {"x": cx - width / 2, "y": top, "width": width, "height": bottom - top}
        parts.append(element("rect", {**rect, "fill": PALETTE[i % len(PALETTE)]}, tip))
        if bottom - top >= 14 and width >= 26:
            parts.append(text(cx, (top + bottom) / 2 + 3.5, fmt(value), size=9, fill="#ffffff"))
        running += value
    return "".join(parts)


def _log_column(
    box: Box, cx: float, width: float, value: float | None, scale: Scale, fmt: Fmt, tip: str
) -> str:
    if value is None or value <= 0:
        label = DASH if value is None else fmt(0.0)
        return text(cx, box.y0 - 5, label, size=11)
    column = _column(box, cx - width / 2, width, value, scale, PALETTE[0], tip)
    return column + _value_label(cx, scale(value) - 5, fmt(value), 11, width / 0.6)


def _fit_line(box: Box, band: float, fit: Points, scale: Scale, label: str, dashed: bool) -> str:
    coords = " ".join(f"{num(box.x0 + band * (i + 0.5))},{num(scale(y))}" for i, y in fit)
    style = {"fill": "none", "stroke": ACCENT, "stroke-width": 2}
    dash = {"stroke-dasharray": "6 4"} if dashed else {}
    key_y = box.top - 16
    key = {"x1": box.x1 - 150, "x2": box.x1 - 128, "y1": key_y, "y2": key_y}
    return (
        element("polyline", {"points": coords, **style, **dash})
        + element("line", {**key, **style, **dash})
        + text(box.x1 - 122, key_y + 4, label, anchor="start", size=11)
    )


def _hbar(box: Box, y: float, label: str, value: float, scale: Scale, fmt: Fmt) -> str:
    end = scale(value)
    rect = {"x": box.x0, "y": y, "width": end - box.x0, "height": 18, "fill": PALETTE[0]}
    tip = element("title", {}, escape(f"{label}: {num(value)}"))
    return (
        (element("rect", rect, tip) if value else "")
        + text(box.x0 - 8, y + 13, label, anchor="end")
        + text(end + 5, y + 13, fmt(value), anchor="start", size=11)
    )


def _x_tick(box: Box, x: float, label: str, *, grid: bool = True) -> str:
    top = box.y1 if grid else box.y0
    line = element("line", {"x1": x, "x2": x, "y1": top, "y2": box.y0 + 4, "stroke": GRID})
    return line + text(x, box.y0 + 17, label, size=11, fill=MUTED)


def _share_segment(index: int, x0: float, x1: float, name: str, label: str) -> str:
    if x1 <= x0:
        return ""
    color = PALETTE[index % len(PALETTE)]
    tip = element("title", {}, escape(f"{name}: {label}"))
    rect = element("rect", {"x": x0, "y": 12, "width": x1 - x0, "height": 30, "fill": color}, tip)
    fits = x1 - x0 >= text_width(label, 12) + 8
    return rect + (text((x0 + x1) / 2, 31, label, fill="#ffffff") if fits else "")


def _line(index: int, name: str, points: Points, sx: Scale, sy: Scale) -> str:
    ordered = sorted(points)
    color = PALETTE[index % len(PALETTE)]
    dash = DASHES[index % len(DASHES)]
    coords = " ".join(f"{num(sx(x))},{num(sy(y))}" for x, y in ordered)
    style = {"fill": "none", "stroke": color, "stroke-width": 2}
    style.update({"stroke-dasharray": dash} if dash else {})
    last = {"cx": sx(ordered[-1][0]), "cy": sy(ordered[-1][1]), "r": 3, "fill": color}
    tip = element("title", {}, escape(name))
    return element("polyline", {"points": coords, **style}, tip) + element("circle", last)


def _end_labels(ends: Sequence[tuple[float, float]], sx: Scale, sy: Scale, fmt: Fmt) -> str:
    """Value labels at the end of each line, nudged apart vertically so they never overprint."""
    order = sorted(range(len(ends)), key=lambda i: sy(ends[i][1]))
    placed: dict[int, float] = {}
    floor = -math.inf
    for i in order:
        placed[i] = max(sy(ends[i][1]) + 4, floor + 11)
        floor = placed[i]
    return "".join(
        text(sx(x) + 6, placed[i], fmt(y), anchor="start", size=10, attrs=HALO)
        for i, (x, y) in enumerate(ends)
    )

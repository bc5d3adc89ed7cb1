"""SVG building blocks for the report charts: escaping, elements, scales, ticks, axes, legends.

Output is deterministic (fixed number formatting and attribute order, no ids, no randomness), so the
same report renders byte-identical. Text stays ``<text>`` so the reader's own CJK fonts draw it, and
every string passes through :func:`escape`. Colours are the Okabe-Ito palette (safe for colour
blindness); lines also differ in dash pattern so they stay apart when printed in grey.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from html import escape as _html_escape

SVG_NS = "http://www.w3.org/2000/svg"
FONT_FAMILY = (
    '"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","Microsoft YaHei",'
    '"PingFang SC",sans-serif'
)
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#999999",
    "#000000",
)
DASHES: tuple[str, ...] = ("", "6 3", "2 3", "9 3 2 3", "12 4")
INK, MUTED, GRID, ACCENT = "#222222", "#666666", "#e3e3e3", "#D55E00"
# A white outline behind value labels keeps them legible where a line or whisker crosses them.
HALO: Mapping[str, object] = {
    "stroke": "#ffffff",
    "stroke-width": 3,
    "stroke-linejoin": "round",
    "paint-order": "stroke",
}

Fmt = Callable[[float], str]
Scale = Callable[[float], float]
Points = Sequence[tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Series:
    """One named row of values, one per category; None is an unknown value (drawn as a dash)."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class Axes:
    """The words of a chart: accessible title, axis titles (with units), value formatter."""

    title: str
    x_label: str
    y_label: str
    fmt: Fmt


@dataclass(frozen=True, slots=True)
class Box:
    """Canvas size and the margins around the plot area, in SVG user units."""

    width: float = 720.0
    height: float = 300.0
    left: float = 72.0
    right: float = 24.0
    top: float = 30.0
    bottom: float = 56.0

    @property
    def x0(self) -> float:
        return self.left

    @property
    def x1(self) -> float:
        return self.width - self.right

    @property
    def y0(self) -> float:
        """The baseline (bottom of the plot area)."""
        return self.height - self.bottom

    @property
    def y1(self) -> float:
        return self.top


# --- primitives ------------------------------------------------------------------------------


def escape(value: str) -> str:
    """Escape text for XML/HTML content and attribute values."""
    return _html_escape(value, quote=True)


def num(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros (stable across platforms)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def element(tag: str, attrs: Mapping[str, object], body: str | None = None) -> str:
    """``<tag a="v">body</tag>``, or self-closing when ``body`` is None; values are escaped."""
    parts = "".join(f' {key}="{_attr(value)}"' for key, value in attrs.items())
    return f"<{tag}{parts}/>" if body is None else f"<{tag}{parts}>{body}</{tag}>"


def text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "middle",
    size: float = 12,
    fill: str = INK,
    attrs: Mapping[str, object] | None = None,
) -> str:
    """A ``<text>``; a newline in ``content`` starts a new line (a ``<tspan>``)."""
    lines = content.split("\n")
    body = escape(content)
    if len(lines) > 1:
        dy = size * 1.2
        body = "".join(
            element("tspan", {"x": x, "dy": 0 if i == 0 else dy}, escape(line))
            for i, line in enumerate(lines)
        )
    base = {"x": x, "y": y, "text-anchor": anchor, "font-size": size, "fill": fill}
    return element("text", {**base, **(attrs or {})}, body)


def text_width(content: str, size: float) -> float:
    """Rough rendered width: CJK glyphs are square, Latin ones about 0.6 em."""
    longest = max(content.split("\n"), key=len)
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in longest)


def document(box: Box, title: str, body: str) -> str:
    """The root ``<svg>`` with its accessible ``<title>``."""
    attrs = {
        "xmlns": SVG_NS,
        "viewBox": f"0 0 {num(box.width)} {num(box.height)}",
        "width": box.width,
        "height": box.height,
        "role": "img",
        "font-family": FONT_FAMILY,
        "font-size": 12,
    }
    return element("svg", attrs, element("title", {}, escape(title)) + body)


def _attr(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return num(float(value))
    return escape(str(value))


# --- scales and ticks ------------------------------------------------------------------------


def linear(lo: float, hi: float, p0: float, p1: float) -> Scale:
    """Map ``lo..hi`` onto pixels ``p0..p1``."""
    span = (hi - lo) or 1.0
    return lambda v: p0 + (v - lo) / span * (p1 - p0)


def log_scale(lo: float, hi: float, p0: float, p1: float) -> Scale:
    """Map ``lo..hi`` (both > 0) onto pixels ``p0..p1`` logarithmically."""
    inner = linear(math.log10(lo), math.log10(hi), p0, p1)
    return lambda v: inner(math.log10(v))


def nice_ticks(lo: float, hi: float, max_ticks: int = 6, *, integer: bool = False) -> list[float]:
    """Evenly spaced round ticks (steps 1, 2, 2.5 or 5 times a power of ten) covering lo..hi."""
    if not hi > lo:
        hi = lo + 1.0
    step = _nice_step((hi - lo) / max(max_ticks - 1, 1), integer)
    start = math.floor(lo / step + 1e-9) * step
    count = math.ceil((hi - start) / step - 1e-9)
    return [round(start + i * step, 10) for i in range(count + 1)]


def log_ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten covering ``lo..hi`` (both > 0), at least two of them."""
    first = math.floor(math.log10(lo) + 1e-9)
    last = max(math.ceil(math.log10(hi) - 1e-9), first + 1)
    return [10.0**e for e in range(first, last + 1)]


def _nice_step(raw: float, integer: bool) -> float:
    base = 10.0 ** math.floor(math.log10(raw))
    multiples = (1.0, 2.0, 5.0, 10.0) if integer else (1.0, 2.0, 2.5, 5.0, 10.0)
    step = next(m * base for m in multiples if raw <= m * base * (1 + 1e-9))
    return max(step, 1.0) if integer else step


# --- axes and legends ------------------------------------------------------------------------


def y_grid(box: Box, ticks: Sequence[float], scale: Scale, fmt: Fmt) -> str:
    """Horizontal grid lines with tick labels on the left."""
    parts = []
    for value in ticks:
        y = scale(value)
        parts.append(
            element("line", {"x1": box.x0, "x2": box.x1, "y1": y, "y2": y, "stroke": GRID})
        )
        parts.append(text(box.x0 - 6, y + 4, fmt(value), anchor="end", size=11, fill=MUTED))
    return "".join(parts)


def axis_titles(box: Box, axes: Axes, *, x_offset: float = 40) -> str:
    """The rotated y-axis title and the x-axis title under the tick labels."""
    mid = (box.y0 + box.y1) / 2
    rotate = {"transform": f"rotate(-90 14 {num(mid)})"}
    y_title = text(14, mid, axes.y_label, size=11, fill=MUTED, attrs=rotate)
    if not axes.x_label:
        return y_title
    x_title = text((box.x0 + box.x1) / 2, box.y0 + x_offset, axes.x_label, size=11, fill=MUTED)
    return y_title + x_title


def baseline(box: Box) -> str:
    """The x axis line."""
    return element("line", {"x1": box.x0, "x2": box.x1, "y1": box.y0, "y2": box.y0, "stroke": INK})


def x_labels(box: Box, labels: Sequence[str], centers: Sequence[float]) -> str:
    """Category labels under the baseline; only every k-th when they would crowd."""
    every = max(1, math.ceil(len(labels) / 16))
    return "".join(
        text(cx, box.y0 + 16, label, size=11)
        for i, (label, cx) in enumerate(zip(labels, centers, strict=True))
        if i % every == 0
    )


def band_centers(box: Box, count: int) -> list[float]:
    """Centres of ``count`` equal bands across the plot area."""
    band = (box.x1 - box.x0) / max(count, 1)
    return [box.x0 + band * (i + 0.5) for i in range(count)]


def legend_height(names: Sequence[str], width: float) -> float:
    """Height the legend of ``names`` takes when wrapped into ``width``."""
    return (_legend_slots(names, 0, width)[-1][1] + 16) if names else 0.0


def legend(names: Sequence[str], left: float, top: float, width: float, lines: bool = False) -> str:
    """Swatches (or line samples) with names, wrapped into rows; colours follow :data:`PALETTE`."""
    parts = []
    for i, (name, (x, y)) in enumerate(zip(names, _legend_slots(names, left, width), strict=True)):
        parts.append(_swatch(i, x, top + y, lines))
        parts.append(text(x + 22, top + y + 9, name, anchor="start", size=11))
    return "".join(parts)


def _legend_slots(names: Sequence[str], left: float, width: float) -> list[tuple[float, float]]:
    slots, x, y = [], left, 0.0
    for name in names:
        advance = 22 + text_width(name, 11) + 14
        if x > left and x + advance > left + width:
            x, y = left, y + 16
        slots.append((x, y))
        x += advance
    return slots


def _swatch(index: int, x: float, y: float, line: bool) -> str:
    color = PALETTE[index % len(PALETTE)]
    if not line:
        return element("rect", {"x": x, "y": y, "width": 12, "height": 12, "fill": color})
    dash = DASHES[index % len(DASHES)]
    attrs = {"x1": x, "x2": x + 18, "y1": y + 6, "y2": y + 6, "stroke": color, "stroke-width": 2.5}
    return element("line", {**attrs, **({"stroke-dasharray": dash} if dash else {})})


def with_top(box: Box, extra: float) -> Box:
    """``box`` grown at the top by ``extra`` (room for a legend), plot height kept."""
    return replace(box, top=box.top + extra, height=box.height + extra)

"""Detector evidence drawn as small inline SVGs: a heatmap grid, or a score timeline.

Detectors put their evidence in ``evidence`` (free-form JSON); two common shapes are drawn:
``heatmap`` (rows of scores in [0, 1]) and ``frames``/``segments``/``timeline`` (scores over time,
as numbers, ``[t, score]`` pairs or ``{"start", "end", "score"}`` objects). Anything else is left
to the JSON view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

CELL = 8
BAR_W, BAR_H = 480, 60
_TIMELINE_KEYS = ("frames", "segments", "timeline")


def evidence_svgs(evidence: Mapping[str, Any] | None) -> list[str]:
    """The SVGs for the drawable parts of ``evidence`` (none when nothing is drawable)."""
    if not isinstance(evidence, Mapping):
        return []
    out = [heatmap(evidence["heatmap"])] if _is_grid(evidence.get("heatmap")) else []
    for key in _TIMELINE_KEYS:
        points = _points(evidence.get(key))
        if points:
            out.append(timeline(points, key))
    return out


def _is_grid(value: object) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(r, list) and all(_num(v) for v in r) for r in value)
    )


def _num(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shade(score: float) -> str:
    level = max(0.0, min(1.0, float(score)))
    return f"rgb({int(255 * level)},{int(80 * (1 - level))},{int(200 * (1 - level))})"


def heatmap(rows: Sequence[Sequence[float]]) -> str:
    """A grid of cells coloured from blue (0) to red (1)."""
    width, height = max(len(r) for r in rows) * CELL, len(rows) * CELL
    cells = "".join(
        f'<rect x="{x * CELL}" y="{y * CELL}" width="{CELL}" height="{CELL}" fill="{_shade(v)}"/>'
        for y, row in enumerate(rows)
        for x, v in enumerate(row)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>heatmap</title>{cells}</svg>'
    )


def _points(value: object) -> list[tuple[float, float, float]]:
    """``(start, end, score)`` triples from the accepted timeline shapes."""
    if not isinstance(value, list):
        return []
    out: list[tuple[float, float, float]] = []
    for i, item in enumerate(value):
        if _num(item):
            out.append((float(i), float(i + 1), float(item)))
        elif isinstance(item, list | tuple) and len(item) == 2 and all(map(_num, item)):
            out.append((float(item[0]), float(item[0]) + 1.0, float(item[1])))
        elif isinstance(item, Mapping) and all(
            _num(item.get(k)) for k in ("start", "end", "score")
        ):
            out.append((float(item["start"]), float(item["end"]), float(item["score"])))
    return out


def timeline(points: Sequence[tuple[float, float, float]], name: str) -> str:
    """Bars over time: each bar's height is its score."""
    t0, t1 = min(p[0] for p in points), max(p[1] for p in points)
    span = (t1 - t0) or 1.0
    bars = "".join(
        f'<rect x="{BAR_W * (a - t0) / span:.1f}" y="{BAR_H * (1 - s):.1f}" '
        f'width="{max(BAR_W * (b - a) / span, 1):.1f}" height="{BAR_H * s:.1f}" '
        f'fill="{_shade(s)}"/>'
        for a, b, s in points
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{BAR_W}" height="{BAR_H}" '
        f'viewBox="0 0 {BAR_W} {BAR_H}"><title>{escape(name)}</title>'
        f'<rect width="{BAR_W}" height="{BAR_H}" fill="#f1f3f7"/>{bars}</svg>'
    )

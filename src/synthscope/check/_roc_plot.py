"""ROC curves of an evaluation report as a small SVG file (no plotting library).

One chart per report, one curve per condition (clean and each robustness sweep), with the
diagonal for chance and the AUC in the legend. Text stays text (readers' own fonts draw it, CJK
included); the file opens in any browser.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from synthscope.check._metrics import roc_auc, roc_curve
from synthscope.errors import MediaError
from synthscope.media import write_atomic

SIZE, MARGIN = 360, 48
COLOURS = ("#1f5fbf", "#d9531e", "#2e8b3a", "#8e44ad", "#b8860b", "#c0392b", "#555555")


def _curves(report: dict[str, Any]) -> list[tuple[str, float, np.ndarray, np.ndarray]]:
    labels = np.array(report["labels"])
    out = []
    for cond, res in report["conditions"].items():
        scores = np.array([np.nan if v is None else v for v in res.get("scores", [])], float)
        ok = ~np.isnan(scores)
        if len(scores) != len(labels) or len(set(labels[ok].tolist())) < 2:
            continue
        fpr, tpr, _ = roc_curve(labels[ok], scores[ok])
        out.append((cond, roc_auc(labels[ok], scores[ok]), fpr, tpr))
    return out


def _xy(fpr: float, tpr: float) -> str:
    span = SIZE - 2 * MARGIN
    return f"{MARGIN + fpr * span:.1f},{SIZE - MARGIN - tpr * span:.1f}"


def roc_svg(report: dict[str, Any]) -> str:
    """The report's ROC curves as an SVG document (empty axes when no condition has both
    classes)."""
    lo, hi = MARGIN, SIZE - MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE + 150}" height="{SIZE}" '
        f'viewBox="0 0 {SIZE + 150} {SIZE}" font-family="sans-serif" font-size="11">',
        f'<rect x="{lo}" y="{lo}" width="{hi - lo}" height="{hi - lo}" fill="none" stroke="#999"/>',
        f'<line x1="{lo}" y1="{hi}" x2="{hi}" y2="{lo}" stroke="#ccc" stroke-dasharray="4 3"/>',
        f'<text x="{SIZE / 2}" y="{SIZE - 12}" text-anchor="middle">'
        "false-positive rate 误报率</text>",
        f'<text x="14" y="{SIZE / 2}" text-anchor="middle" transform="rotate(-90 14 {SIZE / 2})">'
        "true-positive rate 检出率</text>",
        f'<text x="{lo}" y="{lo - 14}">{escape(str(report.get("detector", "")))} '
        f"({escape(str(report.get('mode', '')))})</text>",
    ]
    for tick in (0.0, 0.5, 1.0):
        parts.append(f'<text x="{_xy(tick, 0).split(",")[0]}" y="{hi + 14}" '
                     f'text-anchor="middle">{tick:g}</text>')  # fmt: skip
        parts.append(f'<text x="{lo - 6}" y="{float(_xy(0, tick).split(",")[1]) + 4}" '
                     f'text-anchor="end">{tick:g}</text>')  # fmt: skip
    for k, (cond, auc, fpr, tpr) in enumerate(_curves(report)):
        colour = COLOURS[k % len(COLOURS)]
        points = " ".join(_xy(float(f), float(t)) for f, t in zip(fpr, tpr, strict=True))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                     f'points="{points}"/>')  # fmt: skip
        y = lo + 14 * k + 8
        parts.append(f'<line x1="{hi + 10}" y1="{y - 4}" x2="{hi + 26}" y2="{y - 4}" '
                     f'stroke="{colour}" stroke-width="2"/>')  # fmt: skip
        parts.append(f'<text x="{hi + 30}" y="{y}">{escape(cond)} AUC {auc:.3f}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def has_curves(report: dict[str, Any]) -> bool:
    """Whether some condition of ``report`` has scores of both classes to draw a curve from."""
    return bool(_curves(report))


def write_roc_plots(reports: list[dict[str, Any]], folder: Path) -> list[Path]:
    """One ``<detector>-roc.svg`` per report that :func:`has_curves` in ``folder`` (created if
    needed), each written atomically; the paths. A report without a curve gets no file (an
    empty chart would look like a result).

    Raises:
        MediaError: the folder cannot be made or written.
    """
    drawn = [report for report in reports if has_curves(report)]
    if drawn:
        _make_folder(folder)
    paths = []
    for report in drawn:
        path = folder / f"{report.get('detector', 'detector')}-roc.svg"
        write_atomic(path, roc_svg(report).encode("utf-8"))
        paths.append(path)
    return paths


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if folder.is_file():
            raise MediaError(
                f"Cannot write into {folder}: it is a file, not a folder.",
                zh=f"无法写入 {folder}：它是文件，不是文件夹。",
            ) from exc
        reason = exc.strerror or str(exc)
        raise MediaError(
            f"Cannot write into {folder}: {reason}.", zh=f"无法写入 {folder}：{reason}。"
        ) from exc

"""Numbers and dates as a reader of each language expects them (3.2亿 / 320M, 64%, ×3.1).

Every function takes ``None`` (an unknown value) and shows it as a dash, never as 0.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

DASH = "–"

# Largest unit first; a value is shown in the first unit it reaches.
_UNITS: dict[str, tuple[tuple[float, str], ...]] = {
    "zh": ((1e8, "亿"), (1e4, "万")),
    "en": ((1e9, "B"), (1e6, "M"), (1e4, "K")),
}
# English abbreviates from 10K on, but counts in thousands ("12.3K"), not ten-thousands.
_DIVISOR: dict[str, float] = {"K": 1e3}


def is_number(value: object) -> bool:
    """True for a finite int or float (bool excluded: it is not a count)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def fmt_int(value: float | None) -> str:
    """A count in full with thousands separators: ``1,234``."""
    if value is None:
        return DASH
    return f"{round(value):,}"


def fmt_compact(value: float | None, lang: str) -> str:
    """A count in short form: zh ``3.2亿``/``12.3万``, en ``320M``/``12.3K``; small ones in full."""
    if value is None:
        return DASH
    for threshold, unit in _UNITS.get(lang, _UNITS["en"]):
        if abs(value) >= threshold:
            return _trim(value / _DIVISOR.get(unit, threshold)) + unit
    if float(value).is_integer():
        return fmt_int(value)
    return fmt_float(value)


def fmt_float(value: float | None, digits: int = 2) -> str:
    """A rate with at most ``digits`` decimals: ``8.92``, ``3.5``."""
    if value is None:
        return DASH
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_pct(share: float | None) -> str:
    """A share in 0..1 as a percentage with at most one decimal: ``64%``, ``6.5%``."""
    if share is None:
        return DASH
    return fmt_float(share * 100, 1) + "%"


def fmt_factor(value: float | None) -> str:
    """A multiplier: one decimal below 10 (``3.1``), whole numbers from 10 on (``12``)."""
    if value is None:
        return DASH
    return fmt_float(value, 1 if abs(value) < 10 else 0)


def fmt_datetime(value: object) -> str:
    """An ISO timestamp as ``2026-11-20 08:00 UTC``; anything unparsable is shown as given."""
    if not isinstance(value, str) or not value:
        return DASH
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M") if "T" in value else value
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _trim(value: float) -> str:
    # Three significant figures at most: 3.2, 12.3, 320.
    return fmt_float(value, 1 if abs(value) < 100 else 0)

"""Small helpers for JSON APIs (YouTube, TikTok): read a body, pick typed fields, parse times.

A JSON API behind a proxy or a CDN sometimes answers 200 with an HTML error page, an empty body
or a body cut short; all three are worth asking again (:class:`Retryable`), never a crash.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from synthscope.errors import InputError
from synthscope.observe.sources._http import Retryable, looks_like_html


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The JSON object in ``response``.

    Raises:
        Retryable: an HTML page, an empty, truncated or malformed body, or JSON that is not an
            object.
    """
    if looks_like_html(response):
        raise Retryable("an HTML page instead of JSON")
    if not response.content.strip():
        raise Retryable("an empty answer")
    try:
        data = response.json()
    except ValueError as exc:
        raise Retryable(f"truncated or malformed JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise Retryable("JSON that is not an object")
    return data


def mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str | None:
    """``value`` as a string with whitespace collapsed, or None when empty or not text."""
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def count(value: Any) -> int | None:
    """A non-negative count given as a number or a digit string; None when absent or unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def counts(record: dict[str, Any], fields: dict[str, str]) -> dict[str, int]:
    """Metrics named by ``fields`` (metric -> field of ``record``); unknown ones stay absent."""
    found = {metric: count(record.get(name)) for metric, name in fields.items()}
    return {metric: n for metric, n in found.items() if n is not None}


def rfc3339(moment: datetime) -> str:
    """``2021-03-04T05:06:07Z`` (UTC, whole seconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 time (``Z`` or an offset) as an aware UTC datetime; None when absent.

    Raises:
        InputError: ``value`` is not a time.
    """
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"not a time: {value!r}", zh=f"不是时间：{value!r}") from exc
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)

"""The 数据说明 / "Data notes" under each chart: where the numbers come from and how they were made.

A note in ``report.json`` holds codes and raw values (``"dedup": "url"``, ISO timestamps); this
module turns one into ``(label, text)`` lines in the reader's language. Fields that are absent or
empty are left out rather than shown as blanks; a chart without any note says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from synthscope.observe.report.fmt import fmt_datetime, fmt_int, is_number
from synthscope.observe.report.i18n import label, t

NoteLine = tuple[str, str]


def note_lines(note: object, lang: str) -> list[NoteLine]:
    """The lines of one chart's note, in a fixed order; ``[]`` when there is no usable note."""
    if not isinstance(note, Mapping):
        return []
    lines = []
    for key, render in _FIELDS.items():
        value = note.get(key)
        text = render(value, lang) if value not in (None, "", [], {}) else ""
        if text:
            lines.append((t(f"notes.{key}", lang), text))
    return lines


def _sources(value: Any, lang: str) -> str:
    return _join([_source(str(code), lang) for code in _strings(value)], lang)


def _source(code: str, lang: str) -> str:
    # "SOURCE:QUERY" (e.g. "file:export.csv", "arxiv:GAN") or a bare source/platform code.
    source, sep, query = code.partition(":")
    name = label("platform", source, lang)
    return t("notes.source_query", lang, source=name, query=query) if sep and query else name


def _platforms(value: Any, lang: str) -> str:
    return _join([label("platform", code, lang) for code in _strings(value)], lang)


def _keywords(value: Any, lang: str) -> str:
    if not isinstance(value, Mapping):
        return _join(_strings(value), lang)
    terms = _strings(value.get("terms"))
    fields = {"count": len(terms), "terms": _join(terms, lang)}
    name = value.get("set")
    if name:
        key = "notes.keyword_set" if terms else "notes.keyword_set_only"
        return t(key, lang, name=str(name), **fields)
    return t("notes.keyword_terms", lang, **fields) if terms else ""


def _date_range(value: Any, lang: str) -> str:
    return _range(value, lang, _day)


def _day(value: Any) -> str:
    # Dates may come as timestamps ("2017-01-03T00:00:00Z"); the day is what a reader needs.
    text = str(value)
    return text[:10] if len(text) > 10 and text[4:5] == "-" and text[10:11] == "T" else text


def _collected_at(value: Any, lang: str) -> str:
    return _range(value, lang, fmt_datetime)


def _range(value: Any, lang: str, show: Callable[[Any], str]) -> str:
    if isinstance(value, str):
        return show(value)
    ends = list(value)[:2] if isinstance(value, Sequence) else []
    if not any(ends):
        return ""  # nothing known about either end: leave the line out
    unknown = t("notes.unknown", lang)
    start, end = (show(e) if e else unknown for e in (ends + ends)[:2])
    return start if start == end else t("notes.range", lang, start=start, end=end)


def _dedup(value: Any, lang: str) -> str:
    return label("dedup", str(value), lang)


def _n(value: Any, lang: str) -> str:
    return fmt_int(value) if is_number(value) else ""


def _extra(value: Any, lang: str) -> str:
    return str(value)


def _windows(value: Any, lang: str) -> str:
    runs = [v for v in value if isinstance(v, Mapping)] if isinstance(value, Sequence) else []
    lines = [
        t(
            "notes.windows_line",
            lang,
            source=label("platform", str(r.get("source")), lang),
            run=r.get("run"),
            **{k: fmt_int(r.get(k, 0)) for k in _WINDOW_COUNTS},
        )
        for r in runs
    ]
    return "; ".join(lines) if lang == "en" else "；".join(lines)


_WINDOW_COUNTS = ("windows", "results", "fetched", "split", "capped", "incomplete", "requests")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, Sequence) else []


def _join(parts: Sequence[str], lang: str) -> str:
    return t("list.sep", lang).join(parts)


# Order in which the lines appear, matching the seed report's data notes.
_FIELDS: dict[str, Callable[[Any, str], str]] = {
    "sources": _sources,
    "platforms": _platforms,
    "keywords": _keywords,
    "date_range": _date_range,
    "published_range": _date_range,
    "dedup": _dedup,
    "n": _n,
    "collected_at": _collected_at,
    "windows": _windows,
    "extra": _extra,
}

"""Canonical identities of URLs, and lenient parsing of the counts and dates found in imported data.

:func:`identify` is on the hot path of every import (a million URLs must take seconds), so it does
one precompiled split of the URL, one dict lookup on the lowercase host and one precompiled match
on the rest; anything unusual (ports, user info, bare ids, unknown hosts) goes to a slower path.
Platform-specific rules live in :mod:`synthscope.observe._platform_ids`.
"""

from __future__ import annotations

import numbers
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from email.utils import parsedate_to_datetime

from synthscope.errors import InputError
from synthscope.observe._platform_ids import (
    ARXIV_NEW,
    ARXIV_OLD,
    HOSTS,
    arxiv_id,
    arxiv_identity,
    arxiv_month,
    av_to_bv,
    bare_arxiv,
    bare_bilibili,
    bv_to_av,
    find_arxiv_ids,
)
from synthscope.observe.items import Identity

__all__ = [
    "ARXIV_NEW",
    "ARXIV_OLD",
    "arxiv_id",
    "arxiv_month",
    "av_to_bv",
    "bv_to_av",
    "dedupe_key",
    "find_arxiv_ids",
    "identify",
    "parse_count",
    "parse_date",
]

# --- identities ------------------------------------------------------------------------------

# scheme (only when followed by '//'), host with port and user info, then path and query.
_URL = re.compile(r"(?:(?:([A-Za-z][A-Za-z0-9+.\-]*):)?//)?([^/?#]*)([^#]*)", re.DOTALL)
_LABEL = re.compile(r"[\w-]+(?:\.[\w-]+)*")
_IPV6 = re.compile(r"\[[0-9a-f:.]+\]")
_TRACKING_WORDS = (
    "spm spm_id_from vd_source share_source share_medium share_plat share_session_id share_tag "
    "share_from fbclid gclid igshid si feature from from_source is_from_webapp sender_device "
    "timestamp unique_k mid ref ref_src s"
)
_TRACKING = frozenset(_TRACKING_WORDS.split())
_DEFAULT_PORTS = frozenset({"", "80", "443"})


def identify(url: str) -> Identity:
    """Return the canonical identity of a URL (scheme optional) or of a bare BV/av/arXiv id.

    Raises:
        InputError: ``url`` is not a string, or is empty or not a URL.
    """
    if not isinstance(url, str):
        raise InputError(f"Not a URL: {url!r}", zh=f"不是链接：{url!r}")
    text = url.strip()
    # Fast path for the common shape 'http(s)://host/rest' or 'host/rest'; anything else (ports,
    # upper-case schemes, fragments, '?' right after the host) misses the table or the handler's
    # regex and is split properly by _identify_slow.
    start = 8 if text.startswith("https://") else 7 if text.startswith("http://") else 0
    slash = text.find("/", start)
    handler = HOSTS.get(text[start:slash].lower() if slash >= 0 else "")
    if handler is not None and "#" not in text:
        found = handler(text[slash:])
        if found is not None:
            return found
    return _identify_slow(text)


def dedupe_key(url: str) -> str:
    """Return ``identify(url).key``, e.g. ``'youtube:dQw4w9WgXcQ'``.

    Raises:
        InputError: as :func:`identify`.
    """
    return identify(url).key


def _identify_slow(text: str) -> Identity:
    scheme, hostport, rest = _URL.match(text).groups()  # type: ignore[union-attr]
    if scheme is None:
        bare = bare_bilibili(text)
        if bare is not None:
            return bare
        paper = bare_arxiv(text)
        if paper is not None:
            return arxiv_identity(paper)
    host, port = _split_host(hostport, text, has_scheme=scheme is not None)
    handler = HOSTS.get(host)
    found = handler(rest) if handler is not None else None
    return found or _web_identity(scheme, host, port, rest)


def _split_host(hostport: str, text: str, *, has_scheme: bool) -> tuple[str, str]:
    """Lowercase host without user info, trailing dot or port; and the port ('' when absent)."""
    host = hostport.rpartition("@")[2].lower()
    port = ""
    if not host.endswith("]") and ":" in host:
        host, _, port = host.rpartition(":")
    host = host.rstrip(".")
    if not _valid_host(host, has_scheme) or not (port == "" or port.isdigit()):
        raise InputError(f"Not a URL: {text!r}", zh=f"不是链接：{text!r}")
    return host, port


def _valid_host(host: str, has_scheme: bool) -> bool:
    if _IPV6.fullmatch(host):
        return True
    if not _LABEL.fullmatch(host):
        return False
    # Without a scheme a host needs a dot ('youtu.be/x'), else any word would pass as a URL;
    # a last label of digits only is a number ('1406.2661'), not a host, unless it is an IPv4.
    last = host.rpartition(".")[2]
    if not last.isdigit():
        return has_scheme or "." in host
    return host.count(".") == 3


def _web_identity(scheme: str | None, host: str, port: str, rest: str) -> Identity:
    scheme = "https" if scheme is None or scheme.lower() in ("http", "https") else scheme.lower()
    for prefix in ("www.", "m."):
        if host.startswith(prefix) and "." in host[len(prefix) :]:
            host = host[len(prefix) :]
            break
    if port in _DEFAULT_PORTS:
        port = ""
    path, _, query = rest.partition("?")
    url = f"{scheme}://{host}{':' + port if port else ''}{path.rstrip('/')}{_clean_query(query)}"
    return Identity("web", url, url, None)


def _clean_query(query: str) -> str:
    """'?'-prefixed query without empty and tracking parameters, sorted; '' when none remain."""
    kept = sorted(p for p in query.split("&") if p and not _is_tracking(p.partition("=")[0]))
    return "?" + "&".join(kept) if kept else ""


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key in _TRACKING or key.startswith("utm_")


# --- counts ----------------------------------------------------------------------------------

# Values that mean "not known": stored as missing, never as 0.
UNKNOWN_TOKENS = _UNKNOWN = frozenset(
    {"", "na", "n/a", "nan", "null", "none", "nil", "?", "-", "--", "—", "——", "–", "未知", "暂无"}
)
_UNITS: dict[str, int] = {
    "": 1,
    "k": 10**3,
    "m": 10**6,
    "b": 10**9,
    "w": 10**4,
    "百": 10**2,
    "千": 10**3,
    "万": 10**4,
    "萬": 10**4,
    "十万": 10**5,
    "百万": 10**6,
    "千万": 10**7,
    "亿": 10**8,
    "億": 10**8,
    "万亿": 10**12,
}
_COUNT = re.compile(r"(\d+(?:\.\d*)?|\.\d+)((?:e[+-]?\d+)?)\s*([^\d\s+.]*)\+?", re.IGNORECASE)
_MAX_DIGITS = 30  # beyond any real count; also stops '1e999999999' from building a huge int


def parse_count(value: object) -> int | None:
    """Parse an engagement count such as ``'1,234'``, ``'3.3k'``, ``'1.2万'`` or ``'10万+'``.

    Returns None for unknown values (None, '', 'NA', '-', '暂无', NaN, ...), never 0; fractional
    results are rounded half up.

    Raises:
        InputError: ``value`` is a bool, negative, infinite, or text that is not a count.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(f"Not a count: {value!r}", zh=f"不是数量：{value!r}")
    if isinstance(value, numbers.Integral):
        return _non_negative(int(value), value)
    if isinstance(value, numbers.Real | Decimal):
        return _count_from_number(value)
    if isinstance(value, str):
        return _count_from_text(value)
    raise InputError(f"Not a count: {value!r}", zh=f"不是数量：{value!r}")


def _count_from_number(value: numbers.Real | Decimal) -> int | None:
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    if number.is_nan():
        return None
    if not number.is_finite():
        raise InputError(f"Not a count: {value!r}", zh=f"不是数量：{value!r}")
    return _non_negative(_round(number, value), value)


def _count_from_text(value: str) -> int | None:
    text = value.strip()
    if text.lower() in _UNKNOWN:
        return None
    m = _COUNT.fullmatch(text.replace(",", ""))
    unit = _UNITS.get(m.group(3).lower()) if m else None
    if m is None or unit is None:
        raise InputError(f"Not a count: {value!r}", zh=f"不是数量：{value!r}")
    return _round(Decimal(m.group(1) + m.group(2)) * unit, value)


def _round(number: Decimal, original: object) -> int:
    if number.adjusted() > _MAX_DIGITS:
        raise InputError(f"Not a plausible count: {original!r}", zh=f"数量不合理：{original!r}")
    return int(number.to_integral_value(rounding=ROUND_HALF_UP))


def _non_negative(number: int, original: object) -> int:
    if number < 0:
        raise InputError(f"Not a count (negative): {original!r}", zh=f"数量不能为负：{original!r}")
    return number


# --- dates -----------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CJK_SPACE = re.compile(r"\s*([年月日])\s*")
_LOOSE_DATE = re.compile(
    r"(\d{4})(?:[-/.年](\d{1,2})(?:(?:[-/.]|月)(\d{1,2})日?|月)?)?"
    r"(?:\s*T?\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6})\d*)?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)


def parse_date(value: object) -> datetime | None:
    """Parse a publication date into a timezone-aware UTC datetime.

    Accepts datetimes (naive ones are taken as UTC), dates, ISO 8601 and common looser forms
    ('2021/3/4', '2021.3.4', '2021年3月4日', '2021-03', '2021'), compact '20210304', RFC 2822, and
    epoch seconds (9-11 digits) or milliseconds (12-13 digits) as numbers or text. Missing parts
    default to the first day of the month or year. Unknown values (as :func:`parse_count`) give
    None.

    Raises:
        InputError: ``value`` is a bool, garbage, or an impossible date.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(f"Not a date: {value!r}", zh=f"不是日期：{value!r}")
    if isinstance(value, datetime):
        return _to_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, numbers.Real | Decimal):
        return _date_from_number(value, value)
    if isinstance(value, str):
        return _date_from_text(value)
    raise InputError(f"Not a date: {value!r}", zh=f"不是日期：{value!r}")


def _to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _date_from_text(value: str) -> datetime | None:
    text = value.strip()
    if text.lower() in _UNKNOWN:
        return None
    if _NUMBER.fullmatch(text):
        return _date_from_number(Decimal(text), value)
    try:
        return _to_utc(datetime.fromisoformat(text))
    except ValueError:
        pass  # not ISO 8601 (or an impossible ISO date, which the loose parser reports)
    m = _LOOSE_DATE.fullmatch(_CJK_SPACE.sub(r"\1", text))
    return _date_from_parts(m, value) if m else _date_from_rfc2822(text, value)


def _date_from_parts(m: re.Match[str], original: str) -> datetime:
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    micro = int((fraction or "0").ljust(6, "0"))
    try:
        moment = datetime(
            int(year),
            int(month or 1),
            int(day or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro,
            tzinfo=_zone(zone),
        )
    except ValueError as exc:
        raise InputError(
            f"Not a possible date: {original!r}", zh=f"日期不存在：{original!r}"
        ) from exc
    return moment.astimezone(UTC)


def _zone(token: str | None) -> timezone:
    if token is None or token.upper() in ("Z", "UTC", "GMT"):
        return UTC
    digits = token[1:].replace(":", "").ljust(4, "0")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(-offset if token[0] == "-" else offset)


def _date_from_rfc2822(text: str, original: str) -> datetime:
    try:
        return _to_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError) as exc:
        raise InputError(f"Not a date: {original!r}", zh=f"不是日期：{original!r}") from exc


def _date_from_number(value: numbers.Real | Decimal, original: object) -> datetime | None:
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    if number.is_nan():
        return None
    if not number.is_finite() or number < 0:
        raise InputError(f"Not a date: {original!r}", zh=f"不是日期：{original!r}")
    whole = int(number)
    reader = _BY_DIGITS.get(len(str(whole)))
    if reader is None:
        raise InputError(
            f"Not a date (ambiguous number): {original!r}", zh=f"数字无法确定为日期：{original!r}"
        )
    try:
        return reader(number)
    except (ValueError, OverflowError, OSError) as exc:
        raise InputError(
            f"Not a possible date: {original!r}", zh=f"日期不存在：{original!r}"
        ) from exc


def _year(number: Decimal) -> datetime:
    return datetime(int(number), 1, 1, tzinfo=UTC)


def _yyyymmdd(number: Decimal) -> datetime:
    whole = int(number)
    return datetime(whole // 10000, whole // 100 % 100, whole % 100, tzinfo=UTC)


def _epoch_seconds(number: Decimal) -> datetime:
    return datetime.fromtimestamp(float(number), UTC)


def _epoch_millis(number: Decimal) -> datetime:
    return datetime.fromtimestamp(float(number) / 1000, UTC)


# How a bare number reads as a date, by the digits of its whole part. Bilibili's pubdate and most
# APIs use epoch seconds (10 digits); JavaScript-born data uses milliseconds (13 digits).
_BY_DIGITS = {
    4: _year,
    8: _yyyymmdd,
    9: _epoch_seconds,
    10: _epoch_seconds,
    11: _epoch_seconds,
    12: _epoch_millis,
    13: _epoch_millis,
}

"""Turning one tabular row into an :class:`Item`.

This runs once per row of million-row exports, so :meth:`RowConverter.convert` reads positions
precomputed from the :class:`ColumnPlan` and takes shortcuts for the commonest cell values (plain
digits, empty cells, ISO dates) before handing anything else to :mod:`synthscope.observe.normalize`.
The shortcuts return exactly what the normalize functions would (a unit test checks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from synthscope.errors import InputError, RecordError
from synthscope.observe.items import Identity, Item
from synthscope.observe.normalize import (
    UNKNOWN_TOKENS,
    arxiv_month,
    av_to_bv,
    find_arxiv_ids,
    identify,
    parse_count,
    parse_date,
)
from synthscope.observe.sources._columns import COUNT_FIELDS, ColumnPlan
from synthscope.observe.sources._tabular import cell_text

# Platform names users type, normalised (lower case, '_' for blanks) -> the platform's id.
PLATFORM_NAMES: dict[str, str] = {
    "哔哩哔哩": "bilibili",
    "b站": "bilibili",
    "抖音": "douyin",
    "快手": "kuaishou",
    "微博": "weibo",
    "新浪微博": "weibo",
    "爱奇艺": "iqiyi",
    "腾讯视频": "tencent_video",
    "优酷": "youku",
    "推特": "x",
    "twitter": "x",
    "油管": "youtube",
    "西瓜视频": "ixigua",
    "小红书": "xiaohongshu",
}
# What an item is when neither its URL nor the user says: short-text platforms carry posts.
_PLATFORM_KINDS: dict[str, str] = {"weibo": "post", "x": "post"}
_DEFAULT_KIND = "video"
# Cell texts that parse_count and parse_date read as "unknown"; checked first because they fill
# whole columns of real exports. A test asserts normalize agrees on every one.
QUICK_UNKNOWN = frozenset({"", "NA", "N/A", "na", "n/a", "-", "--", "null", "None", "nan", "NaN"})


@dataclass(frozen=True, slots=True)
class RowContext:
    """What every row of one import shares."""

    file: str
    platform: str | None
    kind: str | None
    observed_at: datetime


MAX_COUNT = (1 << 63) - 1  # the largest count a BIGINT column stores
# An empty cell or an 'unknown' marker ('-', 'NA', ...) means the row has no link.
_NO_URL = UNKNOWN_TOKENS | {""}


class FieldError(Exception):
    """A value that cannot be read; becomes a RecordError naming the file and the row."""

    def __init__(self, message: str, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh


class RowConverter:
    """Turns the values of one row into an Item, using one resolved :class:`ColumnPlan`."""

    def __init__(self, plan: ColumnPlan, context: RowContext, *, text_only: bool) -> None:
        self.plan = plan
        self.text_only = text_only
        self.context = context
        self.columns = plan.columns
        index = plan.fields
        self.url = index.get("url")
        self.texts = tuple(index.get(name) for name in ("title", "text", "author", "category"))
        self.counts = [(name, index[name]) for name in COUNT_FIELDS if name in index]
        self.published = index.get("published_at")
        self.observed = index.get("observed_at")
        self.platform = index.get("platform")
        # raw keeps the URL as written and every cell no field took: parsed cells already live in
        # columns and snapshots, and serialising them again cost seconds per million rows.
        taken = set(index.values()) - {self.url}
        self.raw_columns = tuple((i, name) for i, name in enumerate(self.columns) if i not in taken)

    def convert(self, number: int, values: Sequence[Any]) -> Item | RecordError:
        """The row's Item, or a RecordError naming the file, the row and the bad value."""
        try:
            identity = self._identity(values)
            platform = identity.platform
            if platform == "web":
                platform = self._web_platform(values)
            published = self._published(values)
            title, text, author, category = [
                None if column is None else _text(values[column]) for column in self.texts
            ]
            # Positional: three times faster than keywords on this path. The order is Item's
            # field order; test_file_source checks it so a change to Item cannot slip through.
            return Item(
                platform,
                identity.platform_id,
                identity.kind or self._kind(platform),
                identity.url,
                title,
                text,
                author,
                published,
                item_year(identity, published),
                None,
                None,
                category,
                None,
                (),
                self._metrics(values),
                self._date(values, self.observed) or self.context.observed_at,
                self._raw(values),
            )
        except FieldError as exc:
            return RecordError(str(exc), file=self.context.file, row=number, zh=exc.zh)

    def _identity(self, values: Sequence[Any]) -> Identity:
        url = values[self.url] if self.url is not None else None
        if url is None or (type(url) is str and url.strip().lower() in _NO_URL):
            url = self._bilibili_url(values)
        if url is None:
            raise FieldError("no URL in this row", "这一行没有链接")
        text = url if type(url) is str else cell_text(url)
        try:
            return identify(text)
        except InputError:
            return _arxiv_in(text)

    def _bilibili_url(self, values: Sequence[Any]) -> str | None:
        """Bilibili exports may carry only the BV or av number."""
        bvid = _present(values, self.plan.bvid)
        if bvid is not None:
            return f"https://www.bilibili.com/video/{cell_text(bvid).strip()}"
        aid = _present(values, self.plan.aid)
        if aid is None:
            return None
        try:
            return f"https://www.bilibili.com/video/{av_to_bv(_integer(aid))}"
        except (ValueError, InputError) as exc:
            raise FieldError(f"not an av number: {aid!r}") from exc

    def _web_platform(self, values: Sequence[Any]) -> str:
        """A generic web URL takes the platform the row or the user names."""
        named = _text(values[self.platform]) if self.platform is not None else None
        return platform_name(named) or self.context.platform or "web"

    def _kind(self, platform: str) -> str:
        return self.context.kind or _PLATFORM_KINDS.get(platform, _DEFAULT_KIND)

    def _published(self, values: Sequence[Any]) -> datetime | None:
        if self.plan.year_month is None:
            return self._date(values, self.published)
        year, month = (_present(values, column) for column in self.plan.year_month)
        if year is None or month is None:
            return None
        try:
            return datetime(_integer(year), _integer(month), 1, tzinfo=UTC)
        except ValueError as exc:
            raise FieldError(f"not a year and month: {year!r}, {month!r}") from exc

    def _date(self, values: Sequence[Any], column: int | None) -> datetime | None:
        if column is None:
            return None
        try:
            return quick_date(values[column])
        except InputError as exc:
            raise FieldError(
                f"column {self.columns[column]!r}: {exc}",
                f"列 {self.columns[column]!r}：{exc.localized('zh')}",
            ) from exc

    def _metrics(self, values: Sequence[Any]) -> dict[str, int]:
        metrics: dict[str, int] = {}
        for name, column in self.counts:
            value = values[column]
            if type(value) is str and value.isdigit() and value.isascii() and len(value) < 19:
                metrics[name] = int(value)  # the commonest case, inlined
                continue
            try:
                count = quick_count(value)
                if count is not None and count > MAX_COUNT:
                    # A database integer holds no more; one such cell must not fail the batch.
                    raise InputError(
                        f"Not a plausible count: {value!r}", zh=f"数量不合理：{value!r}"
                    )
            except InputError as exc:
                raise FieldError(
                    f"column {self.columns[column]!r}: {exc}",
                    f"列 {self.columns[column]!r}：{exc.localized('zh')}",
                ) from exc
            if count is not None:
                metrics[name] = count
        return metrics

    def _raw(self, values: Sequence[Any]) -> dict[str, Any]:
        kept = ((name, values[i]) for i, name in self.raw_columns if i < len(values))
        return {
            name: value if type(value) is str else cell_text(value)
            for name, value in kept
            if value is not None and value != ""
        }


def quick_count(value: object) -> int | None:
    """:func:`parse_count`, with plain digits and common unknowns answered without parsing."""
    if type(value) is str:
        if value.isdigit() and value.isascii():
            return int(value)
        if value in QUICK_UNKNOWN:
            return None
    return parse_count(value)


def quick_date(value: object) -> datetime | None:
    """:func:`parse_date`, with ISO 8601 dates ('2021-03-04...') read directly."""
    if type(value) is not str:
        return parse_date(value)
    if value[4:5] == "-" and value[7:8] == "-":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return parse_date(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return None if value in QUICK_UNKNOWN else parse_date(value)


def item_year(identity: Identity, published: datetime | None) -> int | None:
    """The item's year; an arXiv id carries its submission year, surer than a date column."""
    if identity.platform == "arxiv":
        try:
            return arxiv_month(identity.platform_id)[0]
        except InputError:
            pass
    return published.year if published is not None else None


def platform_name(name: str | None) -> str | None:
    """A platform name as users write it ('B站', 'YouTube', 'Tencent Video') -> its id."""
    if not name:
        return None
    key = "_".join(name.strip().lower().replace("-", " ").split())
    return PLATFORM_NAMES.get(key, key) or None


def _present(values: Sequence[Any], column: int | None) -> Any:
    """The cell at ``column``, or None when there is no such column or the cell is blank."""
    if column is None:
        return None
    value = values[column]
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _integer(value: object) -> int:
    """A whole number from a cell ('2014', 2014 or 2014.0). Raises ValueError otherwise."""
    number = float(value) if isinstance(value, float) else int(cell_text(value).strip())
    if number != int(number):
        raise ValueError(value)
    return int(number)


def _text(value: object) -> str | None:
    if type(value) is str:
        return value.strip() or None
    if isinstance(value, dict):  # API dumps nest people: {"owner": {"login": ...}}
        value = value.get("login") or value.get("name") or value.get("nickname")
    return None if value is None or value == "" else cell_text(value)


def _arxiv_in(text: str) -> Identity:
    """An arXiv id written inside text ('see arXiv:1406.2661') where a URL was expected."""
    ids = find_arxiv_ids(text)
    if len(ids) != 1:
        raise FieldError(f"not a URL: {text!r}", f"不是链接：{text!r}")
    return identify(f"https://arxiv.org/abs/{ids[0]}")

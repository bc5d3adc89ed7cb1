"""Which input column feeds which item field: ``--map`` pairs first, then built-in alias profiles.

Exports from video platforms, scrapers and curated lists name the same thing many ways (``播放量``,
``view_count``, ``Views``). Instead of one profile per exporter, each field has one alias table; a
column matches when its name, lower-cased with blanks removed, is in the table. Earlier aliases win
when two columns claim the same field, so ``url`` beats ``arxiv`` and ``title`` beats ``name``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from synthscope.errors import InputError, UsageError

FIELDS: tuple[str, ...] = (
    "url",
    "title",
    "text",
    "author",
    "published_at",
    "platform",
    "category",
    "plays",
    "likes",
    "favorites",
    "shares",
    "comments",
    "stars",
    "observed_at",
)
COUNT_FIELDS: tuple[str, ...] = ("plays", "likes", "favorites", "shares", "comments", "stars")

_ALIASES: dict[str, tuple[str, ...]] = {
    "url": (
        "url", "link", "links", "链接", "视频链接", "网址", "地址", "作品链接", "html_url",
        "webpage_url", "video_url", "share_url", "arxiv_url", "arxiv",
    ),
    "title": ("title", "标题", "视频标题", "作品标题", "name", "full_name"),
    "text": (
        "text", "description", "desc", "简介", "描述", "正文", "summary", "video_description",
        "作品描述",
    ),
    "author": (
        "author", "作者", "up主", "uploader", "owner", "channel", "channeltitle", "用户名", "昵称",
        "博主",
    ),
    "published_at": (
        "published_at", "publishedat", "发布时间", "发布日期", "日期", "pubdate", "date",
        "created_at", "create_time", "upload_date", "上传时间",
    ),
    "platform": ("platform", "平台", "source"),
    "category": ("category", "分区", "分类", "类别", "typename", "tname", "categoryid"),
    "plays": (
        "plays", "播放量", "播放", "播放数", "view", "views", "viewcount", "view_count", "play",
        "观看次数",
    ),
    "likes": (
        "likes", "like", "点赞", "点赞数", "点赞量", "likecount", "like_count", "digg_count",
        "喜欢",
    ),
    "favorites": (
        "favorites", "favorite", "favoritecount", "收藏", "收藏数", "收藏量", "collect_count",
    ),
    "shares": (
        "shares", "share", "share_count", "转发", "分享", "转发/分享", "转发数", "分享数",
        "repost_count", "retweet_count",
    ),
    "comments": (
        "comments", "comment", "comment_count", "commentcount", "评论", "评论数", "review",
        "reply", "reply_count",
    ),
    "stars": ("stars", "stargazers_count", "star", "stargazers"),
    "observed_at": ("observed_at", "collected_at", "采集时间", "抓取时间", "crawl_time"),
}  # fmt: skip

# Bilibili exports often carry only the video number; the URL is built from it.
_BVID_ALIASES = ("bvid", "bv", "bv号")
_AID_ALIASES = ("aid", "av", "av号")
# The GAN Zoo list (hindupuravinash/the-gan-zoo): its Stars count the code repo, not the paper.
_GAN_ZOO_COLUMNS = frozenset({"year", "month", "arxiv", "title"})


def normalize_column(name: str) -> str:
    """A column name as the alias tables spell it: lower case, no blanks, no BOM."""
    return "".join(name.replace("\ufeff", "").split()).lower()


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    """Column positions for one header: ``fields`` maps a field to its column index."""

    columns: tuple[str, ...]
    fields: dict[str, int]
    bvid: int | None = None
    aid: int | None = None
    year_month: tuple[int, int] | None = None

    @property
    def has_url(self) -> bool:
        return "url" in self.fields or self.bvid is not None or self.aid is not None


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """Turn ``["链接=url", "播放量=plays"]`` into ``{column: field}``.

    Raises:
        UsageError: a pair without ``=``, an empty column, an unknown field, or one field twice.
    """
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.rpartition("=")
        column, target = column.strip(), target.strip().lower()
        if not sep or not column:
            raise UsageError(
                f"--map expects COLUMN=FIELD, got {pair!r}.",
                zh=f"--map 的格式是 列名=字段，而不是 {pair!r}。",
            )
        check_field(target)
        if target in mapping.values():
            raise UsageError(f"--map names field {target!r} more than once.")
        mapping[column] = target
    return mapping


def check_field(name: str) -> None:
    """Raises UsageError when ``name`` is not one of :data:`FIELDS`."""
    if name not in FIELDS:
        raise UsageError(
            f"Unknown field {name!r} in --map; fields: {', '.join(FIELDS)}.",
            zh=f"--map 中的字段 {name!r} 不存在；可用字段：{', '.join(FIELDS)}。",
        )


def resolve_columns(columns: Sequence[str], mapping: Mapping[str, str], *, file: str) -> ColumnPlan:
    """Decide which column feeds each field for a file whose header is ``columns``.

    Raises:
        InputError: a ``--map`` column is not in the file.
    """
    names = tuple(columns)
    normalized = [normalize_column(c) for c in names]
    fields = _explicit(names, normalized, mapping, file=file)
    taken = set(fields.values())
    gan_zoo = _GAN_ZOO_COLUMNS.issubset(normalized)
    for name, aliases in _ALIASES.items():
        if name in fields or (gan_zoo and name == "stars"):
            continue
        index = _first_match(normalized, aliases, taken)
        if index is not None:
            fields[name] = index
            taken.add(index)
    return ColumnPlan(
        columns=names,
        fields=fields,
        bvid=_first_match(normalized, _BVID_ALIASES, taken),
        aid=_first_match(normalized, _AID_ALIASES, taken),
        year_month=_year_month(normalized, fields),
    )


def _explicit(
    names: tuple[str, ...], normalized: list[str], mapping: Mapping[str, str], *, file: str
) -> dict[str, int]:
    fields: dict[str, int] = {}
    for column, target in mapping.items():
        check_field(target)
        index = _column_index(names, normalized, column)
        if index is None:
            found = ", ".join(names)
            raise InputError(
                f"{file}: column {column!r} given in --map is not in the file; "
                f"columns found: {found}."
            )
        fields[target] = index
    return fields


def _column_index(names: tuple[str, ...], normalized: list[str], column: str) -> int | None:
    if column in names:
        return names.index(column)
    wanted = normalize_column(column)
    return normalized.index(wanted) if wanted in normalized else None


def _first_match(normalized: list[str], aliases: Sequence[str], taken: set[int]) -> int | None:
    for alias in aliases:
        for index, name in enumerate(normalized):
            if name == alias and index not in taken:
                return index
    return None


def _year_month(normalized: list[str], fields: dict[str, int]) -> tuple[int, int] | None:
    """Year and Month columns stand in for a date when no date column exists (GAN Zoo)."""
    if "published_at" in fields or "year" not in normalized or "month" not in normalized:
        return None
    return normalized.index("year"), normalized.index("month")


def missing_url_error(file: str, columns: Sequence[str]) -> InputError:
    """The error raised when no column can be used as the URL."""
    found = ", ".join(repr(c) for c in columns if c) or "none"
    return InputError(
        f"{file}: no URL column found (columns: {found}); "
        "name the column holding the links with --map COLUMN=url.",
        zh=f"{file}：找不到链接列（现有列：{found}）；请用 --map 列名=url 指定链接所在的列。",
    )

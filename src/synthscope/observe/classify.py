"""Classification of items: region, content category, modality and matched keywords.

The seed report split videos by region (domestic vs foreign platforms) and by the platforms' own
content categories (影视音乐, 科技教育, 生活, 娱乐, 资讯), and papers by modality (image incl.
video, audio, text). Platforms name their categories differently, so each known label maps
through one table; an item whose platform gave no usable label falls back to ordered keyword
rules on its title and text, and to ``other``. Papers without a modality keyword fall back to
their arXiv categories.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from synthscope.observe.items import CATEGORIES, Item
from synthscope.observe.keywords import KeywordSet, Matcher, Term, load_keyword_set

_REGIONS: dict[str, tuple[str, ...]] = {
    "domestic": (
        "bilibili", "douyin", "kuaishou", "weibo", "iqiyi", "tencent_video", "youku", "xigua",
        "toutiao", "xiaohongshu", "zhihu", "acfun",
    ),
    "foreign": (
        "youtube", "tiktok", "x", "twitter", "facebook", "instagram", "reddit", "vimeo",
        "dailymotion",
    ),
}  # fmt: skip
_REGION_OF = {platform: region for region, names in _REGIONS.items() for platform in names}

# Platform category labels, by the category they mean: Bilibili zone and sub-zone names, YouTube
# category names, Douyin / Weibo / Xiaohongshu-style channel labels, our own category names.
_LABELS: dict[str, tuple[str, ...]] = {
    "film_music": (
        "影视", "电影", "电视剧", "纪录片", "短片", "影视杂谈", "影视剪辑", "预告", "特摄",
        "剧集", "音乐", "原创音乐", "翻唱", "演奏", "VOCALOID·UTAU", "音乐现场", "MV",
        "乐评盘点", "音乐综合", "电音", "动画", "番剧", "国创", "动漫", "MAD·AMV",
        "短片·手书·配音", "影视音乐", "Film & Animation", "Music", "Movies", "Anime/Animation",
        "Action/Adventure", "Classics", "Documentary", "Drama", "Family", "Foreign", "Horror",
        "Sci-Fi/Fantasy", "Thriller", "Shorts", "Shows", "Trailers", "Short Movies", "film",
        "animation", "tv",
    ),
    "tech_education": (
        "知识", "科技", "数码", "科学科普", "社科人文", "社科·法律·心理", "人文历史",
        "财经商业", "校园学习", "职业职场", "设计·创意", "野生技能协会", "野生技术协会",
        "计算机技术", "软件应用", "人工智能", "科工机械", "极客DIY", "演讲·公开课", "教育",
        "科普", "学习", "技术", "科学", "科技教育", "Education", "Science & Technology",
        "technology", "science", "tech",
    ),
    "life": (
        "生活", "日常", "美食", "动物圈", "萌宠", "宠物", "时尚", "美妆", "美妆护肤", "穿搭",
        "运动", "体育", "健身", "汽车", "手工", "绘画", "家居房产", "出行", "三农", "旅行",
        "旅游", "亲子", "育儿", "情感", "健康", "Vlog", "People & Blogs", "Howto & Style",
        "Sports", "Travel & Events", "Autos & Vehicles", "Pets & Animals", "Videoblogging",
        "lifestyle", "food", "travel",
    ),
    "entertainment": (
        "娱乐", "综艺", "明星", "明星综合", "粉丝创作", "搞笑", "鬼畜", "鬼畜调教", "音MAD",
        "人力VOCALOID", "舞蹈", "宅舞", "街舞", "游戏", "单机游戏", "电子竞技", "手机游戏",
        "网络游戏", "剧情", "颜值", "Entertainment", "Comedy", "Gaming", "humor", "games",
    ),
    "news": (
        "资讯", "新闻", "热点", "环球", "社会", "时政", "国际", "财经", "News & Politics",
        "news", "politics",
    ),
}  # fmt: skip

# YouTube's numeric categoryId values (videoCategories.list, region US). A bare number is read as
# one of these whatever the platform: other platforms export names, not ids.
_YOUTUBE_IDS: dict[str, str] = {
    "1": "film_music",  # Film & Animation
    "2": "life",  # Autos & Vehicles
    "10": "film_music",  # Music
    "15": "life",  # Pets & Animals
    "17": "life",  # Sports
    "18": "film_music",  # Short Movies
    "19": "life",  # Travel & Events
    "20": "entertainment",  # Gaming
    "21": "life",  # Videoblogging
    "22": "life",  # People & Blogs
    "23": "entertainment",  # Comedy
    "24": "entertainment",  # Entertainment
    "25": "news",  # News & Politics
    "26": "life",  # Howto & Style
    "27": "tech_education",  # Education
    "28": "tech_education",  # Science & Technology
    **{str(i): "film_music" for i in range(30, 45)},  # Movies, Anime/Animation ... Trailers
}

# Keyword rules for items without a usable platform label, in priority order: the first category
# with a match wins. Matched like keyword sets (NFKC, no case; English on word boundaries).
_TEXT_RULES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("film_music", "zh", ("电影", "电视剧", "影视", "翻唱", "歌", "预告片", "音乐")),
    ("film_music", "en", ("MV", "movie", "film", "trailer", "music video", "song", "cover")),
    ("tech_education", "zh", ("教程", "原理", "论文", "技术", "科普", "算法")),
    (
        "tech_education",
        "en",
        ("tutorial", "how to", "explained", "paper", "AI research", "lecture"),
    ),
    ("news", "zh", ("新闻", "资讯", "报道", "快讯")),
    ("news", "en", ("news", "report", "breaking")),
    ("entertainment", "zh", ("搞笑", "鬼畜", "整活", "恶搞", "综艺")),
    ("entertainment", "en", ("funny", "meme", "prank", "comedy", "parody")),
    ("life", "zh", ("日常", "生活")),
    ("life", "en", ("vlog", "daily life", "lifestyle")),
)

_ARXIV_MODALITY: dict[str, str] = {
    "cs.CV": "image_video",
    "eess.IV": "image_video",
    "cs.GR": "image_video",
    "cs.MM": "image_video",
    "cs.SD": "audio",
    "eess.AS": "audio",
    "cs.CL": "text",
}
_LABEL_PARTS = re.compile(r"\s*[>/|,，›»]\s*")


def region_of(platform: str) -> str | None:
    """``domestic`` or ``foreign`` for a known video/social platform; None for anything else."""
    return _REGION_OF.get(platform) or _REGION_OF.get(platform.strip().lower())


def _label_key(label: str) -> str:
    """``People & Blogs`` = ``people and blogs``; ``社科·法律·心理`` = ``社科法律心理``."""
    folded = unicodedata.normalize("NFKC", label).casefold().replace("&", "and")
    return "".join(char for char in folded if char.isalnum())


_CATEGORY_OF_LABEL = (
    {_label_key(category): category for category in CATEGORIES}
    | {_label_key(label): category for category, labels in _LABELS.items() for label in labels}
    | _YOUTUBE_IDS
)


@lru_cache(maxsize=4096)
def _from_platform(label: str) -> str | None:
    """The category of a platform label; a path like ``生活>搞笑`` tries its most specific part
    first, after the whole label."""
    parts = [part for part in _LABEL_PARTS.split(label) if part]
    for candidate in (label, *reversed(parts)):
        category = _CATEGORY_OF_LABEL.get(_label_key(candidate))
        if category is not None:
            return category
    return None


def _rules_set() -> KeywordSet:
    terms = tuple(
        Term(f"{category}/{lang}", lang, None, aliases) for category, lang, aliases in _TEXT_RULES
    )
    return KeywordSet("category-rules", "content category keyword rules", terms)


_RULES = Matcher(_rules_set())


def category_of(platform_category: str | None, *texts: str | None) -> str:
    """One of CATEGORIES: from the platform's own category when the table knows it, else from
    keyword rules on ``texts``, else ``other``. Raises nothing."""
    return label_category(platform_category) or text_category(*texts)


def label_category(platform_category: str | None) -> str | None:
    """The category of a platform's own category label, None when the table does not know it."""
    if platform_category and platform_category.strip():
        return _from_platform(platform_category.strip())
    return None


def text_category(*texts: str | None) -> str:
    """The category the keyword rules find in ``texts``, else ``other``."""
    matched = _RULES.match(*texts)
    return matched[0].partition("/")[0] if matched else "other"


def modality_of(matched_modality: str | None, arxiv_categories: Sequence[str] = ()) -> str | None:
    """The keyword modality if any, else that of the first arXiv category that has one."""
    if matched_modality:
        return matched_modality
    modalities = (_ARXIV_MODALITY.get(category.strip()) for category in arxiv_categories)
    return next((modality for modality in modalities if modality), None)


@dataclass
class Classifier:
    """The keyword matchers classification needs: content terms and research terms."""

    content: Matcher
    research: Matcher

    @classmethod
    def load(
        cls, content: str = "content", research: str = "research", extra_dirs: Sequence[Path] = ()
    ) -> Classifier:
        """Matchers for two keyword sets (names or paths, see :func:`load_keyword_set`).

        Raises UsageError for an unknown set name and InputError for an unreadable set file.
        """
        return cls(
            Matcher(load_keyword_set(content, extra_dirs)),
            Matcher(load_keyword_set(research, extra_dirs)),
        )


def _split_categories(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        return (part for part in re.split(r"[\s,]+", value) if part)
    if isinstance(value, list | tuple):  # a dict per category, as an Atom parser may give
        return (c.get("term", "") if isinstance(c, dict) else str(c) for c in value)
    return ()


def arxiv_categories(raw: dict[str, Any] | None) -> list[str]:
    """arXiv categories recorded in an item's raw data, primary category first."""
    if not raw:
        return []
    primary, others = raw.get("primary_category"), raw.get("categories")
    found = [*_split_categories(primary), *_split_categories(others)]
    return list(dict.fromkeys(category for category in found if category))


def _classify_content(item: Item, classifier: Classifier) -> None:
    item.keywords = classifier.content.match(item.title, item.text)
    item.category = category_of(item.platform_category, item.title, item.text)


def _classify_research(item: Item, classifier: Classifier) -> None:
    item.keywords = classifier.research.match(item.title, item.text)
    matched = classifier.research.modality(item.keywords)
    item.modality = modality_of(matched, arxiv_categories(item.raw))


_BY_KIND: dict[str, Callable[[Item, Classifier], None]] = {
    "video": _classify_content,
    "post": _classify_content,
    "paper": _classify_research,
    "repo": _classify_research,
}


def classify(item: Item, classifier: Classifier) -> Item:
    """Fill ``item``'s region, keywords and category (videos, posts) or modality (papers, repos).

    Returns the same item, changed in place. Raises nothing for an unknown kind or platform: those
    fields are left as they are (region becomes None).
    """
    item.region = region_of(item.platform)
    by_kind = _BY_KIND.get(item.kind)
    if by_kind is not None:
        by_kind(item, classifier)
    return item

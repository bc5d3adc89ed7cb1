"""The records that flow through the observe pipeline.

An :class:`Item` is one unique piece of content (a video, a post, a paper, a repository)
identified by ``(platform, platform_id)``; its engagement counts ride along as one dated
observation. Counts that are unknown are absent from ``metrics`` (never 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

KINDS: tuple[str, ...] = ("video", "post", "paper", "repo")
METRICS: tuple[str, ...] = ("plays", "likes", "favorites", "shares", "comments", "stars")
REGIONS: tuple[str, ...] = ("domestic", "foreign")
CATEGORIES: tuple[str, ...] = (
    "film_music",
    "tech_education",
    "life",
    "entertainment",
    "news",
    "other",
)
MODALITIES: tuple[str, ...] = ("image_video", "audio", "text")


@dataclass(frozen=True, slots=True)
class Identity:
    """Canonical identity of a URL: the platform, its id there, and the canonical URL.

    ``kind`` is what the platform's URL implies (``video`` for YouTube, ``paper`` for arXiv,
    ``repo`` for GitHub, ``post`` for X/Weibo) or None when the URL does not say.
    """

    platform: str
    platform_id: str
    url: str
    kind: str | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.platform_id}"


@dataclass(slots=True)
class Item:
    """One unique piece of content plus one observation of its counts."""

    platform: str
    platform_id: str
    kind: str
    url: str
    title: str | None = None
    text: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    year: int | None = None
    region: str | None = None
    category: str | None = None
    platform_category: str | None = None
    modality: str | None = None
    keywords: tuple[str, ...] = ()
    metrics: dict[str, int] = field(default_factory=dict)
    observed_at: datetime | None = None
    raw: dict[str, Any] | None = None
    # Earlier dated counts known at once (a repository's star history): extra snapshots.
    history: tuple[tuple[datetime, dict[str, int]], ...] = ()

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.platform_id}"

    def __reduce__(self) -> tuple[type[Item], tuple[Any, ...]]:
        # Positional state: 40% faster to unpickle than the default for slotted dataclasses,
        # and imports hand every batch from the reading process to the writing one.
        return (Item, tuple(getattr(self, f.name) for f in fields(self)))

"""Helpers for live-source tests: serve offline API logic on the fake server, read a store back."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from synthscope.store import Store


def json_reply_headers() -> dict[str, str]:
    return {"Content-Type": "application/json"}


def store_contents(store: Store) -> list[tuple[Any, ...]]:
    """Every item with its snapshots' counts (observation times left out), sorted by key."""
    query = text(
        "SELECT i.key, i.title, i.text, i.author, i.year, i.platform_category, i.region, "
        "s.plays, s.likes, s.favorites, s.shares, s.comments "
        "FROM items i LEFT JOIN snapshots s ON s.item_id = i.id ORDER BY i.key, s.id"
    )
    with store.reading() as conn:
        return [tuple(row) for row in conn.execute(query)]


def item_rows(store: Store) -> list[tuple[Any, ...]]:
    """Every item's fields (no counts), sorted by key."""
    query = text(
        "SELECT key, url, title, text, author, year, platform_category, region FROM items "
        "ORDER BY key"
    )
    with store.reading() as conn:
        return [tuple(row) for row in conn.execute(query)]


def run_rows(store: Store) -> list[dict[str, Any]]:
    """The runs table, oldest first."""
    with store.reading() as conn:
        rows = conn.execute(text("SELECT id, status, counts, log FROM runs ORDER BY id"))
        return [{k: _decoded(v) for k, v in row._mapping.items()} for row in rows]


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value[:1] in "[{" else value

"""The audit log of bank changes made through the service: who changed which bank, how, when."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from synthscope.store import Store
from synthscope.store.service_models import AUDIT


def record(store: Store, actor: str, action: str, bank: str, detail: dict[str, Any]) -> None:
    """Append one entry (``action``: create, add, remove, import).

    Raises:
        StorageError: the store cannot be written.
    """
    with store.transaction("writing the audit log") as conn:
        conn.execute(
            insert(AUDIT).values(
                at=datetime.now(UTC), actor=actor, action=action, bank=bank, detail=detail
            )
        )


def entries(store: Store, bank: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The newest entries, newest first (only ``bank``'s when given).

    Raises:
        StorageError: the store cannot be read.
    """
    query = select(AUDIT).order_by(AUDIT.c.id.desc()).limit(limit)
    if bank is not None:
        query = query.where(AUDIT.c.bank == bank)
    with store.reading("reading the audit log") as conn:
        rows = conn.execute(query).all()
    return [
        {
            "at": r.at.isoformat(),
            "actor": r.actor,
            "action": r.action,
            "bank": r.bank,
            "detail": r.detail,
        }
        for r in rows
    ]

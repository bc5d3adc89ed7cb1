"""Rows of ``check --batch``: the stored ``synthscope.check/1`` record of each checked file.

A row is keyed by (path relative to the checked folder, SHA-256 of the content). Writing is one
``INSERT ... ON CONFLICT`` per record that replaces only a ``failed`` row, so two runs over the same
folder, or a run resumed after an interruption, never store a file twice and never let a failed
retry overwrite a finished result.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from synthscope.store.models import BATCH_CHECKS

DONE = "done"
FAILED = "failed"
_INSERTS: dict[str, Callable[..., Any]] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def stored_check(conn: Connection, path: str, sha256: str) -> tuple[str, dict[str, Any]] | None:
    """(status, record) stored for ``path`` with content ``sha256``, or None when there is none."""
    row = conn.execute(
        select(BATCH_CHECKS.c.status, BATCH_CHECKS.c.record).where(
            BATCH_CHECKS.c.path == path, BATCH_CHECKS.c.sha256 == sha256
        )
    ).first()
    return None if row is None else (row.status, row.record)


def save_check(conn: Connection, path: str, sha256: str, record: dict[str, Any]) -> str:
    """Store ``record`` under (``path``, ``sha256``); its status (returned) is ``failed`` when the
    record carries an error. A stored ``done`` row is kept as it is (first result wins)."""
    status = FAILED if record.get("error") is not None else DONE
    values = {"status": status, "record": record, "checked_at": datetime.now(UTC)}
    insert = _INSERTS[conn.dialect.name]
    statement = (
        insert(BATCH_CHECKS)
        .values(path=path, sha256=sha256, **values)
        .on_conflict_do_update(
            index_elements=["path", "sha256"],
            set_=values,
            where=BATCH_CHECKS.c.status != DONE,
        )
    )
    conn.execute(statement)
    return status

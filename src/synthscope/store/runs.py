"""Run records: what a collection or import asked for, how far it got, what it skipped and why.

A run's checkpoint is saved in the same transaction as the items of the batch it follows, so a
run killed at any moment is resumed from a checkpoint that matches the stored items exactly.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from synthscope.store.models import RUNS

MAX_ERRORS_KEPT = 1000
_RESUMABLE = ("running", "failed", "interrupted")


@dataclass(slots=True)
class RunState:
    """A run being written: its id, checkpoint, counters and the first errors."""

    id: int
    source: str
    query: str
    checkpoint: dict[str, Any] | None = None
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    resumed: bool = False
    log: list[dict[str, Any]] = field(default_factory=list)

    def count(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def note_errors(self, messages: list[str]) -> None:
        room = MAX_ERRORS_KEPT - len(self.errors)
        self.errors.extend(messages[: max(room, 0)])


def query_hash(source: str, query: str, params: dict[str, Any]) -> str:
    """A stable fingerprint of what a run asks for (used to find a run to resume)."""
    blob = json.dumps([source, query, params], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def start_or_resume(conn: Connection, source: str, query: str, params: dict[str, Any]) -> RunState:
    """Resume the newest unfinished run that asked the same thing, or start a new one."""
    digest = query_hash(source, query, params)
    latest = conn.execute(
        select(RUNS)
        .where(RUNS.c.source == source, RUNS.c.query_hash == digest)
        .order_by(RUNS.c.id.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.status in _RESUMABLE and latest.checkpoint:
        conn.execute(update(RUNS).where(RUNS.c.id == latest.id).values(status="running"))
        return RunState(
            latest.id,
            source,
            query,
            latest.checkpoint,
            dict(latest.counts),
            list(latest.errors),
            resumed=True,
            log=list(latest.log or []),
        )
    run_id = conn.execute(
        insert(RUNS).values(
            source=source,
            query=query,
            query_hash=digest,
            params=params,
            status="running",
            started_at=datetime.now(UTC),
            counts={},
            errors=[],
            log=[],
        )
    ).inserted_primary_key
    assert run_id is not None
    return RunState(int(run_id[0]), source, query)


def save_progress(conn: Connection, run: RunState) -> None:
    """Store the run's checkpoint and counters (call inside the batch's transaction)."""
    conn.execute(
        update(RUNS)
        .where(RUNS.c.id == run.id)
        .values(checkpoint=run.checkpoint, counts=run.counts, errors=run.errors, log=run.log)
    )


def finish(conn: Connection, run: RunState, status: str, message: str | None = None) -> None:
    """Close the run with ``status`` (done, failed, interrupted)."""
    conn.execute(
        update(RUNS)
        .where(RUNS.c.id == run.id)
        .values(
            status=status,
            finished_at=datetime.now(UTC),
            checkpoint=run.checkpoint,
            counts=run.counts,
            errors=run.errors,
            log=run.log,
            message=message,
        )
    )


def list_runs(conn: Connection, limit: int = 100) -> list[dict[str, Any]]:
    """The newest runs, newest first, as plain dicts."""
    rows = conn.execute(select(RUNS).order_by(RUNS.c.id.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]

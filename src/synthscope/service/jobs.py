"""Background jobs (checks, observe runs): a thread pool, with state kept in the store.

A job is written to the ``jobs`` table when queued and when finished; its progress while running
is kept in memory only (one process serves, see :mod:`.ratelimit`), which saves three writes per
check. A job that was queued or running when the service stopped is marked ``interrupted`` at the
next start instead of looking busy forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from synthscope.errors import SynthscopeError
from synthscope.store import Store
from synthscope.store.service_models import JOBS

log = logging.getLogger(__name__)
Progress = Callable[[float], None]
Work = Callable[[Progress], dict[str, Any]]
PUBLIC_FIELDS = ("id", "kind", "status", "progress", "result", "error", "key_id")


class JobRunner:
    """Runs work in ``workers`` threads and records each job's progress and outcome."""

    def __init__(self, store: Store, workers: int) -> None:
        self.store = store
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="synthscope-job")
        self._futures: dict[str, Future[None]] = {}
        self._live: dict[str, tuple[str, float]] = {}  # id -> (status, progress) while unfinished

    def recover(self) -> None:
        """Mark jobs left queued or running by a previous process as interrupted."""
        with self.store.transaction("recovering jobs") as conn:
            conn.execute(
                update(JOBS)
                .where(JOBS.c.status.in_(("queued", "running")))
                .values(status="interrupted", finished_at=datetime.now(UTC))
            )

    def submit(
        self, kind: str, work: Work, *, params: dict[str, Any], key_id: int | None = None
    ) -> str:
        """Queue ``work``; returns the new job's id."""
        job_id = secrets.token_hex(16)
        with self.store.transaction("queueing a job") as conn:
            conn.execute(
                insert(JOBS).values(
                    id=job_id,
                    kind=kind,
                    status="queued",
                    progress=0.0,
                    key_id=key_id,
                    params=params,
                    created_at=datetime.now(UTC),
                )
            )
        self._live[job_id] = ("queued", 0.0)
        future = self.pool.submit(self._run, job_id, work)
        self._futures[job_id] = future
        future.add_done_callback(lambda _done: self._futures.pop(job_id, None))
        return job_id

    async def wait(self, job_id: str, seconds: float) -> None:
        """Wait up to ``seconds`` for the job to finish (returns early when it does), without
        holding up the event loop."""
        future = self._futures.get(job_id)
        if future is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), seconds)

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job's public state, or None when there is no such job."""
        with self.store.reading("reading a job") as conn:
            row = conn.execute(select(JOBS).where(JOBS.c.id == job_id)).first()
        if row is None:
            return None
        found = {name: getattr(row, name) for name in PUBLIC_FIELDS} | {"params": row.params}
        live = self._live.get(job_id)
        if live is not None and row.status in ("queued", "running"):
            found["status"], found["progress"] = live
        return found

    def set_result(self, job_id: str, **values: Any) -> None:
        with self.store.transaction("updating a job") as conn:
            conn.execute(update(JOBS).where(JOBS.c.id == job_id).values(**values))

    def _progress(self, job_id: str, share: float) -> None:
        self._live[job_id] = ("running", min(max(share, 0.0), 1.0))

    def _run(self, job_id: str, work: Work) -> None:
        self._progress(job_id, 0.0)
        try:
            result = work(lambda share: self._progress(job_id, share))
        except SynthscopeError as exc:
            self._finish(job_id, "failed", error=_error(exc))
        except Exception as exc:  # a bug must fail the job, not kill the worker
            log.exception("job %s failed", job_id)
            self._finish(job_id, "failed", error={"code": 1, "message": f"Internal error: {exc}"})
        else:
            self._finish(job_id, "done", result=result, progress=1.0)

    def _finish(self, job_id: str, status: str, **values: Any) -> None:
        try:
            self.set_result(job_id, status=status, finished_at=datetime.now(UTC), **values)
        finally:
            self._live.pop(job_id, None)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _error(exc: SynthscopeError) -> dict[str, Any]:
    return {"code": int(exc.exit_code), "message": str(exc), "message_zh": exc.localized("zh")}

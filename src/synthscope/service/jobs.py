"""Background jobs (checks, observe runs): a thread pool per worker process, state in the store.

The service may run as several worker processes, and a status request can reach any of them, so
the ``jobs`` row is the truth: it is written when a job is queued and when it finishes, and a
heartbeat every few seconds writes the progress of this process's unfinished jobs and the time it
was last alive. The process that runs a job answers from memory (fresher, no extra write per
progress step); any other process answers from the row. A job whose heartbeat is older than the
lease (its process died or hung) is marked ``interrupted`` with an error saying so, by whichever
process next looks at it or sweeps; a job is never left looking busy forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update

from synthscope.errors import ExitCode, SynthscopeError
from synthscope.store import Store
from synthscope.store.service_models import JOBS

log = logging.getLogger(__name__)
Progress = Callable[[float], None]
Work = Callable[[Progress], dict[str, Any]]
PUBLIC_FIELDS = ("id", "kind", "status", "progress", "result", "error", "key_id")
UNFINISHED = ("queued", "running")
INTERRUPTED = {
    "code": int(ExitCode.UNEXPECTED),
    "message": "The service process running this job stopped before it finished "
    "(a restart or a crash); please submit it again.",
    "message_zh": "运行此任务的服务进程在完成前停止了（重启或崩溃），请重新提交。",
}


def worker_name() -> str:
    """This process's name in ``jobs.worker``: host, process id and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class JobRunner:
    """Runs work in ``workers`` threads and records each job's progress and outcome.

    ``lease_s``: a job whose heartbeat is older than this is taken for dead. Call
    :meth:`heartbeat` well within it (the app's housekeeping thread does, every few seconds).
    """

    def __init__(self, store: Store, workers: int, lease_s: float = 30.0) -> None:
        self.store = store
        self.lease_s = lease_s
        self.worker = worker_name()
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="synthscope-job")
        self._futures: dict[str, Future[None]] = {}
        self._live: dict[str, tuple[str, float]] = {}  # id -> (status, progress) while unfinished
        self._written: dict[str, tuple[str, float]] = {}  # what the row says, as last written

    def submit(
        self,
        kind: str,
        work: Work,
        *,
        params: dict[str, Any],
        key_id: int | None = None,
        kept_file: str | None = None,
    ) -> str:
        """Queue ``work``; returns the new job's id.

        Raises:
            StorageError: the job cannot be recorded.
        """
        job_id, now = secrets.token_hex(16), datetime.now(UTC)
        with self.store.transaction("queueing a job") as conn:
            conn.execute(
                insert(JOBS).values(
                    id=job_id,
                    kind=kind,
                    status="queued",
                    progress=0.0,
                    key_id=key_id,
                    params=params,
                    kept_file=kept_file,
                    created_at=now,
                    worker=self.worker,
                    heartbeat_at=now,
                )
            )
        self._live[job_id] = self._written[job_id] = ("queued", 0.0)
        future = self.pool.submit(self._run, job_id, work)
        self._futures[job_id] = future
        future.add_done_callback(lambda _done: self._futures.pop(job_id, None))
        return job_id

    async def wait(self, job_id: str, seconds: float) -> None:
        """Wait up to ``seconds`` for a job of this process to finish (returns early when it
        does), without holding up the event loop."""
        future = self._futures.get(job_id)
        if future is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), seconds)

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job's public state, or None when there is no such job.

        Raises:
            StorageError: the store cannot be read or written.
        """
        with self.store.reading("reading a job") as conn:
            row = conn.execute(select(JOBS).where(JOBS.c.id == job_id)).first()
        if row is None:
            return None
        found = {name: getattr(row, name) for name in PUBLIC_FIELDS} | {"params": row.params}
        if row.status not in UNFINISHED:
            return found
        live = self._live.get(job_id)
        if live is not None:
            found["status"], found["progress"] = live
        elif row.heartbeat_at is None or row.heartbeat_at < self._cutoff():
            if self.fail_stale(job_id):
                found |= {"status": "interrupted", "error": INTERRUPTED}
            else:  # it finished meanwhile
                return self.get(job_id)
        return found

    def _cutoff(self) -> datetime:
        return datetime.now(UTC) - timedelta(seconds=self.lease_s)

    def fail_stale(self, job_id: str | None = None) -> int:
        """Mark unfinished jobs (all, or ``job_id``) whose heartbeat is older than the lease as
        interrupted; returns how many were.

        Raises:
            StorageError: the store cannot be written.
        """
        stale = and_(
            JOBS.c.status.in_(UNFINISHED),
            or_(JOBS.c.heartbeat_at.is_(None), JOBS.c.heartbeat_at < self._cutoff()),
        )
        if job_id is not None:
            stale = and_(stale, JOBS.c.id == job_id)
        with self.store.transaction("failing stopped jobs") as conn:
            done = conn.execute(
                update(JOBS)
                .where(stale)
                .values(status="interrupted", finished_at=datetime.now(UTC), error=INTERRUPTED)
            )
        return int(done.rowcount or 0)

    def recover(self) -> None:
        """At start: mark jobs whose process has stopped (stale heartbeat) as interrupted."""
        self.fail_stale()

    def heartbeat(self) -> None:
        """Say this process is alive for its unfinished jobs and write their progress.

        Raises:
            StorageError: the store cannot be written.
        """
        live = dict(self._live)
        if not live:
            return
        now = datetime.now(UTC)
        with self.store.transaction("recording job progress") as conn:
            conn.execute(
                update(JOBS)
                .where(JOBS.c.id.in_(list(live)), JOBS.c.status.in_(UNFINISHED))
                .values(heartbeat_at=now)
            )
            for job_id, state in live.items():
                if self._written.get(job_id) != state:
                    self._write_state(conn, job_id, state)

    def _write_state(self, conn: Connection, job_id: str, state: tuple[str, float]) -> None:
        # Only while unfinished: the job's own end, written meanwhile, must not be undone.
        conn.execute(
            update(JOBS)
            .where(JOBS.c.id == job_id, JOBS.c.status.in_(UNFINISHED))
            .values(status=state[0], progress=state[1])
        )
        self._written[job_id] = state

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
            self._written.pop(job_id, None)

    def shutdown(self) -> None:
        """Finish running jobs, drop queued ones and mark those interrupted.

        Raises:
            StorageError: the store cannot be written.
        """
        self.pool.shutdown(wait=True, cancel_futures=True)
        with self.store.transaction("stopping jobs") as conn:
            conn.execute(
                update(JOBS)
                .where(JOBS.c.worker == self.worker, JOBS.c.status.in_(UNFINISHED))
                .values(status="interrupted", finished_at=datetime.now(UTC), error=INTERRUPTED)
            )
        self._live.clear()


def _error(exc: SynthscopeError) -> dict[str, Any]:
    return {"code": int(exc.exit_code), "message": str(exc), "message_zh": exc.localized("zh")}

"""What each worker process does in the background: job heartbeats, and expiring old state.

Every few seconds the process writes its jobs' heartbeat and progress; every few minutes it fails
jobs whose process stopped, deletes finished jobs older than the job TTL, deletes kept uploads
older than the kept-upload TTL, deletes upload files nothing refers to (left by a process that
died mid-check) and forgets old rate-limit counts. Every step is idempotent, so several processes
doing the same sweep at once is harmless.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, update

from synthscope.errors import SynthscopeError
from synthscope.service.jobs import JobRunner
from synthscope.service.ratelimit import forget_old_windows
from synthscope.store import Store
from synthscope.store.service_models import JOBS

log = logging.getLogger(__name__)
SWEEP_S = 300.0
ORPHAN_S = 86_400.0  # an upload nobody refers to is deleted after a day (a check takes minutes)


@dataclass(frozen=True, slots=True)
class Expiry:
    """How long finished jobs and kept uploads are kept, in seconds."""

    job_ttl_s: float
    kept_ttl_s: float


def expire(
    store: Store, expiry: Expiry, uploads: Path, now: datetime | None = None
) -> dict[str, int]:
    """Delete expired jobs, kept uploads and orphaned upload files; returns counts of each.

    Raises:
        StorageError: the store cannot be read or written.
    """
    now = now or datetime.now(UTC)
    job_cutoff = now - timedelta(seconds=expiry.job_ttl_s)
    kept_cutoff = now - timedelta(seconds=expiry.kept_ttl_s)
    with store.transaction("expiring old jobs") as conn:
        old = JOBS.c.finished_at < job_cutoff
        gone = [r[0] for r in conn.execute(select(JOBS.c.kept_file).where(old)) if r[0]]
        jobs = int(conn.execute(delete(JOBS).where(old)).rowcount or 0)
        stale_kept = JOBS.c.kept_file.is_not(None) & (JOBS.c.finished_at < kept_cutoff)
        gone += [r[0] for r in conn.execute(select(JOBS.c.kept_file).where(stale_kept))]
        conn.execute(update(JOBS).where(stale_kept).values(kept_file=None))
        still = select(JOBS.c.kept_file).where(JOBS.c.kept_file.is_not(None))
        kept = {str(Path(r[0]).resolve()) for r in conn.execute(still)}
    for name in gone:
        Path(name).unlink(missing_ok=True)
    orphans = _sweep_uploads(uploads, kept, now.timestamp() - ORPHAN_S)
    return {"jobs": jobs, "kept_files": len(gone), "orphans": orphans}


def _sweep_uploads(folder: Path, kept: set[str], before: float) -> int:
    """Delete files under ``folder`` older than ``before`` (epoch s) that no job keeps, then
    empty subfolders as old."""
    if not folder.is_dir():
        return 0
    removed = 0
    for path in sorted(folder.rglob("*"), key=lambda p: -len(p.parts)):
        try:
            if path.stat().st_mtime >= before:
                continue
            if path.is_dir():
                if not any(path.iterdir()):
                    path.rmdir()
            elif str(path.resolve()) not in kept:
                path.unlink()
                removed += 1
        except OSError:  # gone meanwhile, or in use: the next sweep tries again
            continue
    return removed


class Housekeeper:
    """A daemon thread: :meth:`JobRunner.heartbeat` every ``beat_s``, the sweeps every
    :data:`SWEEP_S`. Errors are logged, never raised: the service keeps serving."""

    def __init__(
        self, jobs: JobRunner, store: Store, expiry: Expiry, uploads: Path, beat_s: float
    ) -> None:
        self.jobs = jobs
        self.store = store
        self.expiry = expiry
        self.uploads = uploads
        self.beat_s = beat_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.sweep()
        self._thread = threading.Thread(
            target=self._loop, name="synthscope-housekeeping", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def sweep(self) -> None:
        """Fail stopped jobs, expire old state and forget old rate-limit counts."""
        try:
            self.jobs.fail_stale()
            expire(self.store, self.expiry, self.uploads)
            forget_old_windows(self.store)
        except SynthscopeError as exc:
            log.warning("housekeeping sweep failed: %s", exc)

    def _loop(self) -> None:
        next_sweep = time.monotonic() + SWEEP_S
        while not self._stop.wait(self.beat_s):
            try:
                self.jobs.heartbeat()
            except SynthscopeError as exc:
                log.warning("job heartbeat failed: %s", exc)
            if time.monotonic() >= next_sweep:
                self.sweep()
                next_sweep = time.monotonic() + SWEEP_S

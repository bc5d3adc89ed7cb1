"""State that every worker process shares through the store (SQLite and PostgreSQL): rate-limit
counts, job status and progress, stopped workers' jobs, and the expiry of old jobs and uploads."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from synthscope.service.housekeeping import Expiry, expire
from synthscope.service.jobs import JobRunner, Progress
from synthscope.service.ratelimit import RateLimiter, forget_old_windows, lease_size
from synthscope.store import Store
from synthscope.store.service_models import JOBS, RATE_WINDOWS

NOW = 1_800_000_030.0  # 30 s into a minute


def test_two_limiters_on_one_store_share_the_limit(store: Store) -> None:
    first = RateLimiter(store, 5, clock=lambda: NOW)
    second = RateLimiter(store, 5, clock=lambda: NOW)
    answers = [(first if i % 2 else second).acquire("key:1") for i in range(8)]
    assert answers[:5] == [0.0] * 5
    assert all(29 <= wait <= 30 for wait in answers[5:])
    other_caller = first.acquire("key:2")
    next_minute = RateLimiter(store, 5, clock=lambda: NOW + 60).acquire("key:1")
    assert other_caller == 0.0 and next_minute == 0.0


def test_leases_never_admit_more_than_the_limit_and_save_writes(store: Store) -> None:
    limiters = [RateLimiter(store, 1000, clock=lambda: NOW) for _ in range(3)]
    assert lease_size(1000) == 20 and lease_size(10) == 1
    admitted = sum(limiters[i % 3].acquire("key:7") == 0.0 for i in range(1200))
    with store.reading() as conn:
        counted = conn.execute(select(RATE_WINDOWS.c.count)).scalar_one()
    assert admitted == 1000
    assert counted <= 1000 + 3 * 20  # one write per lease of 20, not one per request


def test_concurrent_callers_in_threads_get_exactly_the_limit(store: Store) -> None:
    limiters = [RateLimiter(store, 120, clock=lambda: NOW) for _ in range(2)]
    admitted: list[int] = []

    def hammer(limiter: RateLimiter) -> None:
        admitted.append(sum(limiter.acquire("ip:1") == 0.0 for _ in range(60)))

    threads = [threading.Thread(target=hammer, args=(limiters[i % 2],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(admitted) == 120


def test_old_rate_windows_are_forgotten(store: Store) -> None:
    RateLimiter(store, 5, clock=lambda: NOW - 600).acquire("key:1")
    RateLimiter(store, 5, clock=lambda: NOW).acquire("key:1")
    assert forget_old_windows(store, NOW) == 1
    with store.reading() as conn:
        assert len(conn.execute(select(RATE_WINDOWS)).all()) == 1


def _blocking(started: threading.Event, release: threading.Event) -> Any:
    def work(progress: Progress) -> dict[str, Any]:
        progress(0.5)
        started.set()
        release.wait(30)
        return {"answer": 42}

    return work


def test_another_process_sees_status_progress_and_result(store: Store) -> None:
    runner, other = JobRunner(store, 1), JobRunner(store, 1)
    started, release = threading.Event(), threading.Event()
    job_id = runner.submit("check", _blocking(started, release), params={"file": "a"})
    assert started.wait(30)
    assert runner.get(job_id)["status"] == "running"  # type: ignore[index]
    before = other.get(job_id)
    assert before is not None and before["status"] == "queued" and before["progress"] == 0.0
    runner.heartbeat()
    seen = other.get(job_id)
    assert seen is not None and (seen["status"], seen["progress"]) == ("running", 0.5)
    release.set()
    runner.pool.shutdown(wait=True)
    done = other.get(job_id)
    assert done is not None and done["status"] == "done" and done["result"] == {"answer": 42}
    runner.heartbeat()  # a late heartbeat never undoes the end
    assert other.get(job_id)["status"] == "done"  # type: ignore[index]


def test_a_job_whose_process_stopped_is_failed_clearly(store: Store) -> None:
    runner, other = JobRunner(store, 1, lease_s=30), JobRunner(store, 1, lease_s=30)
    started, release = threading.Event(), threading.Event()
    job_id = runner.submit("check", _blocking(started, release), params={})
    assert started.wait(30)
    assert other.get(job_id)["status"] in ("queued", "running")  # type: ignore[index]
    old = datetime.now(UTC) - timedelta(seconds=31)
    with store.transaction() as conn:  # its process stops beating
        conn.execute(update(JOBS).where(JOBS.c.id == job_id).values(heartbeat_at=old))
    seen = other.get(job_id)
    assert seen is not None and seen["status"] == "interrupted"
    assert "stopped" in seen["error"]["message"] and seen["error"]["message_zh"]
    with store.reading() as conn:
        row = conn.execute(select(JOBS).where(JOBS.c.id == job_id)).one()
    assert row.status == "interrupted" and row.finished_at is not None
    release.set()
    runner.pool.shutdown(wait=True)


def test_sweep_fails_only_stale_jobs_of_any_process(store: Store) -> None:
    runner = JobRunner(store, 1, lease_s=30)
    started, release = threading.Event(), threading.Event()
    fresh = runner.submit("check", _blocking(started, release), params={})
    assert started.wait(30)
    stale = runner.submit("check", lambda _p: {}, params={})
    with store.transaction() as conn:
        conn.execute(
            update(JOBS)
            .where(JOBS.c.id == stale)
            .values(status="running", heartbeat_at=None, finished_at=None)
        )
    assert JobRunner(store, 1).fail_stale() == 1
    assert JobRunner(store, 1).get(fresh)["status"] in ("queued", "running")  # type: ignore[index]
    release.set()
    runner.shutdown()


def _job(store: Store, job_id: str, finished: datetime | None, kept: Path | None) -> None:
    from sqlalchemy import insert

    with store.transaction() as conn:
        conn.execute(
            insert(JOBS).values(
                id=job_id,
                kind="check",
                status="done" if finished else "running",
                progress=1.0,
                params={},
                kept_file=str(kept) if kept else None,
                created_at=finished or datetime.now(UTC),
                finished_at=finished,
                heartbeat_at=datetime.now(UTC),
            )
        )


def test_old_jobs_kept_uploads_and_orphans_expire(store: Store, tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    now = datetime.now(UTC)
    files = {name: uploads / name for name in ("old-job", "old-kept", "new-kept", "orphan", "new")}
    for path in files.values():
        path.write_bytes(b"x")
    day_ago = time.time() - 2 * 86_400
    os.utime(files["orphan"], (day_ago, day_ago))
    os.utime(files["old-kept"], (day_ago, day_ago))
    _job(store, "a" * 32, now - timedelta(days=40), files["old-job"])
    _job(store, "b" * 32, now - timedelta(days=8), files["old-kept"])
    _job(store, "c" * 32, now - timedelta(days=1), files["new-kept"])
    _job(store, "d" * 32, None, None)  # unfinished: never expired
    counts = expire(store, Expiry(job_ttl_s=30 * 86_400, kept_ttl_s=7 * 86_400), uploads, now)
    assert counts == {"jobs": 1, "kept_files": 2, "orphans": 1}
    assert sorted(p.name for p in uploads.iterdir()) == ["new", "new-kept"]
    with store.reading() as conn:
        rows = {r.id[0]: r.kept_file for r in conn.execute(select(JOBS))}
    assert rows == {"b": None, "c": str(files["new-kept"]), "d": None}

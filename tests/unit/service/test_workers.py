"""``synthscope serve --workers 2``: two real worker processes on one store (SQLite and
PostgreSQL) answer for each other's checks and share one rate limit."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from synthscope.service.keys import create_key
from synthscope.store import Store
from synthscope.store.service_models import JOBS

RATE_LIMIT = 12


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def served(
    db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[str, Store]]:
    """A service with two worker processes on ``db_url`` (rate limit: the test's parameter,
    default 10,000 a minute); its base URL and the store."""
    rate_limit = getattr(request, "param", 10_000)
    store = Store.open(db_url)
    port = _free_port()
    env = os.environ | {
        "SYNTHSCOPE_DATABASE_URL": db_url,
        "SYNTHSCOPE_SERVICE_UPLOAD_DIR": str(tmp_path / "uploads"),
        "SYNTHSCOPE_SERVICE_RATE_LIMIT": str(rate_limit),
        "SYNTHSCOPE_INDEX_CACHE": str(tmp_path / "index"),
    }
    command = [sys.executable, "-m", "synthscope.cli", "serve", "--port", str(port)]
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([*command, "--workers", "2"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/api/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail((tmp_path / "serve.log").read_text())
        yield base, store
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
        store.close()


def _fresh(base: str) -> httpx.Client:
    """A client that opens a new connection per request, so requests spread over workers."""
    return httpx.Client(base_url=base, headers={"Connection": "close"}, timeout=60)


def test_two_workers_answer_for_each_others_checks(served: tuple[str, Store]) -> None:
    base, store = served
    headers = {"Authorization": f"Bearer {create_key(store, 'two', ['check'])}"}

    def submit(i: int) -> str:
        with _fresh(base) as client:
            files = {"file": (f"t{i}.txt", f"plain words number {i}".encode(), "text/plain")}
            answer = client.post("/api/v1/checks", files=files, headers=headers)
        assert answer.status_code in (200, 202), answer.text
        return str(answer.json()["id"])

    ids: list[str] = []
    workers: set[str] = set()
    with ThreadPoolExecutor(4) as pool:
        # The kernel hands each new connection to either process; a few rounds make it all
        # but certain that both took checks (and the test says so when they did not).
        while len(workers) < 2 and len(ids) < 96:
            ids += pool.map(submit, range(len(ids), len(ids) + 12))
            with store.reading() as conn:
                workers = {r.worker for r in conn.execute(select(JOBS.c.worker))}
    assert len(workers) == 2, workers  # both processes took checks
    for job_id in ids:
        for _ in range(200):
            with _fresh(base) as client:
                body = client.get(f"/api/v1/checks/{job_id}", headers=headers).json()
            if body["status"] == "done":
                break
            time.sleep(0.1)
        assert body["status"] == "done" and body["result"]["kind"] == "text", body
    with _fresh(base) as client:
        # Polled through either process, many times: always the same stored result.
        answers = {client.get(f"/api/v1/checks/{ids[0]}", headers=headers).text for _ in range(10)}
    assert len(answers) == 1


@pytest.mark.parametrize("served", [RATE_LIMIT], indirect=True)
def test_two_workers_share_one_rate_limit(served: tuple[str, Store]) -> None:
    base, store = served
    headers = {"Authorization": f"Bearer {create_key(store, 'limited', ['check'])}"}
    if time.time() % 60 > 45:  # not across a minute boundary: the limit counts per minute
        time.sleep(61 - time.time() % 60)
    codes = []
    for _ in range(RATE_LIMIT + 6):
        with _fresh(base) as client:
            codes.append(client.get("/api/v1/checks/nothing", headers=headers).status_code)
    assert codes.count(404) == RATE_LIMIT and codes.count(429) == 6, codes

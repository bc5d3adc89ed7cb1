"""`observe collect` end to end: real CLI, real loopback server, kill -9 and resume, exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from fakeapi import FakeApi, Reply, Request
from synthscope.cli import main
from synthscope.observe.sources._examples import arxiv_answer, fake_papers
from synthscope.store.models import ITEMS, RUNS

PAPERS = fake_papers(48)
ARGS = ["observe", "collect", "arxiv", "--term", "deepfake", "--term", "voice cloning"]
RANGE = ["--since", "2019-01-01", "--until", "2020-06-30"]


def _answer(request: Request) -> Reply:
    return Reply(
        200, arxiv_answer(PAPERS, request.params), {"Content-Type": "application/atom+xml"}
    )


def _env(monkeypatch: pytest.MonkeyPatch, api: FakeApi, interval: float = 0.02) -> None:
    monkeypatch.setenv("SYNTHSCOPE_ARXIV_BASE_URL", f"{api.url}/api/query")
    monkeypatch.setenv("SYNTHSCOPE_ARXIV_INTERVAL", str(interval))
    monkeypatch.setenv("SYNTHSCOPE_HTTP_ATTEMPTS", "2")
    monkeypatch.setenv("SYNTHSCOPE_HTTP_BACKOFF", "0.01")


def _items(url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                ITEMS.c.key, ITEMS.c.title, ITEMS.c.year, ITEMS.c.modality, ITEMS.c.keywords
            ).order_by(ITEMS.c.key)
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_collect_prints_a_summary_and_a_rerun_adds_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeApi(_answer, min_interval=0.02) as api:
        _env(monkeypatch, api)
        code = main([*ARGS, *RANGE])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "Collected arxiv:" in out and "requests" in out
        code = main(["--lang", "zh", *ARGS, *RANGE, "--json"])
        out, _ = capsys.readouterr()
    summary = json.loads(out)
    assert code == 0 and summary["counts"].get("new", 0) == 0 and summary["status"] == "done"
    assert not api.violations


def test_bad_options_are_usage_errors(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main([*ARGS, "--since", "2019-13-01"]) == 2
    assert "--since must be a date" in capsys.readouterr().err
    assert main([*ARGS, "--since", "2020-01-01", "--until", "2019-01-01"]) == 2
    assert main(["observe", "collect", "file", "--term", "x"]) == 2
    assert "not a live source" in capsys.readouterr().err
    assert main(["observe", "collect", "arxiv", "--keywords", "research", "--term", "x"]) == 2


def test_unreachable_source_is_exit_4_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeApi(_answer) as api:
        dead = api.url
    monkeypatch.setenv("SYNTHSCOPE_ARXIV_BASE_URL", f"{dead}/api/query")
    monkeypatch.setenv("SYNTHSCOPE_HTTP_ATTEMPTS", "2")
    monkeypatch.setenv("SYNTHSCOPE_HTTP_BACKOFF", "0.01")
    code = main([*ARGS, *RANGE])
    err = capsys.readouterr().err
    assert code == 4
    assert "kept failing after 2 attempts" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_kill_9_then_rerun_equals_uninterrupted(tmp_path: Path) -> None:
    reference, killed = f"sqlite:///{tmp_path / 'ref.db'}", f"sqlite:///{tmp_path / 'killed.db'}"
    with FakeApi(_answer, min_interval=0.1) as api:
        env = {
            **os.environ,
            "SYNTHSCOPE_ARXIV_BASE_URL": f"{api.url}/api/query",
            "SYNTHSCOPE_ARXIV_INTERVAL": "0.1",
        }
        cmd = [sys.executable, "-m", "synthscope.cli", *ARGS, *RANGE]
        done = subprocess.run(
            cmd,
            env={**env, "SYNTHSCOPE_DATABASE_URL": reference},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        victim = {**env, "SYNTHSCOPE_DATABASE_URL": killed}
        proc = subprocess.Popen(cmd, env=victim, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _wait_for_windows(killed, proc, 6)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        again = subprocess.run(
            cmd, env=victim, capture_output=True, text=True, timeout=120, check=False
        )
    assert again.returncode == 0, again.stderr
    assert "resumed" in again.stdout
    assert _items(killed) == _items(reference) and len(_items(reference)) > 20
    assert not api.violations


def _wait_for_windows(url: str, proc: subprocess.Popen[bytes], windows: int) -> None:
    engine = create_engine(url)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the collection finished before it could be killed"
            try:
                with engine.connect() as conn:
                    row = conn.execute(select(RUNS.c.checkpoint)).first()
                if row is not None and row.checkpoint and row.checkpoint["planned"] >= windows:
                    return
            except Exception:  # the schema may not exist yet
                pass
            time.sleep(0.05)
    finally:
        engine.dispose()
    pytest.fail("no progress within 60 s")


def test_report_notes_say_what_the_collection_asked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with FakeApi(_answer, min_interval=0.02) as api:
        _env(monkeypatch, api)
        assert main([*ARGS, *RANGE]) == 0
    assert main(["observe", "report", "--out", str(tmp_path / "en")]) == 0
    assert main(["--lang", "zh", "observe", "report", "--out", str(tmp_path / "zh")]) == 0
    capsys.readouterr()
    report = json.loads((tmp_path / "en" / "report.json").read_text(encoding="utf-8"))
    note = report["notes"]["papers_per_year"]
    assert note["sources"] == ["arxiv:deepfake, voice cloning; 2019-01-01..2020-06-30"]
    [windows] = note["windows"]
    assert windows["windows"] == 36 and windows["fetched"] == windows["results"] > 20
    assert windows["requests"] >= 36
    assert "36 date windows" in (tmp_path / "en" / "report.html").read_text(encoding="utf-8")
    assert "36 个时间窗" in (tmp_path / "zh" / "report.html").read_text(encoding="utf-8")

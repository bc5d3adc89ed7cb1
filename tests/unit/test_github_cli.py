"""`observe collect github` then `github-stars --term top:N`, then `observe report`: real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakeapi import FakeApi, Reply, Request
from synthscope.cli import main
from synthscope.observe.sources._examples_github import fake_repos, github_answer

REPOS = fake_repos(40)
TOKEN = "ghp_cliTOKEN0987654321"


def _answer(request: Request) -> Reply:
    status, body = github_answer(REPOS, request.path, request.params, request.headers)
    return Reply(status, body, {"Content-Type": "application/json"})


def test_search_then_star_history_then_report(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with FakeApi(_answer, min_interval=0.02) as api:
        monkeypatch.setenv("SYNTHSCOPE_GITHUB_BASE_URL", api.url)
        monkeypatch.setenv("SYNTHSCOPE_GITHUB_INTERVAL", "0.02")
        monkeypatch.setenv("SYNTHSCOPE_GITHUB_TOKEN", TOKEN)
        search = ["observe", "collect", "github", "--term", "voice cloning", "--json"]
        assert main([*search, "--since", "2019-01-01", "--until", "2020-12-31"]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary["counts"]["new"] == sum("voice cloning" in r.text() for r in REPOS)
        assert main(["observe", "collect", "github-stars", "--term", "top:2"]) == 0
        out = capsys.readouterr().out
    assert "github-stars" in out and TOKEN not in out
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in api.requests)
    assert main(["observe", "report", "--out", str(tmp_path)]) == 0
    top = sorted((r for r in REPOS if "voice cloning" in r.text()), key=lambda r: -r.stars)[:2]
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    for repo in top:
        assert repo.full_name.lower() in markdown and repo.full_name.lower() in html
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert set(report["star_history"]) == {r.full_name.lower() for r in top}


def test_stars_without_repositories_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["observe", "collect", "github-stars", "--term", "deepfake"]) == 2
    assert "owner/repo" in capsys.readouterr().err

"""The public pages over TestClient: language, CSRF, redirects, limits, evidence drawings."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from synthscope.config import Settings
from synthscope.service.evidence import evidence_svgs


def csrf(client: TestClient) -> str:
    page = client.get("/")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_language_follows_query_cookie_then_accept_language(client: TestClient) -> None:
    assert "Check a file" in client.get("/").text
    assert "检测文件" in client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert "检测文件" in client.get("/?lang=zh").text
    assert "deleted after 7 days, the result after 30 days" in client.get("/").text
    assert "7 天后删除" in client.get("/?lang=zh").text
    switched = client.get("/lang/zh?next=/dashboard", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/dashboard"
    assert "深度合成趋势" in client.get("/dashboard").text


def test_language_switch_never_redirects_off_site(client: TestClient) -> None:
    for target in ("//evil.example/", "https://evil.example/", "evil"):
        answer = client.get(f"/lang/en?next={target}", follow_redirects=False)
        assert answer.headers["location"] == "/"


def test_form_without_the_csrf_token_is_refused(client: TestClient, tmp_path: Path) -> None:
    csrf(client)
    answer = client.post("/check", data={"text": "hello", "csrf_token": "wrong"})
    assert answer.status_code == 403 and "reload the page" in answer.text


def test_form_from_another_origin_is_refused(client: TestClient) -> None:
    token = csrf(client)
    answer = client.post(
        "/check",
        data={"text": "hello", "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403


def test_page_upload_over_the_limit_is_refused_in_words(
    settings: Settings, make_app: Callable[..., FastAPI]
) -> None:
    small = settings.model_copy(update={"service_max_upload_bytes": 10})
    with TestClient(make_app(small)) as client:
        token = csrf(client)
        answer = client.post(
            "/check",
            data={"csrf_token": token},
            files={"file": ("a.png", b"\x89PNG" + b"0" * 100, "image/png")},
        )
    assert answer.status_code == 413 and "larger than the limit" in answer.text
    assert not list(Path(str(settings.service_upload_dir)).iterdir())


def test_public_uploads_are_rate_limited_per_client(
    settings: Settings, make_app: Callable[..., FastAPI]
) -> None:
    tight = settings.model_copy(update={"service_public_rate_limit": 1})
    with TestClient(make_app(tight)) as client:
        token = csrf(client)
        codes = [
            client.post("/check", data={"csrf_token": token, "text": ""}).status_code
            for _ in range(2)
        ]
    assert codes == [400, 429]


def test_unknown_check_is_404(client: TestClient) -> None:
    assert client.get("/check/0123456789abcdef").status_code == 404
    assert client.get("/check/0123456789abcdef/status").status_code == 404


def test_dashboard_reports_a_bad_filter_in_words(client: TestClient) -> None:
    answer = client.get("/dashboard?from=20x7")
    assert answer.status_code == 400 and "must be a year" in answer.text
    assert client.get("/dashboard?region=mars").status_code == 400


def test_report_downloads_as_attachments(client: TestClient) -> None:
    for fmt, kind in (("json", "application/json"), ("html", "text/html"), ("md", "text/markdown")):
        answer = client.get(f"/dashboard/report.{fmt}")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(kind)
        assert answer.headers["content-disposition"] == f'attachment; filename="report.{fmt}"'
    assert client.get("/dashboard/report.json").json()["schema"] == "synthscope.report/1"
    assert client.get("/dashboard/report.pdf").status_code == 400


def test_static_files_are_served_by_the_app(client: TestClient) -> None:
    assert "pollJob" in client.get("/static/app.js").text
    assert client.get("/static/style.css").status_code == 200


def test_evidence_heatmap_and_timelines_are_drawn() -> None:
    svgs = evidence_svgs(
        {
            "heatmap": [[0.0, 0.5], [1.0, 0.25]],
            "frames": [[0.0, 0.1], [0.5, 0.9]],
            "segments": [{"start": 0, "end": 2.5, "score": 0.7}],
            "other": "left to the JSON view",
        }
    )
    assert len(svgs) == 3 and svgs[0].count("<rect") == 4
    assert evidence_svgs({"heatmap": [["x"]]}) == [] and evidence_svgs(None) == []

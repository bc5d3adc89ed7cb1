"""The platform API over a real store (SQLite and PostgreSQL): keys, scopes, limits, errors."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from synthscope.config import Settings, load_settings
from synthscope.store import Store
from synthscope.store.service_models import API_KEYS

Key = Callable[..., dict[str, str]]


def error_of(response: Any) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    return dict(body["error"])


def test_health_and_openapi_describe_every_endpoint(client: TestClient) -> None:
    assert client.get("/api/v1/health").json() == {"status": "ok"}
    spec = client.get("/openapi.json").json()
    for path, methods in spec["paths"].items():
        assert path.startswith("/api/v1/"), path
        for method, operation in methods.items():
            assert operation.get("description") or operation.get("summary"), (path, method)
    assert {"/api/v1/checks", "/api/v1/checks/{job_id}", "/api/v1/report"} <= set(spec["paths"])


def test_no_interactive_docs_that_would_load_a_cdn(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_key_is_required_known_and_scoped(client: TestClient, key: Key) -> None:
    assert error_of(client.get("/api/v1/checks/x"))["code"] == "unauthorized"
    bad = {"Authorization": "Bearer ssk_not-a-key"}
    assert client.get("/api/v1/checks/x", headers=bad).status_code == 401
    banks_only = key("bank:read")
    answer = client.get("/api/v1/checks/x", headers=banks_only)
    assert answer.status_code == 403 and "check" in error_of(answer)["message"]
    assert client.get("/api/v1/checks/x", headers=key("check")).status_code == 404
    assert client.get("/api/v1/checks/x", headers=key("admin")).status_code == 404


def test_keys_are_stored_hashed(client: TestClient, key: Key, store: Store) -> None:
    secret = key("check")["Authorization"].split()[1]
    with store.reading() as conn:
        rows = conn.execute(select(API_KEYS)).all()
    assert rows and all(secret not in str(tuple(r)) for r in rows)
    assert all(len(r.key_hash) == 64 for r in rows)


def test_rate_limit_answers_429_with_retry_after(
    settings: Settings, make_app: Callable[..., FastAPI], key: Key
) -> None:
    tight = settings.model_copy(update={"service_rate_limit": 3})
    headers = key("check")
    with TestClient(make_app(tight)) as client:
        codes = [client.get("/api/v1/checks/x", headers=headers).status_code for _ in range(4)]
        answer = client.get("/api/v1/checks/x", headers=headers)
    assert codes[:3] == [404, 404, 404] and codes[3] == 429
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) >= 1
    assert error_of(answer)["code"] == "rate_limited"


def test_errors_are_json_with_the_contract_shape(client: TestClient, key: Key) -> None:
    assert error_of(client.get("/api/v1/nothing-here"))["code"] == "not_found"
    invalid = client.get("/api/v1/report?format=pdf", headers=key("check"))
    assert invalid.status_code == 422 and error_of(invalid)["code"] == "invalid"
    reversed_years = client.get("/api/v1/report?from=2021&to=2017", headers=key("check"))
    assert reversed_years.status_code == 400 and "reversed" in error_of(reversed_years)["message"]


def test_cors_is_closed_by_default(client: TestClient) -> None:
    preflight = client.options(
        "/api/v1/health",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    plain = client.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in plain.headers


def test_cors_opens_only_to_configured_origins(
    settings: Settings, make_app: Callable[..., FastAPI]
) -> None:
    opened = settings.model_copy(update={"service_cors_origins": ["https://ok.example"]})
    with TestClient(make_app(opened)) as client:
        ok = client.get("/api/v1/health", headers={"Origin": "https://ok.example"})
        other = client.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert ok.headers["access-control-allow-origin"] == "https://ok.example"
    assert "access-control-allow-origin" not in other.headers


def test_pages_send_a_strict_content_security_policy(client: TestClient) -> None:
    page = client.get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "http://" not in page.text.replace("http://www.w3.org", "")
    assert "https://" not in page.text


def wait_done(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(url, headers=headers).json()
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"{url} did not finish")


def test_observe_import_run_and_report_download_match_observe_report(
    client: TestClient, key: Key, tmp_path: Path, store: Store
) -> None:
    from synthscope.observe.report.build import build_report
    from synthscope.service.reports import Filters, report_options

    admin = key("admin")
    csv = "url,title,published_at,plays,likes\n" + "".join(
        f"https://www.bilibili.com/video/BV1xx411c7m{i},deepfake 换脸 {i},{2018 + i % 4}-05-01,"
        f"{1000 * (i + 1)},{10 * i}\n"
        for i in range(9)
    )
    started = client.post(
        "/api/v1/observe/imports",
        files={"file": ("export.csv", csv.encode(), "text/csv")},
        data={"kind": "video"},
        headers=admin,
    )
    assert started.status_code == 202, started.text
    done = wait_done(client, f"/api/v1/observe/runs/{started.json()['id']}", admin)
    assert done["status"] == "done" and done["result"]["counts"]["new"] == 9
    assert not list((tmp_path / "uploads").iterdir())  # the import file is deleted
    runs = client.get("/api/v1/observe/runs", headers=admin).json()
    assert runs[0]["id"] == done["result"]["run_id"]

    served = client.get("/api/v1/report?format=json", headers=key("check")).json()
    settings = load_settings(bootstrap_samples=10)
    direct = build_report(store, report_options(settings, "en", Filters()))
    assert served["items_per_year"] == direct["items_per_year"]
    assert sum(served["items_per_year"]["video"].values()) == 9
    only_2018 = client.get("/api/v1/report?from=2018&to=2018", headers=admin).json()
    assert only_2018["items_per_year"]["video"] == {"2018": 3}


def test_observe_runs_need_admin(client: TestClient, key: Key) -> None:
    answer = client.post(
        "/api/v1/observe/collects", json={"source": "arxiv", "terms": ["x"]}, headers=key("check")
    )
    assert answer.status_code == 403


def test_collect_refuses_a_file_source_before_queueing(client: TestClient, key: Key) -> None:
    answer = client.post(
        "/api/v1/observe/collects", json={"source": "file", "terms": ["x"]}, headers=key("admin")
    )
    assert answer.status_code == 400 and "not a live source" in error_of(answer)["message"]


def test_import_refuses_unknown_file_kinds(client: TestClient, key: Key) -> None:
    answer = client.post(
        "/api/v1/observe/imports",
        files={"file": ("x.exe", b"MZ....", "application/octet-stream")},
        headers=key("admin"),
    )
    assert answer.status_code == 415


@pytest.mark.parametrize("size", [1, 10])
def test_upload_over_the_byte_limit_is_413_and_leaves_nothing(
    settings: Settings, make_app: Callable[..., FastAPI], key: Key, size: int
) -> None:
    small = settings.model_copy(update={"service_max_upload_bytes": 5})
    with TestClient(make_app(small)) as client:
        answer = client.post(
            "/api/v1/observe/imports",
            files={"file": ("big.csv", b"x" * (5 + size), "text/csv")},
            headers=key("admin"),
        )
    assert answer.status_code == 413 and error_of(answer)["code"] == "too_large"
    assert not list(Path(str(settings.service_upload_dir)).iterdir())


def test_observe_collect_run_reaches_only_the_configured_source(
    settings: Settings, make_app: Callable[..., FastAPI], key: Key, store: Store
) -> None:
    from fakeapi import FakeApi, Reply, Request
    from synthscope.observe.sources._examples import arxiv_answer, fake_papers

    papers = fake_papers(12)

    def answer(request: Request) -> Reply:
        return Reply(200, arxiv_answer(papers, request.params), {"Content-Type": "text/xml"})

    with FakeApi(answer, min_interval=0.0) as api:
        live = settings.model_copy(
            update={"arxiv_base_url": f"{api.url}/api/query", "arxiv_interval": 0.0}
        )
        admin = key("admin")
        with TestClient(make_app(live)) as client:
            started = client.post(
                "/api/v1/observe/collects",
                json={
                    "source": "arxiv",
                    "terms": ["deepfake"],
                    "since": "2019-01-01",
                    "until": "2019-12-31",
                },
                headers=admin,
            )
            assert started.status_code == 202, started.text
            done = wait_done(client, f"/api/v1/observe/runs/{started.json()['id']}", admin)
        assert api.requests, "the collection asked the configured source"
    assert done["status"] == "done", done
    assert done["result"]["source"] == "arxiv" and done["result"]["counts"]["requests"] >= 1


def test_admin_lists_and_revokes_keys(client: TestClient, key: Key) -> None:
    admin, other = key("admin"), key("check")
    assert client.get("/api/v1/keys", headers=other).status_code == 403
    listed = client.get("/api/v1/keys", headers=admin).json()
    assert [k["name"] for k in listed] == ["test-1", "test-2"]
    assert set(listed[1]) == {"id", "name", "prefix", "scopes", "created_at", "revoked_at"}
    assert listed[1]["scopes"] == ["check"] and listed[1]["revoked_at"] is None
    secret = other["Authorization"].split()[1]
    assert all(secret not in str(k) and k["prefix"] == secret[:10] for k in listed[1:])
    assert client.get("/api/v1/checks/x", headers=other).status_code == 404
    revoked = client.delete("/api/v1/keys/test-2", headers=admin)
    assert revoked.json() == {"name": "test-2", "revoked": True, "already": False}
    assert client.get("/api/v1/checks/x", headers=other).status_code == 401  # at once here
    assert client.delete("/api/v1/keys/test-2", headers=admin).json()["already"] is True
    assert client.delete("/api/v1/keys/nobody", headers=admin).status_code == 404
    assert client.get("/api/v1/keys", headers=admin).json()[1]["revoked_at"]

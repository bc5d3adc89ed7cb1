"""Errors on the public pages are pages in the reader's language; the API keeps JSON."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from synthscope.config import Settings
from synthscope.service.i18n import _TEXT

ZH = {"Accept-Language": "zh-CN"}


def csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert found is not None
    return found.group(1)


def shown_error(page: str) -> str:
    found = re.search(r'<p class="error" role="alert">([^<]*)</p>', page)
    assert found is not None, page
    return found.group(1)


@pytest.mark.parametrize(
    ("path", "status", "en", "zh"),
    [
        ("/check/deadbeef", 404, "There is no check at this address", "此地址没有检测结果"),
        ("/nothing-here", 404, "There is nothing at /nothing-here.", "此地址没有内容。"),
    ],
)
def test_unknown_pages_are_html_in_both_languages(
    client: TestClient, path: str, status: int, en: str, zh: str
) -> None:
    english = client.get(path)
    assert english.status_code == status and english.headers["content-type"].startswith("text/html")
    assert en in shown_error(english.text) and "Page not found" in english.text
    chinese = client.get(path, headers=ZH)
    assert zh in shown_error(chinese.text) and "找不到页面" in chinese.text


def test_a_get_of_the_form_target_is_an_html_405(client: TestClient) -> None:
    answer = client.get("/check")
    assert answer.status_code == 405 and answer.headers["content-type"].startswith("text/html")
    assert "POST" in answer.headers["allow"] and "/check" in shown_error(answer.text)
    assert "此地址不接受 GET 请求" in client.get("/check", headers=ZH).text


def test_the_api_and_the_status_poll_keep_json(client: TestClient) -> None:
    for path in ("/api/v1/nothing", "/check/deadbeef/status"):
        answer = client.get(path)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert client.post("/api/v1/health").json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("data", "files", "status", "zh"),
    [
        ({}, {"file": ("r.bin", bytes(range(256)))}, 415, "无法检测"),
        ({}, {"file": ("empty.png", b"")}, 400, "上传的文件是空的。"),
        ({"text": "   "}, None, 400, "没有可检测的内容：文本为空。"),
    ],
)
def test_form_errors_are_translated(
    client: TestClient, data: dict[str, str], files: dict | None, status: int, zh: str
) -> None:
    token = csrf(client)
    answer = client.post("/check", data={**data, "csrf_token": token}, files=files, headers=ZH)
    assert answer.status_code == status and zh in shown_error(answer.text)


def test_too_large_and_too_many_are_translated_and_429_says_when_to_retry(
    settings: Settings, make_app: Callable[..., FastAPI]
) -> None:
    tight = settings.model_copy(
        update={"service_public_rate_limit": 2, "service_max_upload_bytes": 10}
    )
    with TestClient(make_app(tight)) as client:
        token = csrf(client)
        big = client.post("/check", data={"csrf_token": token, "text": "x" * 50}, headers=ZH)
        assert big.status_code == 413
        assert shown_error(big.text) == "上传的内容超过了 10 字节的上限。"
        client.post("/check", data={"csrf_token": token, "text": ""})
        limited = client.post("/check", data={"csrf_token": token, "text": "hi"}, headers=ZH)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert shown_error(limited.text) == "请求过多：上限为每分钟 2 次。"


def test_every_page_closes_its_head_and_the_intro_reads_well(client: TestClient) -> None:
    for path in ("/", "/?lang=zh", "/dashboard", "/check/deadbeef"):
        page = client.get(path).text
        assert page.count("<head>") == 1 and page.count("</head>") == 1
        assert page.index("</head>") < page.index("<body>")
    intro = client.get("/").text
    assert "and detector scores, and tells you" not in intro
    assert "runs its detectors. It then tells you what it found and why." in intro


def test_every_page_text_has_both_languages() -> None:
    assert all(set(entry) == {"en", "zh"} and all(entry.values()) for entry in _TEXT.values())

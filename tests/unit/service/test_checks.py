"""Checks over the API and the page, with images made here (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from synthscope.config import Settings

Key = Callable[..., dict[str, str]]


def png(seed: int = 1, size: int = 64) -> bytes:
    image = Image.new("RGB", (size, size), (seed * 40 % 256, 90, 160))
    for x in range(0, size, 4):
        image.putpixel((x, (x * seed) % size), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def check_on_page(
    client: TestClient, data: dict[str, str], files: dict[str, Any] | None = None
) -> str:
    """Send the public checking form and wait for its job to finish; the job page's URL."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert token is not None
    sent = client.post(
        "/check", data={**data, "csrf_token": token.group(1)}, files=files, follow_redirects=False
    )
    assert sent.status_code == 303
    job_url: str = sent.headers["location"]
    for _ in range(300):
        if client.get(f"{job_url}/status").json()["status"] == "done":
            break
        time.sleep(0.05)
    return job_url


def uploads(settings: Settings) -> list[Path]:
    return list(Path(str(settings.service_upload_dir)).iterdir())


def test_check_answers_200_with_a_check_record_and_deletes_the_file(
    client: TestClient, key: Key, settings: Settings
) -> None:
    headers = key("check")
    answer = client.post(
        "/api/v1/checks", files={"file": ("made.png", png(), "image/png")}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "done" and set(body) == {"id", "status", "result"}
    result = body["result"]
    assert result["schema"] == "synthscope.check/1" and result["file"] == "made.png"
    assert result["kind"] == "image" and result["media_type"] == "image/png"
    assert result["error"] is None and result["c2pa"]["present"] is False
    # no label: only the detectors speak, and they never say "synthetic" alone
    assert result["detectors"] and result["verdict"]["label"] != "synthetic"
    again = client.get(f"/api/v1/checks/{body['id']}", headers=headers)
    assert again.status_code == 200 and again.json()["result"] == result
    assert uploads(settings) == []


def test_a_check_is_visible_only_to_its_key_and_admins(client: TestClient, key: Key) -> None:
    mine = key("check")
    job = client.post("/api/v1/checks", files={"file": ("a.png", png(), "image/png")}, headers=mine)
    job_id = job.json()["id"]
    assert client.get(f"/api/v1/checks/{job_id}", headers=key("check")).status_code == 404
    assert client.get(f"/api/v1/checks/{job_id}", headers=key("admin")).status_code == 200


def test_slow_checks_answer_202_then_the_result(
    settings: Settings, make_app: Callable[..., FastAPI], key: Key
) -> None:
    no_wait = settings.model_copy(update={"service_sync_wait_s": 0.0})
    headers = key("check")
    with TestClient(make_app(no_wait)) as client:
        first = client.post(
            "/api/v1/checks", files={"file": ("b.png", png(2), "image/png")}, headers=headers
        )
        assert first.status_code == 202 and first.json()["status"] in ("queued", "running")
        body: dict[str, Any] = {}
        for _ in range(300):
            body = client.get(f"/api/v1/checks/{first.json()['id']}", headers=headers).json()
            if body["status"] == "done":
                break
            time.sleep(0.05)
    assert body["status"] == "done" and body["result"]["kind"] == "image"


def test_type_comes_from_content_not_the_name(client: TestClient, key: Key) -> None:
    headers = key("check")
    exe = client.post(
        "/api/v1/checks",
        files={"file": ("photo.jpg", b"MZ" + bytes(200), "image/jpeg")},
        headers=headers,
    )
    assert exe.status_code == 415
    assert exe.json()["error"]["code"] == "unsupported_media_type"
    named_wrong = client.post(
        "/api/v1/checks", files={"file": ("upload", png(3), "text/plain")}, headers=headers
    )
    assert named_wrong.json()["result"]["media_type"] == "image/png"


def test_oversized_pixels_are_an_input_error_in_the_record(
    settings: Settings, make_app: Callable[..., FastAPI], key: Key
) -> None:
    tiny = settings.model_copy(update={"max_pixels": 100})
    with TestClient(make_app(tiny)) as client:
        answer = client.post(
            "/api/v1/checks",
            files={"file": ("big.png", png(4, 64), "image/png")},
            headers=key("check"),
        )
    result = answer.json()["result"]
    assert result["error"]["code"] == 3 and "pixel" in result["error"]["message"].lower()


def test_page_checks_pasted_text_and_shows_the_verdict_in_both_languages(
    client: TestClient, settings: Settings
) -> None:
    job_url = check_on_page(client, {"text": "A sentence to check."})
    english = client.get(job_url).text
    assert 'id="verdict"' in english and "We found no sign of synthesis" in english
    assert "pasted-text.txt" in english and "has been deleted" in english
    assert "未发现合成迹象" in client.get(f"{job_url}?lang=zh").text
    assert uploads(settings) == []


def test_a_check_reports_bank_matches_and_reads_synthetic(client: TestClient, key: Key) -> None:
    from synthscope.check.hashes.pdq import PdqHasher, _picture

    writer = key("bank:write", "bank:read")
    assert client.post("/api/v1/banks", json={"name": "fakes"}, headers=writer).status_code == 201
    buffer = io.BytesIO()
    _picture(31).save(buffer, format="PNG")
    known = buffer.getvalue()
    value = PdqHasher().hash(known).value
    body = {"signals": [{"signal_type": "pdq", "value": value}]}
    assert client.post("/api/v1/banks/fakes/signals", json=body, headers=writer).status_code < 300
    answer = client.post(
        "/api/v1/checks", files={"file": ("again.png", known, "image/png")}, headers=key("check")
    )
    result = answer.json()["result"]
    assert result["verdict"]["label"] == "synthetic"
    assert result["hash_matches"][0]["bank"] == "fakes"
    assert result["hash_matches"][0]["distance"] == 0


def test_page_says_why_a_detector_gave_no_score_in_both_languages(client: TestClient) -> None:
    job_url = check_on_page(client, {}, {"file": ("tiny.png", png(size=20), "image/png")})
    assert "the image is smaller than 64 px on a side" in client.get(job_url).text
    assert "图像边长小于 64 像素" in client.get(f"{job_url}?lang=zh").text


def test_api_check_runs_the_detectors_named_and_refuses_unknown_ones(
    client: TestClient, key: Key, settings: Settings
) -> None:
    """The ``detector`` form field (repeatable) is ``check --detector``: detectors left out of
    the default set can be asked for; an unknown name is 400 before anything is kept."""
    headers = key("check")
    upload = {"file": ("made.png", png(3, 96), "image/png")}
    answer = client.post(
        "/api/v1/checks",
        files=upload,
        data={"detector": ["cnn-image", "spectral"]},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    names = {d["name"] for d in answer.json()["result"]["detectors"]}
    assert names == {"cnn-image", "spectral"}
    refused = client.post(
        "/api/v1/checks", files=upload, data={"detector": ["nope"]}, headers=headers
    )
    assert refused.status_code == 400
    assert "Unknown detector 'nope'" in refused.json()["error"]["message"]
    assert uploads(settings) == []

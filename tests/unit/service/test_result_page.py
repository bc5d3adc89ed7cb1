"""The result page: what was not checked says so, an error shows alone, labels in both languages."""

from __future__ import annotations

import io
import re
import time
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

ZH = {"Accept-Language": "zh-CN"}


def record(**sections: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "schema": "synthscope.check/1",
        "file": "x",
        "sha256": "0" * 64,
        "kind": "image",
        "media_type": "image/png",
        "verdict": {"label": "no_evidence", "score": None, "reasons": []},
        "c2pa": None,
        "aigc": None,
        "watermarks": [],
        "hash_matches": [],
        "detectors": [],
        "explicit": None,
        "error": None,
    }
    return base | sections


def shown(client: TestClient, result: dict[str, Any]) -> str:
    """The address of the result page of a finished job holding ``result``."""
    jobs = client.app.state.services.jobs  # type: ignore[attr-defined]
    job_id = jobs.submit("check", lambda _p: {"check": result}, params={"file": "x"})
    for _ in range(200):
        if jobs.get(job_id)["status"] == "done":
            break
        time.sleep(0.02)
    return f"/check/{job_id}"


def section(page: str, heading: str) -> str:
    """The text under the findings heading ``heading`` up to the next heading."""
    start = page.index(f"<h3>{heading}</h3>") + len(heading) + 9
    end = page.find("<h3>", start)
    return re.sub(r"<[^>]+>|\s+", " ", page[start : end if end > 0 else None]).strip()


def test_an_unchecked_notice_says_not_checked(client: TestClient) -> None:
    url = shown(
        client,
        record(
            explicit={"present": False, "kind": "not-checked"},
            watermarks=[{"scheme": "synthscope-svd96", "found": False, "bits": 96}],
            c2pa={"present": False},
        ),
    )
    english, chinese = client.get(url).text, client.get(url, headers=ZH).text
    heading = "Visible or audible AI notice (GB 45438 explicit label)"
    assert section(english, heading) == "not checked"
    assert section(chinese, "显式标识（GB 45438 可见或可听提示）") == "未检查"
    assert section(english, "Invisible watermarks") == "none found"
    assert section(english, "C2PA Content Credentials") == "none found"
    assert section(english, "GB 45438 AI-generated label") == "not checked"


def test_a_looked_for_notice_that_is_absent_is_none_found(client: TestClient) -> None:
    url = shown(
        client,
        record(kind="text", media_type="text/plain", explicit={"present": False, "kind": "text"}),
    )
    heading = "Visible or audible AI notice (GB 45438 explicit label)"
    assert section(client.get(url).text, heading) == "none found"


def test_an_error_result_shows_only_the_error(client: TestClient) -> None:
    failed = record(
        sha256=None, kind=None, media_type=None, error={"code": 3, "message": "x is truncated."}
    )
    page = client.get(shown(client, failed)).text
    assert 'data-label="error"' in page and "x is truncated." in page
    assert "none found" not in page and 'class="findings"' not in page


def test_values_keep_their_codes_under_translated_labels(client: TestClient) -> None:
    url = shown(
        client,
        record(
            kind="audio",
            media_type="audio/wav",
            c2pa={"present": True, "state": "Valid", "codes": []},
            explicit={"present": True, "kind": "text-notice"},
            watermarks=[
                {"scheme": "synthscope-svd96", "found": True, "bits_matched": 96, "bits": 96}
            ],
            hash_matches=[
                {"bank": "fakes", "signal_type": "audio", "distance": 0, "signal_id": "a"}
            ],
        ),
    )
    zh = client.get(url, headers=ZH).text
    assert re.search(r'id="media-type">audio/wav（音频）<', zh)
    assert "存在 · 验证状态：<strong>Valid</strong>" in zh
    assert "存在 · 类型：text-notice" in zh
    assert "synthscope-svd96：96/96 位匹配" in zh
    assert "哈希库 fakes · 信号类型 audio · 距离 0" in zh
    en = client.get(url).text
    assert "audio/wav (audio)" in en and "synthscope-svd96: 96/96 bits match" in en
    assert "bank fakes · signal type audio · distance 0" in en


def test_a_camera_named_in_its_model_is_named_once(client: TestClient) -> None:
    """EXIF Make "Canon" with Model "Canon EOS REBEL T3" reads "Canon EOS REBEL T3"."""
    image = Image.new("RGB", (96, 96), (90, 120, 150))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS REBEL T3"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert token is not None
    sent = client.post(
        "/check",
        data={"csrf_token": token.group(1)},
        files={"file": ("t3.jpg", out.getvalue(), "image/jpeg")},
        follow_redirects=False,
    )
    job = sent.headers["location"]
    for _ in range(300):
        if client.get(f"{job}/status").json()["status"] == "done":
            break
        time.sleep(0.05)
    page = client.get(job).text
    assert "camera data names Canon EOS REBEL T3," in page and "Canon Canon" not in page
    assert "相机数据为 Canon EOS REBEL T3，" in client.get(job, headers=ZH).text

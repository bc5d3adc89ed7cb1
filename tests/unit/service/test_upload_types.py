"""What an upload may be: every type `synthscope check` reads, one file, a real file field."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from synthscope.config import Settings

Key = Callable[..., dict[str, str]]
REPO = Path(__file__).resolve().parents[3]
REFERENCE = Path(os.environ.get("SYNTHSCOPE_REFERENCE_DATA", "../shared/data"))
C2PA_PDF = (REPO / REFERENCE / "provenance/c2pa/ai-generated/pdf-file.pdf").resolve()
PLAIN_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
RANDOM = bytes(range(256)) * 8  # NUL bytes and no magic: a type nobody knows


def csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert found is not None
    return found.group(1)


def leftovers(settings: Settings) -> list[Path]:
    return list(Path(str(settings.service_upload_dir)).rglob("*"))


def pdf_bytes() -> bytes:
    if not C2PA_PDF.is_file():
        pytest.skip(f"reference data not found at {C2PA_PDF} (set SYNTHSCOPE_REFERENCE_DATA)")
    return C2PA_PDF.read_bytes()


def test_a_pdf_is_accepted_like_any_type_the_cli_checks(client: TestClient, key: Key) -> None:
    answer = client.post(
        "/api/v1/checks", files={"file": ("plain.pdf", PLAIN_PDF)}, headers=key("check")
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()["result"]
    assert result["media_type"] == "application/pdf" and result["kind"] == "other"


def test_a_pdf_with_a_c2pa_manifest_is_checked_as_the_cli_checks_it(
    client: TestClient, key: Key, settings: Settings
) -> None:
    from synthscope.check.scan import check_paths

    data = pdf_bytes()
    answer = client.post(
        "/api/v1/checks",
        files={"file": ("pdf-file.pdf", data, "application/pdf")},
        headers=key("check"),
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()["result"]
    cli = next(check_paths([C2PA_PDF]))
    assert result["media_type"] == cli["media_type"] == "application/pdf"
    assert result["verdict"]["label"] == cli["verdict"]["label"] == "synthetic"
    assert result["c2pa"]["present"] is True
    assert leftovers(settings) == []


def test_the_page_checks_a_pdf_and_offers_every_file_type(client: TestClient) -> None:
    form = client.get("/").text
    assert 'accept="image/*' not in form and "PDF" in form
    sent = client.post(
        "/check",
        data={"csrf_token": csrf(client)},
        files={"file": ("pdf-file.pdf", pdf_bytes(), "application/pdf")},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    job = sent.headers["location"]
    for _ in range(300):
        if client.get(f"{job}/status").json()["status"] == "done":
            break
        time.sleep(0.05)
    page = client.get(job).text
    assert 'data-label="synthetic"' in page and "trainedAlgorithmicMedia" in page


@pytest.mark.parametrize("name", ["rand.bin", "rand.png"])
def test_content_of_unknown_type_is_415_in_words(
    client: TestClient, key: Key, settings: Settings, name: str
) -> None:
    answer = client.post("/api/v1/checks", files={"file": (name, RANDOM)}, headers=key("check"))
    assert answer.status_code == 415
    message = answer.json()["error"]["message"]
    assert message.startswith(f"{name} is application/octet-stream") and "uploads" not in message
    assert leftovers(settings) == []


def test_zip_and_office_files_are_accepted(client: TestClient, key: Key) -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "hello")
    answer = client.post(
        "/api/v1/checks", files={"file": ("a.zip", out.getvalue())}, headers=key("check")
    )
    assert answer.status_code == 200 and answer.json()["result"]["media_type"] == "application/zip"


def test_two_files_in_one_check_are_refused(client: TestClient, key: Key) -> None:
    answer = client.post(
        "/api/v1/checks",
        files=[("file", ("a.txt", b"hello")), ("file", ("b.txt", b"world"))],
        headers=key("check"),
    )
    assert answer.status_code == 422
    assert answer.json()["error"] == {
        "code": "invalid",
        "message": "Send one file in the field file, not 2.",
    }


def test_a_file_field_that_is_not_a_file_is_said_plainly(client: TestClient, key: Key) -> None:
    answer = client.post("/api/v1/checks", data={"file": "hello"}, headers=key("check"))
    assert answer.status_code == 422
    assert answer.json()["error"]["message"] == "The field file must be a file upload."
    missing = client.post("/api/v1/checks", data={"keep": "1"}, headers=key("check"))
    assert missing.json()["error"]["message"] == "The field file is required."
    bad_lang = client.get("/api/v1/checks/x?lang=fr", headers=key("check"))
    assert bad_lang.json()["error"]["message"] == "The query parameter lang must be en or zh."


def test_random_bytes_to_a_bank_match_are_415_without_a_server_path(
    client: TestClient, key: Key, settings: Settings
) -> None:
    headers = key("bank:read", "bank:write")
    client.post("/api/v1/banks", json={"name": "fakes"}, headers=headers)
    for route in ("match", "signals"):
        answer = client.post(
            f"/api/v1/banks/fakes/{route}",
            files={"file": ("rand.png", RANDOM, "image/png")},
            headers=headers,
        )
        assert answer.status_code == 415, (route, answer.text)
        assert str(settings.service_upload_dir) not in answer.text and "rand.png" in answer.text
    assert leftovers(settings) == []


def test_a_bank_match_error_names_the_clients_file_and_leaves_nothing(
    client: TestClient, key: Key, settings: Settings
) -> None:
    headers = key("bank:read", "bank:write")
    client.post("/api/v1/banks", json={"name": "fakes"}, headers=headers)
    truncated = b"RIFF\x24\x00\x00\x00WAVEfmt " + os.urandom(40)  # a WAV header, no audio
    answer = client.post(
        "/api/v1/banks/fakes/match", files={"file": ("voice.wav", truncated)}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["file"] == "voice.wav" and body["error"] is not None
    assert str(settings.service_upload_dir) not in answer.text
    assert leftovers(settings) == []


def test_bank_uploads_leave_no_folders_behind(
    client: TestClient, key: Key, settings: Settings
) -> None:
    import io

    from synthscope.check.hashes.pdq import _picture

    buffer = io.BytesIO()
    _picture(7).save(buffer, format="PNG")
    headers = key("bank:read", "bank:write")
    client.post("/api/v1/banks", json={"name": "fakes"}, headers=headers)
    upload = {"file": ("known.png", buffer.getvalue(), "image/png")}
    added = client.post("/api/v1/banks/fakes/signals", files=upload, headers=headers)
    assert added.status_code == 200, added.text
    matched = client.post("/api/v1/banks/fakes/match", files=upload, headers=headers)
    assert matched.status_code == 200 and matched.json()["hash_matches"][0]["distance"] == 0
    assert matched.json()["file"] == "known.png"
    assert leftovers(settings) == []


def test_a_file_name_that_names_a_folder_is_not_followed(
    client: TestClient, key: Key, settings: Settings
) -> None:
    from synthscope.service.uploads import safe_name

    assert [safe_name(n) for n in ("..", ".", "a/..", "C:\\x\\y.png")] == [
        "upload",
        "upload",
        "upload",
        "y.png",
    ]
    headers = key("bank:read", "bank:write")
    client.post("/api/v1/banks", json={"name": "fakes"}, headers=headers)
    answer = client.post(
        "/api/v1/banks/fakes/match", files={"file": ("..", b"hello text")}, headers=headers
    )
    assert answer.status_code == 200 and answer.json()["file"] == "upload"
    assert leftovers(settings) == []

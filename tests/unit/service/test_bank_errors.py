"""Bank errors over HTTP: an unknown bank is 404, a bad body is 422, no server path leaks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from synthscope.config import Settings

Key = Callable[..., dict[str, str]]
NO_BANK = {"code": "not_found", "message": "There is no bank named 'nobank'."}
VALUE = "f" * 64


@pytest.fixture(autouse=True)
def _private_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHSCOPE_SIGNING_KEY", str(tmp_path / "signing.pem"))
    monkeypatch.setenv("SYNTHSCOPE_INDEX_CACHE", str(tmp_path / "index"))


def test_an_unknown_bank_is_404_everywhere(client: TestClient, key: Key) -> None:
    headers = key("bank:read", "bank:write", "admin")
    body = {"signal_type": "pdq", "value": VALUE}
    answers = [
        client.post("/api/v1/banks/nobank/match", json=body, headers=headers),
        client.post("/api/v1/banks/nobank/match", files={"file": ("a.png", b"x")}, headers=headers),
        client.get("/api/v1/banks/nobank/export", headers=headers),
        client.get("/api/v1/banks/nobank", headers=headers),
        client.get("/api/v1/banks/nobank/audit", headers=headers),
        client.post("/api/v1/banks/nobank/signals", json={"signals": [body]}, headers=headers),
        client.post(
            "/api/v1/banks/nobank/remove",
            json={"signal_ids": ["x"], "reason": "r"},
            headers=headers,
        ),
    ]
    for answer in answers:
        assert answer.status_code == 404, answer.request.url
        assert answer.json() == {"error": NO_BANK}


def test_a_bad_match_body_is_422_whether_json_or_its_content_is_wrong(
    client: TestClient, key: Key
) -> None:
    headers = key("bank:read", "bank:write")
    client.post("/api/v1/banks", json={"name": "b"}, headers=headers)
    json_type = headers | {"Content-Type": "application/json"}
    not_json = client.post("/api/v1/banks/b/match", content=b"{bad", headers=json_type)
    unknown_type = client.post(
        "/api/v1/banks/b/match", json={"signal_type": "nope", "value": "x"}, headers=headers
    )
    bad_value = client.post(
        "/api/v1/banks/b/match", json={"signal_type": "pdq", "value": "zz"}, headers=headers
    )
    assert not_json.json()["error"] == {
        "code": "invalid",
        "message": "The request body is not valid JSON.",
    }
    for answer in (unknown_type, bad_value):
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid"
    assert "Unknown signal type 'nope'" in unknown_type.json()["error"]["message"]


def test_bad_signal_lists_are_422_in_plain_words(client: TestClient, key: Key) -> None:
    headers = key("bank:read", "bank:write")
    client.post("/api/v1/banks", json={"name": "b"}, headers=headers)
    url = "/api/v1/banks/b/signals"
    json_type = headers | {"Content-Type": "application/json"}
    assert client.post(url, content=b"{bad", headers=json_type).json()["error"]["message"] == (
        "The request body is not valid JSON."
    )
    empty = client.post(url, json={"signals": []}, headers=headers)
    assert empty.status_code == 422 and "at least one signal" in empty.json()["error"]["message"]
    wrong = client.post(url, json={"signals": [{"value": "x"}]}, headers=headers)
    assert wrong.json()["error"]["message"] == "The field signals.0.signal_type is required."
    bad = {"signals": [{"signal_type": "nope", "value": "x"}]}
    refused = client.post(url, json=bad, headers=headers)
    message = refused.json()["error"]["message"]
    assert refused.status_code == 422 and message.startswith("The signal list has 1 bad line")
    assert "partial=true" in message and "--partial" not in message


def test_an_import_error_names_the_body_not_a_server_file(
    client: TestClient, key: Key, settings: Settings
) -> None:
    answer = client.post(
        "/api/v1/banks/nobank/import", json={"schema": "other"}, headers=key("bank:write")
    )
    assert answer.status_code == 422
    message = answer.json()["error"]["message"]
    assert message.startswith("The request body is not a synthscope.bank-exchange/1 document")
    assert str(settings.service_upload_dir) not in answer.text
    unsigned = client.post(
        "/api/v1/banks/nobank/import",
        json={"schema": "synthscope.bank-exchange/1", "bank": {}, "added": [], "removed": []},
        headers=key("bank:write"),
    )
    assert "uploads" not in unsigned.text and "--no-verify" not in unsigned.text

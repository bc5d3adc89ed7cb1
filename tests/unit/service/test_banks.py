"""Banks over HTTP: create, add, remove, match, audit, and two instances syncing by deltas."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from synthscope.config import Settings
from synthscope.service import create_app
from synthscope.service.keys import create_key
from synthscope.store import Store

Key = Callable[..., dict[str, str]]


def hashes(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.getrandbits(256):064x}" for _ in range(n)]


def near(value: str, bits: int = 5) -> str:
    number = int(value, 16)
    for bit in range(0, 8 * bits, 8):
        number ^= 1 << bit
    return f"{number:064x}"


@pytest.fixture(autouse=True)
def _private_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHSCOPE_SIGNING_KEY", str(tmp_path / "signing.pem"))
    monkeypatch.setenv("SYNTHSCOPE_INDEX_CACHE", str(tmp_path / "index"))


def add(client: TestClient, headers: dict[str, str], bank: str, values: list[str]) -> list[str]:
    body = {"signals": [{"signal_type": "pdq", "value": v} for v in values]}
    answer = client.post(f"/api/v1/banks/{bank}/signals", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    ids: list[str] = answer.json()["signal_ids"]
    return ids


def match(client: TestClient, headers: dict[str, str], bank: str, value: str) -> list[dict]:
    body = {"signal_type": "pdq", "value": value}
    answer = client.post(f"/api/v1/banks/{bank}/match", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    found: list[dict] = answer.json()["hash_matches"]
    return found


def test_bank_lifecycle_with_scopes_and_audit(client: TestClient, key: Key) -> None:
    writer, reader = key("bank:write", "bank:read"), key("bank:read")
    assert client.post("/api/v1/banks", json={"name": "fakes"}, headers=reader).status_code == 403
    created = client.post("/api/v1/banks", json={"name": "fakes"}, headers=writer)
    assert created.status_code == 201 and created.json()["created"] is True
    values = hashes(20)
    ids = add(client, writer, "fakes", values)
    assert len(ids) == 20
    hit = match(client, reader, "fakes", near(values[4]))
    assert hit and hit[0]["signal_id"] == ids[4] and 0 < hit[0]["distance"] <= 31
    assert hit[0]["bank"] == "fakes" and hit[0]["signal_type"] == "pdq"
    assert match(client, reader, "fakes", hashes(1, seed=99)[0]) == []
    removed = client.post(
        "/api/v1/banks/fakes/remove",
        json={"signal_ids": [ids[4]], "reason": "appeal"},
        headers=writer,
    )
    assert removed.json() == {"removed": 1}
    assert match(client, reader, "fakes", near(values[4])) == []
    log = client.get("/api/v1/banks/fakes/audit", headers=key("admin")).json()
    assert [e["action"] for e in log] == ["remove", "add", "create"]
    assert log[0]["detail"]["reason"] == "appeal" and log[0]["actor"].startswith("test-")
    assert client.get("/api/v1/banks/fakes/audit", headers=reader).status_code == 403


def test_unknown_bank_is_404_and_bad_hash_is_an_error(client: TestClient, key: Key) -> None:
    headers = key("bank:read", "bank:write")
    assert client.get("/api/v1/banks/none", headers=headers).status_code == 404
    body = {"signal_type": "pdq", "value": "zz"}
    client.post("/api/v1/banks", json={"name": "b"}, headers=headers)
    bad = client.post("/api/v1/banks/b/match", json=body, headers=headers)
    assert bad.status_code in (400, 422) and "error" in bad.json()


@pytest.fixture
def second(tmp_path: Path, settings: Settings) -> Iterator[tuple[TestClient, Store]]:
    """Another synthscope instance with its own store (the peer platform)."""
    url = f"sqlite:///{tmp_path / 'peer.db'}"
    store = Store.open(url)
    peer = settings.model_copy(update={"database_url": url})
    with TestClient(create_app(peer, store)) as client:
        yield client, store
    store.close()


def test_two_instances_sync_a_bank_by_deltas(
    client: TestClient, key: Key, second: tuple[TestClient, Store]
) -> None:
    peer, peer_store = second
    ours = key("bank:read", "bank:write")
    theirs = {"Authorization": f"Bearer {create_key(peer_store, 'p', ['bank:read', 'bank:write'])}"}
    client.post("/api/v1/banks", json={"name": "shared"}, headers=ours)
    values = hashes(30, seed=5)
    ids = add(client, ours, "shared", values[:20])

    full = client.get("/api/v1/banks/shared/export?since=0", headers=ours).json()
    assert full["schema"] == "synthscope.bank-exchange/1" and len(full["added"]) == 20
    first = peer.post("/api/v1/banks/shared/import", json=full, headers=theirs)
    assert first.status_code == 200, first.text and first.json()["new"] == 20
    assert match(peer, theirs, "shared", near(values[7]))[0]["signal_id"] == ids[7]

    add(client, ours, "shared", values[20:])
    client.post(
        "/api/v1/banks/shared/remove",
        json={"signal_ids": [ids[7]], "reason": "false positive"},
        headers=ours,
    )
    delta = client.get(f"/api/v1/banks/shared/export?since={full['checkpoint']}", headers=ours)
    delta_doc = delta.json()
    assert len(delta_doc["added"]) == 10 and len(delta_doc["removed"]) == 1
    second_import = peer.post("/api/v1/banks/shared/import", json=delta_doc, headers=theirs)
    assert second_import.json()["new"] == 10 and second_import.json()["removed"] == 1
    assert match(peer, theirs, "shared", near(values[7])) == []
    assert match(peer, theirs, "shared", near(values[25]))


def test_a_tampered_export_is_refused(
    client: TestClient, key: Key, second: tuple[TestClient, Store]
) -> None:
    peer, peer_store = second
    ours = key("bank:read", "bank:write")
    theirs = {"Authorization": f"Bearer {create_key(peer_store, 'p', ['bank:write'])}"}
    client.post("/api/v1/banks", json={"name": "s"}, headers=ours)
    add(client, ours, "s", hashes(3))
    document = client.get("/api/v1/banks/s/export", headers=ours).json()
    document["added"][0]["value"] = hashes(1, seed=42)[0]
    refused = peer.post("/api/v1/banks/s/import", json=document, headers=theirs)
    assert refused.status_code == 422 and "error" in refused.json()


def test_bank_match_of_an_uploaded_image(
    client: TestClient, key: Key, make_app: Callable[..., FastAPI]
) -> None:
    import io

    from PIL import Image

    image = Image.effect_mandelbrot((256, 256), (-2.0, -1.5, 1.0, 1.5), 60).convert("RGB")
    data = io.BytesIO()
    image.save(data, "PNG")
    headers = key("bank:read", "bank:write")
    client.post("/api/v1/banks", json={"name": "img"}, headers=headers)
    files = {"file": ("known.png", data.getvalue(), "image/png")}
    added = client.post("/api/v1/banks/img/signals", files=files, headers=headers).json()
    assert added.get("new") == 1, added
    found = client.post("/api/v1/banks/img/match", files=files, headers=headers).json()
    assert found["file"] == "known.png" and found["hash_matches"][0]["distance"] == 0


def test_match_names_signals_by_their_stored_keys_without_reading_them(
    client: TestClient, key: Key, store: Store
) -> None:
    from sqlalchemy import select

    from synthscope.store.banks import SIGNAL_ID_DIGITS
    from synthscope.store.models import SIGNALS

    writer = key("bank:write", "bank:read")
    client.post("/api/v1/banks", json={"name": "upper"}, headers=writer)
    values = hashes(6, seed=11)
    add(client, writer, "upper", [v.upper() for v in values])  # stored canonical (lower case)
    with store.reading() as conn:
        stored = {r.value: r.key[:SIGNAL_ID_DIGITS] for r in conn.execute(select(SIGNALS))}
    for value in values:
        found = match(client, writer, "upper", near(value, 2))
        assert [m["signal_id"] for m in found] == [stored[value]]


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"signal_type": "pdq"}', b'{"signal_type": 1, "value": "ab"}'],
)
def test_a_malformed_match_body_is_422(client: TestClient, key: Key, body: bytes) -> None:
    headers = key("bank:read") | {"Content-Type": "application/json"}
    answer = client.post("/api/v1/banks/any/match", content=body, headers=headers)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid"


def test_json_matches_keep_every_check_and_header_of_the_route(
    settings: Settings, make_app: Callable[..., FastAPI], key: Key
) -> None:
    tight = settings.model_copy(update={"service_rate_limit": 4, "service_max_upload_bytes": 500})
    reader, writer = key("bank:read"), key("bank:write", "bank:read")
    with TestClient(make_app(tight)) as client:
        client.post("/api/v1/banks", json={"name": "h"}, headers=writer)
        value = hashes(1)[0]
        add(client, writer, "h", [value])
        url, body = "/api/v1/banks/h/match", {"signal_type": "pdq", "value": value}
        assert client.post(url, json=body).json()["error"]["code"] == "unauthorized"
        denied = client.post(url, json=body, headers=key("check"))
        assert denied.status_code == 403 and "bank:read" in denied.json()["error"]["message"]
        ok = client.post(url, json=body, headers=reader)
        assert ok.status_code == 200 and ok.json()["hash_matches"][0]["distance"] == 0
        assert ok.headers["content-security-policy"] and ok.headers["x-frame-options"] == "DENY"
        missing = client.post("/api/v1/banks/none/match", json=body, headers=reader)
        assert missing.status_code == 404
        assert missing.json()["error"]["message"] == "There is no bank named 'none'."
        big = client.post(url, content=b"{" + b" " * 600 + b"}", headers=reader | _JSON)
        assert big.status_code == 413 and big.json()["error"]["code"] == "too_large"
        assert client.post(url, json=body, headers=reader).status_code == 200  # 4th of 4
        limited = client.post(url, json=body, headers=reader)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1


_JSON = {"Content-Type": "application/json"}

"""``synthscope apikey create`` and ``serve``: the key printed once, alone on the last line."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from synthscope.cli import main
from synthscope.service.keys import authenticate
from synthscope.store import Store
from synthscope.store.service_models import API_KEYS


def test_apikey_create_prints_the_key_alone_on_the_last_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    code = main(["--db", url, "apikey", "create", "--name", "ci", "--scopes", "check,bank:read"])
    out = capsys.readouterr().out
    assert code == 0
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("ssk_") and " " not in secret and len(secret) > 40
    store = Store.open(url)
    key = authenticate(store, secret)
    assert key is not None and key.scopes == {"check", "bank:read"}
    with store.reading() as conn:
        row = conn.execute(select(API_KEYS)).one()
    assert row.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert authenticate(store, secret + "x") is None


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--scopes", "check,root"], "--scopes"),
        (["--scopes", ""], "--scopes"),
    ],
)
def test_apikey_create_refuses_bad_scopes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], needle: str
) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    code = main(["--db", url, "apikey", "create", "--name", "x", *args])
    assert code == 2 and needle in capsys.readouterr().err


def test_apikey_names_are_unique(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    assert main(["--db", url, "apikey", "create", "--name", "a", "--scopes", "admin"]) == 0
    assert main(["--db", url, "apikey", "create", "--name", "a", "--scopes", "admin"]) == 2
    assert "exists already" in capsys.readouterr().err


def test_serve_refuses_a_bad_port(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert main(["--db", url, "serve", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err


def test_apikey_list_and_revoke(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import json

    url = f"sqlite:///{tmp_path / 'keys.db'}"
    assert main(["--db", url, "apikey", "create", "--name", "ci", "--scopes", "check"]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["--db", url, "apikey", "list", "--json"]) == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["name"] == "ci" and row["scopes"] == ["check"] and row["revoked_at"] is None
    assert secret[:10] == row["prefix"] and secret not in json.dumps(row)
    assert main(["--db", url, "apikey", "revoke", "ci"]) == 0
    assert "revoked" in capsys.readouterr().err
    assert authenticate(Store.open(url), secret) is None
    assert main(["--db", url, "apikey", "list"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["--db", url, "apikey", "revoke", "nobody"]) == 2
    assert "nobody" in capsys.readouterr().err


def test_serve_refuses_a_bad_number_of_workers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert main(["--db", url, "serve", "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err

"""Replayed exports: an import never undoes a removal that is newer than what the file carries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from synthscope.check.hashes import banks, signing
from synthscope.check.hashes.exchange import SIDECAR_SUFFIX
from synthscope.store import Store
from synthscope.store import banks as rows
from synthscope.store.banks import REMOVAL_NOTE, NewSignal

H = ["%064x" % (i * 0x7654321 + 17) for i in range(4)]


def sid(value: str) -> str:
    return rows.signal_key("pdq", value)[:16]


def add(store: Store, bank: str, values: list[str]) -> None:
    with store.transaction() as conn:
        rows.add_signals(
            conn, rows.bank_row(conn, bank).id, [NewSignal("pdq", v, 100, {"n": 1}) for v in values]
        )


def active(store: Store, bank: str) -> set[str]:
    with store.reading() as conn:
        return {r.value for r in rows.active_signals(conn, rows.bank_row(conn, bank).id)}


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Store]:
    """Platform A's store: bank ``fakes`` holding H[0..2] (checkpoint 1)."""
    opened = Store.open(f"sqlite:///{tmp_path / 'a.db'}")
    banks.create_bank(opened, "fakes")
    add(opened, "fakes", H[:3])
    yield opened
    opened.close()


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def export(store: Store, out: Path, key: Ed25519PrivateKey, **kw: object) -> Path:
    banks.export_bank(store, "fakes", out, key=key, **kw)  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize("fmt", ["local_file", "json"])
def test_an_older_export_does_not_restore_a_newer_removal(
    source: Store, store: Store, key: Ed25519PrivateKey, tmp_path: Path, fmt: str
) -> None:
    full = export(source, tmp_path / "fakes.txt", key, fmt=fmt)
    assert banks.import_bank(store, "peer", full)["new"] == 3
    banks.remove_signals(source, "fakes", [sid(H[0])], "not a fake")
    delta = export(source, tmp_path / "delta.json", key, fmt="json", since=1)
    assert banks.import_bank(store, "peer", delta)["removed"] == 1

    again = banks.import_bank(store, "peer", full)
    assert (again["restored"], again["stale"], again["not_restored"]) == (0, 1, 0)
    assert (again["new"], again["unchanged"]) == (0, 2)
    assert H[0] not in active(store, "peer")
    assert banks.import_bank(store, "peer", delta)["removed"] == 0  # a replayed delta: nothing
    forced = banks.import_bank(store, "peer", full, restore=True)
    assert (forced["restored"], forced["stale"]) == (1, 0) and H[0] in active(store, "peer")


def test_a_signal_the_source_added_again_is_restored(
    source: Store, store: Store, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    banks.import_bank(store, "peer", export(source, tmp_path / "full1.json", key, fmt="json"))
    banks.remove_signals(source, "fakes", [sid(H[0])], "not a fake")
    delta = export(source, tmp_path / "delta.json", key, fmt="json", since=1)
    banks.import_bank(store, "peer", delta)
    add(source, "fakes", [H[0]])  # checkpoint 3: a fake after all
    newer = banks.import_bank(store, "peer", export(source, tmp_path / "full3.json", key))
    assert (newer["restored"], newer["stale"], newer["not_restored"]) == (1, 0, 0)
    assert active(store, "peer") == set(H[:3])
    with store.reading() as conn:
        bank_id = rows.bank_row(conn, "peer").id
        [row] = [r for r in rows.changes_since(conn, bank_id, 0) if r.value == H[0]]
    assert row.meta == {"n": 1}  # the restore dropped the removal note


def test_a_file_without_checkpoint_does_not_restore_an_imported_removal(
    source: Store, store: Store, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    full = export(source, tmp_path / "fakes.txt", key)
    banks.import_bank(store, "peer", full)
    banks.remove_signals(source, "fakes", [sid(H[0])], "not a fake")
    banks.import_bank(store, "peer", export(source, tmp_path / "d.json", key, fmt="json", since=1))
    plain = tmp_path / "plain.txt"  # the same lines without their signed sidecar
    plain.write_text(full.read_text())
    got = banks.import_bank(store, "peer", plain, verify=False)
    assert (got["restored"], got["stale"], got["not_restored"], got["unchanged"]) == (0, 0, 1, 2)
    assert H[0] not in active(store, "peer")
    assert banks.import_bank(store, "peer", plain, verify=False, restore=True)["restored"] == 1


def test_changed_lines_under_no_verify_do_not_speak_for_the_signer(
    source: Store, store: Store, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    full = export(source, tmp_path / "fakes.txt", key)
    banks.import_bank(store, "peer", full)
    banks.remove_signals(source, "fakes", [sid(H[0])], "not a fake")
    add(source, "fakes", [H[3]])
    banks.import_bank(store, "peer", export(source, tmp_path / "d.json", key, fmt="json", since=1))
    # the sidecar (checkpoint 3) is validly signed, but the lines are not what it signed
    later = export(source, tmp_path / "later.txt", key)
    later.write_text(later.read_text() + f"pdq {H[0]}\n")
    got = banks.import_bank(store, "peer", later, verify=False)
    assert got["signer"] is None and got["not_restored"] == 1 and H[0] not in active(store, "peer")


def test_removals_made_here_or_by_another_source_are_restored_as_before(
    source: Store, store: Store, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    full = export(source, tmp_path / "fakes.json", key, fmt="json")
    banks.import_bank(store, "peer", full)
    banks.remove_signals(store, "peer", [sid(H[1])], "ours: not a fake")
    other = Ed25519PrivateKey.generate()
    document = {
        "schema": "synthscope.bank-exchange/1",
        "bank": {"name": "elsewhere"},
        "since": 0,
        "checkpoint": 7,
        "added": [],
        "removed": [{"signal_type": "pdq", "value": H[2], "reason": "theirs"}],
    }
    theirs = tmp_path / "theirs.json"
    theirs.write_text(json.dumps(signing.sign(document, other)))
    assert banks.import_bank(store, "peer", theirs)["removed"] == 1
    got = banks.import_bank(store, "peer", full)
    assert (got["restored"], got["stale"], got["not_restored"]) == (2, 0, 0)


def test_removals_imported_before_notes_are_held(
    source: Store, store: Store, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    full = export(source, tmp_path / "fakes.json", key, fmt="json")
    banks.import_bank(store, "peer", full)
    with store.transaction() as conn:  # as an import wrote removals before this fix
        bank_id = rows.bank_row(conn, "peer").id
        reason = "import:delta.json:0123456789abcdef: not a fake"
        rows.remove_signals(conn, bank_id, [rows.signal_key("pdq", H[0])], reason)
    got = banks.import_bank(store, "peer", full)
    assert (got["restored"], got["not_restored"]) == (0, 1)


def test_removal_notes_never_leave_the_store(
    source: Store, store: Store, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    document = json.loads(export(source, tmp_path / "f.json", key, fmt="json").read_text())
    document.pop("signature")
    for item in document["added"]:  # a file cannot plant a note
        item["metadata"] = {"n": 1, REMOVAL_NOTE: {"source": "x", "checkpoint": 99}}
    planted = tmp_path / "planted.json"
    planted.write_text(json.dumps(signing.sign(document, key)))
    banks.import_bank(store, "peer", planted)
    banks.remove_signals(source, "fakes", [sid(H[0])], "not a fake")
    banks.import_bank(store, "peer", export(source, tmp_path / "d.json", key, fmt="json", since=1))
    banks.import_bank(store, "peer", planted, restore=True)
    out = tmp_path / "peer.txt"
    banks.export_bank(store, "peer", out, key=key)
    sidecar = json.loads(out.with_name(out.name + SIDECAR_SUFFIX).read_text())
    assert [a["metadata"] for a in sidecar["added"]] == [{"n": 1}] * 3


def test_cli_says_what_was_not_restored(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from synthscope.cli import main

    monkeypatch.setenv("SYNTHSCOPE_SIGNING_KEY", str(tmp_path / "key.pem"))

    def run(*args: str) -> tuple[int, str]:
        code = main(list(args))
        return code, capsys.readouterr().out

    main(["bank", "create", "fakes"])
    values = tmp_path / "values.txt"
    values.write_text("".join(f"pdq {v}\n" for v in H[:2]))
    main(["bank", "add", "fakes", "--signals", str(values)])
    full, delta, plain = (tmp_path / n for n in ("fakes.txt", "delta.json", "plain.txt"))
    main(["bank", "export", "fakes", "--out", str(full)])
    main(["bank", "import", "peer", str(full)])
    main(["bank", "remove", "fakes", sid(H[0]), "--reason", "not a fake"])
    main(["bank", "export", "fakes", "--since", "1", "--format", "json", "--out", str(delta)])
    assert "1 removed;" in run("bank", "import", "peer", str(delta))[1]
    code, out = run("bank", "import", "peer", str(full))
    assert code == 0 and "0 restored" in out and "1 signal(s) skipped as stale" in out
    assert "after checkpoint 1" in out
    code, out = run("--lang", "zh", "bank", "import", "peer", str(full))
    assert "跳过 1 个过时的信号" in out and "--restore" in out
    plain.write_text(full.read_text())
    code, out = run("bank", "import", "peer", str(plain), "--no-verify")
    assert "peer: 1 removed earlier, not restored (use --restore)." in out
    code, out = run("bank", "import", "peer", str(plain), "--no-verify", "--restore", "--json")
    assert json.loads(out)["restored"] == 1

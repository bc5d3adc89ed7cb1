"""Exchange between platforms: local_file and signed JSON, deltas, tampering, bad lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from synthscope.check.hashes import banks
from synthscope.check.hashes.exchange import Entry, local_file_text, parse_local_file
from synthscope.check.hashes.signing import load_or_create_key, public_hex
from synthscope.errors import InputError
from synthscope.store import Store
from synthscope.store import banks as rows
from synthscope.store.banks import NewSignal

H = ["%064x" % (i * 0x1234567 + 99) for i in range(6)]


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def add(store: Store, bank: str, values: list[str]) -> None:
    with store.transaction() as conn:
        bank_id = rows.bank_row(conn, bank).id
        rows.add_signals(
            conn, bank_id, [NewSignal("pdq", v, 100, {"incident": "x"}) for v in values]
        )


def active(store: Store, bank: str) -> set[str]:
    with store.reading() as conn:
        return {r.value for r in rows.active_signals(conn, rows.bank_row(conn, bank).id)}


@pytest.fixture
def peers(tmp_path: Path) -> tuple[Store, Store]:
    a, b = (
        Store.open(f"sqlite:///{tmp_path / 'a.db'}"),
        Store.open(f"sqlite:///{tmp_path / 'b.db'}"),
    )
    banks.create_bank(a, "fakes", "platform A's fakes")
    yield a, b
    a.close()
    b.close()


@pytest.mark.parametrize("fmt", ["local_file", "json"])
def test_two_platforms_stay_in_sync_with_deltas(peers, key, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    a, b = peers
    add(a, "fakes", H[:3])
    full = banks.export_bank(a, "fakes", tmp_path / "full", fmt=fmt, key=key)
    got = banks.import_bank(b, "shared", tmp_path / "full", trust=(public_hex(key),))
    assert (got["new"], full["checkpoint"]) == (3, 1) and active(b, "shared") == set(H[:3])
    assert banks.list_banks(b, "shared")[0]["description"] == "platform A's fakes"
    add(a, "fakes", H[3:5])
    banks.remove_signals(a, "fakes", [rows.signal_key("pdq", H[0])[:16]], "not a fake")
    delta = banks.export_bank(
        a, "fakes", tmp_path / "delta", fmt=fmt, since=full["checkpoint"], key=key
    )
    assert (delta["added"], delta["removed"], delta["checkpoint"]) == (2, 1, 3)
    got = banks.import_bank(b, "shared", tmp_path / "delta")
    assert (got["new"], got["removed"]) == (2, 1)
    assert active(b, "shared") == active(a, "fakes") == set(H[1:5])
    again = banks.import_bank(b, "shared", tmp_path / "delta")
    assert (again["new"], again["removed"]) == (0, 0)  # importing twice changes nothing
    with b.reading() as conn:
        bank_id = rows.bank_row(conn, "shared").id
        removed = [r for r in rows.changes_since(conn, bank_id, 0) if r.removed_at is not None]
        kept = [r for r in rows.changes_since(conn, bank_id, 0) if r.removed_at is None]
    assert "not a fake" in removed[0].removed_reason
    assert kept[0].meta == {"incident": "x"} and kept[0].origin.startswith("import:")


@pytest.mark.parametrize("fmt", ["local_file", "json"])
def test_tampered_and_unsigned_files_are_refused(peers, key, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    a, b = peers
    add(a, "fakes", H[:2])
    out = tmp_path / "x"
    banks.export_bank(a, "fakes", out, fmt=fmt, key=key)
    text = out.read_text()
    out.write_text(text.replace(H[0], H[5]))
    with pytest.raises(InputError, match="changed"):
        banks.import_bank(b, "shared", out)
    assert banks.list_banks(b) == []  # nothing written
    assert banks.import_bank(b, "shared", out, verify=False)["new"] == 2
    with pytest.raises(InputError, match="not among the trusted"):
        out.write_text(text)
        banks.import_bank(b, "other", out, trust=("ab" * 32,))


def test_unsigned_local_file(peers, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, b = peers
    path = tmp_path / "pytx.txt"
    path.write_text(f"# python-threatexchange local_file\npdq {H[0]}\n\npdq {H[1].upper()}\n")
    with pytest.raises(InputError, match="not signed"):
        banks.import_bank(b, "shared", path)
    assert banks.import_bank(b, "shared", path, verify=False)["new"] == 2
    assert active(b, "shared") == {H[0], H[1]}


def test_bad_lines_are_numbered_and_refuse_the_file(peers, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, b = peers
    path = tmp_path / "bad.txt"
    path.write_text(
        f"pdq {H[0]}\npdq {H[0][:-2]}\npdq {H[1][:-1]}x\nsha1 {H[2]}\npdq {H[0]}\njunk\n"
    )
    with pytest.raises(InputError) as err:
        banks.import_bank(b, "shared", path, verify=False)
    text = str(err.value)
    for expected in (
        "line 2: A PDQ hash has 64",
        "line 3: A PDQ hash must be hex",
        "line 4: unknown signal type 'sha1'",
        "line 5: duplicate of line 1",
        "line 6:",
    ):
        assert expected in text
    assert banks.list_banks(b) == []
    got = banks.import_bank(b, "shared", path, verify=False, partial=True)
    assert got["new"] == 1 and [x["line"] for x in got["bad"]] == [2, 3, 4, 5, 6]


def test_json_bad_entries_and_not_json(peers, key, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = peers
    add(a, "fakes", H[:1])
    out = tmp_path / "x.json"
    banks.export_bank(a, "fakes", out, fmt="json", key=key)
    doc = json.loads(out.read_text())
    doc["added"].append({"signal_type": "pdq", "value": "zz"})
    out.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="line 2"):
        banks.import_bank(b, "shared", out, verify=False)
    out.write_text("{not json")
    with pytest.raises(InputError, match="Cannot read"):
        banks.import_bank(b, "shared", out, verify=False)


def test_signing_key_is_created_once_private(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "k.pem"
    first = load_or_create_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert public_hex(load_or_create_key(path)) == public_hex(first)
    path.write_text("garbage")
    with pytest.raises(InputError):
        load_or_create_key(path)


@given(st.lists(st.binary(min_size=32, max_size=32), unique=True, max_size=30))
def test_local_file_round_trip(raws: list[bytes]) -> None:
    entries = [Entry(0, "pdq", raw.hex()) for raw in raws]
    parsed = parse_local_file(local_file_text(entries))
    assert parsed.bad == []
    assert [(e.signal_type, e.value, e.line) for e in parsed.added] == [
        ("pdq", raw.hex(), n) for n, raw in enumerate(raws, start=1)
    ]


FRAMES = st.lists(
    st.tuples(
        st.binary(min_size=32, max_size=32),
        st.integers(0, 100),
        st.integers(0, 10**7).map(lambda ms: ms / 1000),
    ),
    min_size=1,
    max_size=8,
)


@given(st.lists(FRAMES, min_size=1, max_size=5))
def test_vpdq_local_file_lines_use_threatexchange_form_and_round_trip(videos) -> None:  # type: ignore[no-untyped-def]
    values = [",".join(f"{h.hex()}:{q}:{s:.3f}" for h, q, s in frames) for frames in videos]
    entries = [Entry(0, "vpdq", v) for v in dict.fromkeys(values)]
    text = local_file_text(entries)
    for line, frames in zip(text.splitlines(), dict.fromkeys(map(tuple, videos)), strict=True):
        signal_type, value = line.split(" ", 1)
        assert signal_type == "vpdq"
        # python-threatexchange's vpdq value: a JSON list of "<hex>,<quality>,<timestamp>"
        assert [s.split(",") for s in json.loads(value)] == [
            [h.hex(), str(q), f"{s:.3f}"] for h, q, s in frames
        ]
    parsed = parse_local_file(text)
    assert parsed.bad == []
    assert [e.value for e in parsed.added] == [e.value for e in entries]


def test_vpdq_value_written_by_threatexchange_is_read() -> None:
    # as python-threatexchange's vpdq_to_json writes it: json.dumps of f"{hex},{q},{t:.3}"
    value = json.dumps([f"{H[0]},100,{0.0:.3}", f"{H[1]},42,{1.0:.3}", f"{H[2]},77,{123.0:.3}"])
    parsed = parse_local_file(f"vpdq {value}\n")
    assert parsed.bad == []
    assert parsed.added[0].value == f"{H[0]}:100:0.000,{H[1]}:42:1.000,{H[2]}:77:123.000"


@pytest.mark.parametrize(
    "value",
    [
        "[]",
        "[1, 2]",
        "[not json",
        json.dumps([f"{H[0]},101,0.0"]),
        json.dumps([f"{H[0]},50,-1.0"]),
        json.dumps([f"{H[0]}:50:1.0"]),
        f"{H[0]}:50",
    ],
)
def test_bad_vpdq_values_are_reported_by_line(value: str) -> None:
    parsed = parse_local_file(f"# comment\nvpdq {value}\n")
    assert parsed.added == []
    assert [b.line for b in parsed.bad] == [2]
    assert "vPDQ" in parsed.bad[0].reason

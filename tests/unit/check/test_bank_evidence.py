"""`check` consults the hash banks: a known fake's edited copy reads synthetic, and a bank match
outranks any detector score."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from synthscope.check.bank_evidence import BankEvidence
from synthscope.check.findings import Finding
from synthscope.check.hashes.pdq import _picture
from synthscope.check.scan import check_paths, policy
from synthscope.cli import main
from synthscope.config import Settings
from synthscope.store import Store


@pytest.fixture
def banked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv("SYNTHSCOPE_SIGNING_KEY", str(tmp_path / "key.pem"))
    monkeypatch.setenv("SYNTHSCOPE_INDEX_CACHE", str(tmp_path / "index-cache"))
    files = {
        "fake": tmp_path / "fake.png",
        "copy": tmp_path / "copy.jpg",
        "other": tmp_path / "o.png",
    }
    _picture(31).save(files["fake"])
    _picture(31).resize((320, 240)).save(files["copy"], quality=60)
    _picture(32).save(files["other"])
    assert main(["bank", "create", "known-fakes"]) == 0
    assert main(["bank", "add", "known-fakes", str(files["fake"])]) == 0
    return files


def test_an_edited_copy_of_a_banked_fake_is_synthetic(
    banked: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert (
        main(["check", "--json", "--no-detectors", str(banked["copy"]), str(banked["other"])]) == 0
    )
    copy, other = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert copy["verdict"]["label"] == "synthetic"
    [match] = copy["hash_matches"]
    assert match["bank"] == "known-fakes" and match["signal_type"] == "pdq"
    assert match["distance"] <= 31 and match["signal_id"]
    assert other["hash_matches"] == [] and other["verdict"]["label"] == "no_evidence"


def test_library_call_and_reload_after_a_change(banked: dict[str, Path]) -> None:
    evidence = BankEvidence(Store.open(os.environ["SYNTHSCOPE_DATABASE_URL"]))  # the CLI's store
    [first] = check_paths([banked["copy"]], Settings(), [evidence.findings])
    assert first["verdict"]["label"] == "synthetic"
    assert main(["bank", "add", "known-fakes", str(banked["other"])]) == 0
    [second] = check_paths([banked["other"]], Settings(), [evidence.findings])
    assert second["hash_matches"] and second["verdict"]["label"] == "synthetic"


def test_a_bank_match_outranks_a_detector() -> None:
    detector = Finding(
        "cnn", "likely_authentic", "detectors", [{"score": 0.02}], "looks real", score=0.02
    )
    bank = Finding("bank:b", "synthetic", "hash_matches", [{"distance": 3}], "in bank b")
    verdict = policy([detector, bank])
    assert verdict.label == "synthetic" and verdict.reasons[0] == "in bank b"


def test_a_file_is_hashed_once_whatever_the_number_of_banks(
    banked: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from synthscope.check import bank_evidence

    assert main(["bank", "create", "partner-fakes"]) == 0
    assert main(["bank", "add", "partner-fakes", str(banked["fake"])]) == 0
    calls: list[object] = []
    real = bank_evidence.file_signals
    monkeypatch.setattr(bank_evidence, "file_signals", lambda src: calls.append(src) or real(src))
    evidence = BankEvidence(Store.open(os.environ["SYNTHSCOPE_DATABASE_URL"]))
    [record] = check_paths([banked["copy"]], Settings(), [evidence.findings])
    assert sorted(m["bank"] for m in record["hash_matches"]) == ["known-fakes", "partner-fakes"]
    assert len(calls) == 1

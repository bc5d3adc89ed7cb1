"""`synthscope bank ...`: thin shells, CONTRACTS shapes and exit codes, zh and en."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthscope.check.hashes.pdq import _picture
from synthscope.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def images(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv("SYNTHSCOPE_SIGNING_KEY", str(tmp_path / "key.pem"))
    monkeypatch.setenv("SYNTHSCOPE_INDEX_CACHE", str(tmp_path / "index-cache"))
    out = {
        "fake": tmp_path / "fake.png",
        "copy": tmp_path / "copy.jpg",
        "other": tmp_path / "o.png",
    }
    _picture(31).save(out["fake"])
    _picture(31).resize((320, 240)).save(out["copy"], quality=60)
    _picture(32).save(out["other"])
    return out


def test_create_add_list_match_remove(capsys, images: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    assert run(capsys, "bank", "create", "fakes", "--description", "known")[0] == 0
    code, out, _ = run(capsys, "bank", "add", "fakes", str(images["fake"]), "--note", "viral")
    assert code == 0 and "1 new signal" in out
    sid = out.split()[-1]
    code, out, _ = run(capsys, "bank", "list", "--json")
    assert json.loads(out)[0]["signals"] == {"pdq": 1}
    assert "fakes  [pdq 1]  checkpoint 1  known" in run(capsys, "bank", "list")[1]
    assert "检查点 1" in run(capsys, "--lang", "zh", "bank", "list", "fakes")[1]
    code, out, _ = run(capsys, "bank", "add", "fakes", str(images["fake"]), "--json")
    assert json.loads(out)["unchanged"] == 1 and json.loads(out)["signal_ids"] == [sid]
    code, out, _ = run(
        capsys, "bank", "match", "fakes", str(images["copy"]), str(images["other"]), "--json"
    )
    first, second = (json.loads(line) for line in out.splitlines())
    assert code == 0 and set(first) == {"file", "hash_matches", "error", "low_quality"}
    assert first["low_quality"] == []  # additive to CONTRACTS' {"file", "hash_matches", "error"}
    assert first["hash_matches"][0]["signal_id"] == sid and first["error"] is None
    assert second["hash_matches"] == []
    code, out, _ = run(capsys, "bank", "remove", "fakes", sid, "--reason", "mistake")
    assert code == 0 and "1 signal(s) removed" in out
    assert "no match" in run(capsys, "bank", "match", "fakes", str(images["copy"]))[1]
    assert len(list((images["fake"].parent / "index-cache").glob("*.npz"))) == 1


def test_hash_lines(capsys, images: dict[str, Path], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from synthscope.check.hashes.vpdq import VpdqHasher

    code, out, _ = run(capsys, "bank", "hash", str(images["fake"]))
    kind, value, quality, name = out.split()
    assert (code, kind, len(value), name) == (0, "pdq", 64, str(images["fake"]))
    assert int(quality) >= 50
    video = tmp_path / "v.mp4"
    video.write_bytes(VpdqHasher.examples()[0][0])
    code, out, _ = run(capsys, "bank", "hash", str(video))
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert lines[1].split()[0] == "vpdq" and lines[1].endswith("v.mp4#10@1.000")
    code, out, _ = run(capsys, "bank", "hash", str(video), "--fps", "2")
    assert len(out.splitlines()) == 6 and out.splitlines()[1].endswith("#5@0.500")


def test_export_import_round_trip(capsys, images: dict[str, Path], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run(capsys, "bank", "create", "fakes")
    run(capsys, "bank", "add", "fakes", str(images["fake"]))
    out_file = tmp_path / "fakes.txt"
    code, out, _ = run(capsys, "bank", "export", "fakes", "--out", str(out_file))
    assert code == 0 and "checkpoint 1" in out
    assert out_file.read_text().startswith("pdq ") and (tmp_path / "fakes.txt.sig.json").exists()
    assert out_file.stat().st_mode & 0o777 == 0o644  # an export is meant to be shared
    code, out, _ = run(capsys, "--lang", "zh", "bank", "import", "peer", str(out_file))
    assert code == 0 and "新增 1" in out
    code, out, _ = run(
        capsys,
        "bank",
        "export",
        "fakes",
        "--since",
        "1",
        "--format",
        "json",
        "--out",
        str(tmp_path / "d.json"),
    )
    assert json.loads((tmp_path / "d.json").read_text())["added"] == []


def test_errors_exit_codes_and_chinese(capsys, images: dict[str, Path], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "--lang", "zh", "bank", "add", "nope", str(images["fake"]))
    assert code == 2 and "没有名为" in err and "Traceback" not in err
    run(capsys, "bank", "create", "fakes")
    bad = tmp_path / "bad.txt"
    bad.write_text("pdq 12\n")
    code, _, err = run(capsys, "bank", "import", "fakes", str(bad), "--no-verify")
    assert code == 3 and "line 1" in err
    code, _, err = run(capsys, "bank", "import", "fakes", str(bad))
    assert code == 3 and "not signed" in err
    code, _, err = run(capsys, "--lang", "zh", "bank", "add", "fakes", "--signals", str(bad))
    assert code == 3 and "第 1 行" in err
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    code, out, err = run(capsys, "bank", "match", "fakes", str(empty), "--json")
    assert code == 3 and json.loads(out)["error"]["code"] == 3
    code, _, err = run(capsys, "bank", "hash", str(empty))
    assert code == 3 and "empty" in err
    assert run(capsys, "bank", "add", "fakes")[0] == 2
    assert run(capsys, "bank", "hash", str(images["fake"]), "--type", "md5")[0] == 2

"""check --batch DIR: each file's record into the store exactly once (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from synthscope.check import batch as batch_module
from synthscope.check.batch import batch_files
from synthscope.check.labels import _examples as ex
from synthscope.check.scan import check_paths
from synthscope.cli import main
from synthscope.store import Store
from synthscope.store.batch_checks import save_check, stored_check
from synthscope.store.models import BATCH_CHECKS

FAST = "--no-detectors"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An image, a sound and a text, one of them in a subfolder."""
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "a.jpg").write_bytes(ex.image_bytes("JPEG"))
    (root / "sub" / "b.wav").write_bytes(ex.audio_bytes("WAV"))
    (root / "c.md").write_text("# notes\n")
    return root


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def batch(
    capsys: pytest.CaptureFixture[str], store: Store, folder: Path, *extra: str
) -> tuple[int, list[dict[str, Any]], dict[str, int]]:
    """Run check --batch; (exit code, the records printed by --json, the summary line)."""
    code, lines, err = run(capsys, "--db", store.url, "check", "--batch", str(folder), *extra)
    assert code == 0, err
    return code, [json.loads(line) for line in lines[:-1]], json.loads(lines[-1])


def rows(store: Store) -> list[tuple[str, str, str]]:
    with store.reading() as conn:
        found = conn.execute(
            select(BATCH_CHECKS.c.path, BATCH_CHECKS.c.sha256, BATCH_CHECKS.c.status)
        )
        return sorted((r.path, r.sha256, r.status) for r in found)


def test_first_run_checks_everything_and_a_rerun_skips_it(
    capsys: pytest.CaptureFixture[str], store: Store, folder: Path
) -> None:
    code, lines, _ = run(capsys, "--db", store.url, "check", "--batch", str(folder), FAST)
    assert code == 0 and lines == ['{"done": 3, "skipped": 0, "failed": 0}']
    assert [(path, status) for path, _, status in rows(store)] == [
        ("a.jpg", "done"),
        ("c.md", "done"),
        ("sub/b.wav", "done"),
    ]
    _, _, summary = batch(capsys, store, folder, FAST)
    assert summary == {"done": 0, "skipped": 3, "failed": 0}
    assert len(rows(store)) == 3


def test_a_changed_file_is_checked_again_an_unchanged_one_skipped(
    capsys: pytest.CaptureFixture[str], store: Store, folder: Path
) -> None:
    batch(capsys, store, folder, FAST)
    (folder / "a.jpg").write_bytes(ex.image_bytes("JPEG", width=80))
    _, records, summary = batch(capsys, store, folder, FAST, "--json")
    assert summary == {"done": 1, "skipped": 2, "failed": 0}
    assert sorted(r["file"] for r in records) == ["a.jpg", "c.md", "sub/b.wav"]
    changed = [r for r in rows(store) if r[0] == "a.jpg"]
    assert len(changed) == 2  # the record of the old content stays, under its own hash
    assert {r["sha256"] for r in records if r["file"] == "a.jpg"} < {s for _, s, _ in changed}


def test_a_broken_file_fails_is_stored_and_retried(
    capsys: pytest.CaptureFixture[str], store: Store, folder: Path
) -> None:
    (folder / "broken.png").write_bytes(b"not a picture")
    code, lines, err = run(capsys, "--db", store.url, "check", "--batch", str(folder), FAST)
    assert code == 0 and json.loads(lines[-1]) == {"done": 3, "skipped": 0, "failed": 1}
    assert "broken.png" in err and "Traceback" not in err
    _, records, summary = batch(capsys, store, folder, FAST, "--json")
    assert summary == {"done": 0, "skipped": 3, "failed": 1}  # retried, not skipped
    (broken,) = [r for r in records if r["file"] == "broken.png"]
    assert broken["error"]["code"] == 3
    assert [r for r in rows(store) if r[0] == "broken.png"] == [
        ("broken.png", batch_module.file_sha256(folder / "broken.png"), "failed")
    ]
    (folder / "broken.png").write_bytes(ex.image_bytes("PNG"))
    _, _, summary = batch(capsys, store, folder, FAST)
    assert summary == {"done": 1, "skipped": 3, "failed": 0}


def test_an_interrupted_run_keeps_what_it_finished_without_duplicates(
    capsys: pytest.CaptureFixture[str],
    store: Store,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def two_then_interrupt(*args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        records = check_paths(*args, **kwargs)
        yield next(records)
        yield next(records)
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_module, "check_paths", two_then_interrupt)
    code, lines, err = run(capsys, "--db", store.url, "check", "--batch", str(folder), FAST)
    assert code == 130 and lines == [], err
    assert [path for path, _, _ in rows(store)] == ["a.jpg", "c.md"]
    monkeypatch.undo()
    _, _, summary = batch(capsys, store, folder, FAST)
    assert summary == {"done": 1, "skipped": 2, "failed": 0}
    assert [path for path, _, _ in rows(store)] == ["a.jpg", "c.md", "sub/b.wav"]


def test_records_equal_check_json_for_the_same_file(
    capsys: pytest.CaptureFixture[str],
    store: Store,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, checked, _ = batch(capsys, store, folder, FAST, "--json")
    _, stored, _ = batch(capsys, store, folder, FAST, "--json")  # read back from the store
    monkeypatch.chdir(folder)  # so check --json names the files as the batch does
    code, lines, _ = run(
        capsys, "--db", store.url, "check", "--json", FAST, "a.jpg", "c.md", "sub/b.wav"
    )
    direct = [json.loads(line) for line in lines]
    assert code == 0 and [r["file"] for r in checked] == ["a.jpg", "c.md", "sub/b.wav"]
    assert checked == direct and stored == direct


def test_with_detectors_the_record_is_check_json_s(
    capsys: pytest.CaptureFixture[str],
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "one"
    root.mkdir()
    (root / "a.png").write_bytes(ex.image_bytes("PNG"))
    _, (record,), summary = batch(capsys, store, root, "--json")
    assert summary == {"done": 1, "skipped": 0, "failed": 0} and record["detectors"]
    monkeypatch.chdir(root)
    _, (line,), _ = run(capsys, "--db", store.url, "check", "--json", "a.png")
    assert record == json.loads(line)


def test_hidden_files_and_links_out_of_the_folder_are_left_out(tmp_path: Path) -> None:
    root, outside = tmp_path / "in", tmp_path / "outside.md"
    (root / ".cache").mkdir(parents=True)
    (root / "z").mkdir()
    outside.write_text("elsewhere\n")
    for name in ("b.md", ".hidden.md", ".cache/c.md", "z/a.md"):
        (root / name).write_text(name)
    os.symlink(outside, root / "out.md")
    os.symlink(root / "b.md", root / "link.md")
    os.symlink(tmp_path, root / "z" / "up")  # a linked folder is not entered
    os.symlink(root / "loop", root / "loop")
    assert [f.rel for f in batch_files(root)] == ["b.md", "link.md", "z/a.md"]


@pytest.mark.parametrize(
    ("name", "lang", "words"),
    [
        ("missing", "en", "does not exist"),
        ("file.md", "en", "not a folder"),
        ("file.md", "zh", "不是文件夹"),
    ],
)
def test_a_missing_folder_or_a_file_is_an_input_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, lang: str, words: str
) -> None:
    (tmp_path / "file.md").write_text("# hi\n")
    code, lines, err = run(capsys, "--lang", lang, "check", "--batch", str(tmp_path / name))
    assert code == 3 and lines == [] and words in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--batch", ".", "x.md"],
        [],
        ["--engine", "ray", "x.md"],
        ["--batch", ".", "--engine", "spark"],
        ["--batch", ".", "--address", "ray://h:10001"],
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, lines, err = run(capsys, "check", *args)
    assert code == 2 and lines == [] and "Traceback" not in err


def test_the_ray_engine_without_ray_says_how_to_install_it(
    capsys: pytest.CaptureFixture[str], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails, as when not installed
    code, lines, err = run(capsys, "check", "--batch", str(folder), "--engine", "ray")
    assert code == 2 and lines == [] and "pip install ray" in err


def test_a_stored_result_is_kept_once_and_only_a_failed_one_replaced(store: Store) -> None:
    done = {"file": "a.md", "error": None, "n": 1}
    failed = {"file": "a.md", "error": {"code": 3, "message": "unreadable"}}
    for _ in range(2):
        with store.transaction() as conn:
            assert save_check(conn, "a.md", "f" * 64, failed) == "failed"
    with store.transaction() as conn:
        save_check(conn, "a.md", "f" * 64, done)
        save_check(conn, "a.md", "f" * 64, failed)  # a late failure never undoes a result
    with store.reading() as conn:
        assert stored_check(conn, "a.md", "f" * 64) == ("done", done)
        assert stored_check(conn, "a.md", "0" * 64) is None
        assert conn.execute(select(func.count()).select_from(BATCH_CHECKS)).scalar_one() == 1

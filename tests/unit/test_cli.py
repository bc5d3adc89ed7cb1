"""CLI: thin shell over the library; exit codes of CONTRACTS.md; no tracebacks; zh and en."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer

from synthscope.cli import app, main, observe_app

GOOD = (
    "链接,标题,发布时间,播放量,点赞\n"
    "https://www.youtube.com/watch?v=aaaaaaaaaaa,Deepfake 演示,2021-03-01,1.2万,300\n"
    "https://youtu.be/aaaaaaaaaaa?si=zz,Deepfake 演示,2021-03-01,1.2万,300\n"
    "https://www.bilibili.com/video/av170001,AI换脸 教程,2020-05-01,3.3k,NA\n"
)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(GOOD, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_then_report(
    capsys: pytest.CaptureFixture[str], export: Path, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "observe", "import", str(export))
    assert code == 0
    assert "3 rows read, 2 new" in out
    code, out, _ = run(capsys, "observe", "import", str(export))
    assert code == 0 and "0 new" in out and "2 unchanged" in out
    code, out, _ = run(capsys, "--lang", "zh", "observe", "report", "--out", str(tmp_path / "r"))
    assert code == 0 and "报告已写入" in out
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert report["items_per_year"]["video"] == {"2020": 1, "2021": 1}
    assert report["notes"]["videos_per_year"]["sources"] == [f"file:{export}"]
    assert report["notes"]["papers_per_year"]["sources"] == []
    assert (tmp_path / "r" / "report.html").read_text(encoding="utf-8").startswith("<!")


def test_import_json_summary(capsys: pytest.CaptureFixture[str], export: Path) -> None:
    code, out, _ = run(capsys, "observe", "import", str(export), "--json")
    summary = json.loads(out)
    assert code == 0 and summary["counts"]["new"] == 2 and summary["status"] == "done"


def test_chinese_summary(capsys: pytest.CaptureFixture[str], export: Path) -> None:
    code, out, _ = run(capsys, "--lang", "zh", "observe", "import", str(export))
    assert code == 0 and "新增 2" in out


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["observe", "import", "/nonexistent/x.csv"], 3, "x.csv"),
        (["observe", "import", "EXPORT", "--map", "nonsense"], 2, "nonsense"),
        (["observe", "import", "EXPORT", "--map", "链接=nofield"], 2, "nofield"),
        (["observe", "import", "EXPORT", "--kind", "movie"], 2, "movie"),
        (["--lang", "fr", "version"], 2, "fr"),
        (["observe", "report", "--from", "2021", "--to", "2017"], 2, "reversed"),
        (["--db", "nosuch://x", "observe", "runs"], 2, "database URL"),
        (
            ["--db", "postgresql+psycopg://u@127.0.0.1:1/x?connect_timeout=2", "observe", "runs"],
            5,
            "database",
        ),
        (["observe", "keywords", "no-such-set"], 2, "no-such-set"),
    ],
)
def test_errors_are_one_sentence_with_exit_code(
    capsys: pytest.CaptureFixture[str], export: Path, args: list[str], code: int, needle: str
) -> None:
    args = [str(export) if a == "EXPORT" else a for a in args]
    got, out, err = run(capsys, *args)
    assert got == code
    assert needle in err
    assert "Traceback" not in err + out


def test_undecodable_file_is_exit_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "binary.csv"
    path.write_bytes(b"url\n\xff\xfe\x00\x81\x82\xff\xff\x00garbage\x80\x80\x80")
    code, _, err = run(capsys, "observe", "import", str(path))
    assert code == 3 and "binary.csv" in err and "Traceback" not in err


def test_runs_listing(capsys: pytest.CaptureFixture[str], export: Path) -> None:
    run(capsys, "observe", "import", str(export))
    code, out, _ = run(capsys, "observe", "runs", "--json")
    first = json.loads(out.splitlines()[0])
    assert code == 0 and first["status"] == "done" and first["counts"]["new"] == 2


def test_keywords_listing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "observe", "keywords")
    assert code == 0 and "content" in out and "research" in out
    code, out, _ = run(capsys, "observe", "keywords", "research")
    assert code == 0 and "[audio]" in out


def _commands(typer_app: typer.Typer) -> list[object]:
    found: list[object] = list(typer_app.registered_commands)
    for group in typer_app.registered_groups:
        assert group.typer_instance is not None
        found += _commands(group.typer_instance)
    return found


def test_every_command_is_documented() -> None:
    commands = _commands(app)
    assert len(commands) >= 5
    for command in commands:
        doc = command.help or (command.callback.__doc__ if command.callback else None)  # type: ignore[attr-defined]
        assert doc and doc.strip(), command
    assert observe_app.info.help


def test_errors_and_skipped_rows_in_chinese(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("链接,播放量\nnot a url,1\nhttps://youtu.be/aaaaaaaaaaa,12abc\n", "utf-8")
    code, out, err = run(capsys, "--lang", "zh", "observe", "import", str(path))
    assert code == 0 and "跳过 2" in out
    assert "第 2 行：不是链接" in err and "第 3 行：列 '播放量'：不是数量" in err
    code, _, err = run(capsys, "--lang", "zh", "observe", "import", str(tmp_path / "none.csv"))
    assert code == 3 and err.startswith("错误: 无法读取") and "none.csv" in err
    code, _, err = run(capsys, "--lang", "zh", "observe", "import", str(path), "--map", "x")
    assert code == 2 and "--map 的格式" in err


def test_user_keyword_set_classifies_and_is_named_in_the_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sets = tmp_path / "sets"
    sets.mkdir()
    (sets / "mine.toml").write_text(
        'name = "mine"\ndescription = "d"\n[[term]]\ntext = "talking avatar"\nlang = "en"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SYNTHSCOPE_KEYWORD_DIRS", f'["{sets}"]')
    monkeypatch.setenv("SYNTHSCOPE_CONTENT_KEYWORDS", "mine")
    export = tmp_path / "e.csv"
    export.write_text("url,title\nhttps://youtu.be/aaaaaaaaaaa,A talking avatar demo\n", "utf-8")
    assert run(capsys, "observe", "import", str(export))[0] == 0
    assert run(capsys, "observe", "report", "--out", str(tmp_path / "r"))[0] == 0
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert report["notes"]["videos_per_year"]["keywords"] == {
        "set": "mine",
        "terms": ["talking avatar"],
    }


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["label", "a.jpg", "--out", "b.jpg", "--visible"],
            ["label", "a.jpg", "--out", "b.jpg", "--visible", ""],
        ),
        (
            ["--lang", "zh", "label", "a.jpg", "--visible", "--out", "b.jpg"],
            ["--lang", "zh", "label", "a.jpg", "--visible", "", "--out", "b.jpg"],
        ),
        (
            ["label", "a.jpg", "--visible", "AI 生成", "--out", "b.jpg"],
            ["label", "a.jpg", "--visible", "AI 生成", "--out", "b.jpg"],
        ),
        (["check", "--visible"], ["check", "--visible"]),
    ],
)
def test_visible_takes_an_optional_text(args: list[str], expected: list[str]) -> None:
    """CONTRACTS.md writes `label ... [--visible [TEXT]]`: a bare --visible means the default."""
    from synthscope.cli import _optional_values

    assert _optional_values(args) == expected

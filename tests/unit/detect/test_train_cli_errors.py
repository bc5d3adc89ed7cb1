"""``synthscope train`` with bad input: unreadable files, one class, data of another kind, an
output path that cannot be written; and ``write_atomic`` leaving nothing behind."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from synthscope.check import evaluate as evaluate_module
from synthscope.check.detectors import _linear
from synthscope.check.detectors._fixtures import noise_png, tone_wav
from synthscope.cli import main
from synthscope.errors import MediaError


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_training_counts_the_files_it_used_and_those_it_skipped(
    image_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "data"
    shutil.copytree(image_folder, root)
    (root / "real" / "zz_empty.jpg").write_bytes(b"")
    (root / "fake" / "zz_truncated.png").write_bytes(noise_png(128, seed=9)[:600])
    (root / "fake" / "zz_voice.wav").write_bytes(tone_wav(0.5))
    model = tmp_path / "m.json"
    code, out, _ = run(capsys, "train", "spectral", "--data", str(root), "--out", str(model))
    assert code == 0 and model.is_file()
    assert "on 16 files (8 synthetic); skipped 3 (1 of another media kind, 2 unreadable)" in out
    code, out, _ = run(
        capsys, "--lang", "zh", "train", "spectral", "--data", str(root), "--out", str(model)
    )
    assert code == 0 and "已用 16 个文件（8 个合成）" in out and "跳过 3 个" in out
    result = evaluate_module.train("spectral", root, model)
    assert result["skipped"] == {"unreadable": 2, "other_kind": 1} and result["n"] == 16


def test_training_on_one_class_is_refused_before_any_model_is_written(
    image_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "onlyreal"
    shutil.copytree(image_folder / "real", root / "real")
    model = tmp_path / "m.json"
    code, out, err = run(capsys, "train", "spectral", "--data", str(root), "--out", str(model))
    assert code == 3 and out == "" and not model.exists()
    assert "Training needs both real and synthetic image files; found 8 real and 0" in err


def test_training_an_image_detector_on_audio_says_it_found_no_images(
    audio_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.json"
    code, _, err = run(
        capsys, "--lang", "zh", "train", "spectral", "--data", str(audio_folder),
        "--out", str(model),
    )  # fmt: skip
    assert code == 3 and not model.exists()
    assert "没有 spectral 能读取的图像文件" in err and "两类" not in err
    code, _, err = run(capsys, "evaluate", "--cv", "--data", str(audio_folder),
                       "--detector", "spectral")  # fmt: skip
    assert code == 3 and "holds no image files, the kind spectral reads" in err


def no_training(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("training ran although its model cannot be written")


@pytest.mark.parametrize(
    ("target", "said"),
    [("outdir", "it is a folder"), ("afile/m.json", "afile is a file, not a folder")],
)
def test_a_model_path_that_cannot_be_written_fails_before_training(
    target: str,
    said: str,
    image_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "outdir").mkdir()
    (tmp_path / "afile").write_bytes(b"")
    before = sorted(tmp_path.rglob("*"))
    monkeypatch.setattr(evaluate_module, "train", no_training)
    code, out, err = run(
        capsys, "train", "spectral", "--data", str(image_folder), "--out", str(tmp_path / target)
    )
    assert code == 3 and out == ""
    assert said in err and "Traceback" not in err
    assert sorted(tmp_path.rglob("*")) == before


def test_write_atomic_onto_a_folder_is_one_error_and_leaves_no_temporary_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "outdir").mkdir()
    with pytest.raises(MediaError, match="it is a folder"):
        _linear.write_atomic(tmp_path / "outdir", b"{}")
    (tmp_path / "afile").write_bytes(b"")
    with pytest.raises(MediaError, match="afile"):
        _linear.write_atomic(tmp_path / "afile" / "m.json", b"{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "outdir"]
    _linear.write_atomic(tmp_path / "new" / "m.json", b"{}")  # a missing folder is made
    assert (tmp_path / "new" / "m.json").read_bytes() == b"{}"


def test_write_atomic_removes_its_temporary_file_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _linear.write_atomic(tmp_path / "m.json", b"{}")
    assert list(tmp_path.iterdir()) == []


def test_train_help_names_the_default_model_file_and_the_layouts_in_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from synthscope.check._datasets import LAYOUTS

    assert main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert "./spectral.json" in text
    at = [text.index(name) for name in LAYOUTS]
    assert at == sorted(at)


def test_train_result_is_json_clean(image_folder: Path, tmp_path: Path) -> None:
    result = evaluate_module.train("spectral", image_folder, tmp_path / "m.json")
    json.dumps(result, allow_nan=False)
    assert result["layout"] == "folders" and result["unused_files"] == 0
    assert re.fullmatch(r"\d+", str(result["n_fake"]))

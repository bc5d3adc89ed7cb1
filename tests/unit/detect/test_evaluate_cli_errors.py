"""``synthscope evaluate`` with bad input: a wrong --model, one-class data, unwritable outputs, a
layout that leaves files out, and its table under --lang zh."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from synthscope.check import evaluate as evaluate_module
from synthscope.check.detectors._fixtures import noise_png
from synthscope.check.detectors._linear import LinearModel
from synthscope.cli import main


def strict_json(text: str) -> Any:
    """Parse ``text`` refusing NaN and Infinity, as every JSON reader but Python's does."""

    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def trained(image_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = tmp_path_factory.mktemp("model") / "spectral.json"
    evaluate_module.train("spectral", image_folder, model)
    return model


@pytest.fixture()
def only_real(image_folder: Path, tmp_path: Path) -> Path:
    root = tmp_path / "onlyreal"
    shutil.copytree(image_folder / "real", root / "real")
    return root


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_missing_model_file_stops_the_run_with_one_sentence(
    image_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "does" / "not" / "exist.json"
    code, out, err = run(
        capsys, "evaluate", "--data", str(image_folder), "--detector", "spectral",
        "--model", str(missing),
    )  # fmt: skip
    assert code == 3
    assert out == ""  # no table of unscored files
    assert "Cannot read the model file" in err and str(missing) in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def foreign_model(path: Path) -> Path:
    """A well-formed model of another detector: a logistic regression over 3 features."""
    LinearModel([0.0] * 3, [1.0] * 3, [0.5] * 3, 0.0).save(path)
    return path


@pytest.mark.parametrize("kind", ["picture", "foreign", "garbage"])
def test_a_file_that_is_not_this_detectors_model_is_an_input_error(
    kind: str, image_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if kind == "picture":
        model = tmp_path / "m.json"
        model.write_bytes(noise_png(32))
    elif kind == "foreign":
        model = foreign_model(tmp_path / "m.json")
    else:
        model = tmp_path / "m.json"
        model.write_text('{"weights": "no"}')
    code, out, err = run(
        capsys, "--lang", "zh", "evaluate", "--data", str(image_folder), "--detector", "spectral",
        "--model", str(model),
    )  # fmt: skip
    assert code == 3 and out == ""
    assert "无法读取模型文件" in err and str(model) in err and "Traceback" not in err


def test_the_report_names_the_model_it_used(
    image_folder: Path, trained: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["evaluate", "--data", str(image_folder), "--detector", "spectral"]
    code, out, _ = run(capsys, *args, "--model", str(trained), "--json")
    report = strict_json(out)[0]
    assert code == 0 and report["mode"] == "model-file" and report["model"] == str(trained)
    assert report["conditions"]["clean"]["n"] == 16
    code, out, _ = run(capsys, *args, "--model", str(trained))
    assert code == 0 and f"(model {trained})" in out.splitlines()[0]
    assert "shipped" not in out
    report = evaluate_module.evaluate("spectral", image_folder)
    assert report["mode"] == "shipped-model"  # unchanged for scripts that read it
    assert report["model"].endswith("spectral.json")


def test_a_model_without_a_detector_named_is_a_usage_error(
    image_folder: Path, trained: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "evaluate", "--data", str(image_folder), "--model", str(trained))
    assert code == 2 and "--detector" in err


def test_a_detector_without_models_refuses_one(
    image_folder: Path, trained: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "evaluate", "--data", str(image_folder), "--detector", "image-metadata",
        "--model", str(trained),
    )  # fmt: skip
    assert code == 2 and "takes no model file" in err and "Traceback" not in err


def test_one_class_data_gives_null_metrics_and_one_warning(
    only_real: Path, trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "report.json"
    code, out, err = run(
        capsys, "evaluate", "--data", str(only_real), "--detector", "spectral",
        "--model", str(trained), "--json", "--out", str(out_file),
    )  # fmt: skip
    assert code == 0
    clean = strict_json(out)[0]["conditions"]["clean"]
    assert clean["n"] == 8 and clean["unscored"] == 0
    assert clean["auc"] is None and clean["ap"] is None and clean["eer"] is None
    assert clean["fnr"] is None and clean["fpr"] is not None
    assert strict_json(out_file.read_text()) == strict_json(out)
    assert "only real files (8)" in err and len(err.strip().splitlines()) == 1
    code, out, err = run(
        capsys, "--lang", "zh", "evaluate", "--data", str(only_real), "--detector", "spectral",
        "--model", str(trained),
    )  # fmt: skip
    row = next(line for line in out.splitlines() if line.startswith("clean"))
    assert code == 0 and row.split()[2:5] == ["-", "-", "-"]  # auc, ap, eer
    assert "只有真实文件" in err


def test_cross_validation_json_has_null_for_a_fold_with_one_class(
    image_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Generators g1 and g2 have real and fake files, g3 fakes only: its fold's AUC is
    undefined, and the report must still be JSON."""
    root = tmp_path / "cnnd"
    root.mkdir()
    for i in range(4):
        for k, gen in enumerate(("gone", "gtwo")):
            shutil.copy(image_folder / "real" / f"r{i}.png", root / f"{10 * k + i}_{gen}_real.png")
            shutil.copy(image_folder / "fake" / f"f{i}.png", root / f"{10 * k + i}_{gen}_fake.png")
        shutil.copy(image_folder / "fake" / f"f{i + 4}.png", root / f"{30 + i}_gthree_fake.png")
    code, out, _ = run(capsys, "evaluate", "--cv", "--data", str(root), "--detector", "spectral",
                       "--json")  # fmt: skip
    report = strict_json(out)[0]
    assert code == 0 and report["folds"]["gthree"]["clean"] is None
    assert report["folds"]["gone"]["clean"] is not None


@pytest.fixture()
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "afile"
    path.write_bytes(b"")
    return path


def no_evaluation(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the evaluation ran although its output cannot be written")


@pytest.mark.parametrize(
    ("option", "target", "said"),
    [
        ("--out", "afile/rep.json", "afile is a file, not a folder"),
        ("--out", "folder", "it is a folder"),
        ("--plots", "afile", "it is a file, not a folder"),
        ("--plots", "afile/plots", "afile is a file, not a folder"),
    ],
)
def test_an_output_path_that_cannot_be_written_fails_before_the_evaluation(
    option: str,
    target: str,
    said: str,
    image_folder: Path,
    a_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "folder").mkdir()
    before = sorted(tmp_path.rglob("*"))
    monkeypatch.setattr(evaluate_module, "evaluate_many", no_evaluation)
    code, out, err = run(
        capsys, "evaluate", "--data", str(image_folder), option, str(tmp_path / target)
    )
    assert code == 3 and out == ""
    assert said in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert sorted(tmp_path.rglob("*")) == before  # no temporary file left


def test_write_roc_plots_into_a_file_is_one_clear_error(a_file: Path) -> None:
    from synthscope.check._roc_plot import write_roc_plots
    from synthscope.errors import MediaError

    report = {"detector": "d", "labels": [0, 1], "conditions": {"clean": {"scores": [0.1, 0.9]}}}
    with pytest.raises(MediaError, match="it is a file"):
        write_roc_plots([report], a_file)
    written = write_roc_plots([report], a_file.parent / "plots")
    assert [p.name for p in written] == ["d-roc.svg"]
    assert [p.name for p in (a_file.parent / "plots").iterdir()] == ["d-roc.svg"]  # no temp file


def test_plots_of_one_class_data_are_skipped_with_a_note(
    only_real: Path, trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plots = tmp_path / "plots"
    code, out, err = run(
        capsys, "evaluate", "--data", str(only_real), "--detector", "spectral",
        "--model", str(trained), "--plots", str(plots),
    )  # fmt: skip
    assert code == 0 and not list(plots.glob("*.svg"))
    assert "No ROC curve for spectral" in err and "ROC curves written" not in out


def mixed_folder(image_folder: Path, root: Path) -> Path:
    """real/ and fake/ with two CNNDetection-named files each and two plainly named."""
    for split, src in (("real", "r"), ("fake", "f")):
        (root / split).mkdir(parents=True)
        for i in range(4):
            name = f"{i}_gan_{split}.png" if i < 2 else f"plain{i}.png"
            shutil.copy(image_folder / split / f"{src}{i}.png", root / split / name)
    return root


def test_the_layout_that_left_files_out_is_named_on_stderr(
    image_folder: Path, trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = mixed_folder(image_folder, tmp_path / "mix")
    args = ["evaluate", "--data", str(root), "--detector", "spectral", "--model", str(trained)]
    code, out, err = run(capsys, *args, "--json")
    report = strict_json(out)[0]
    assert code == 0 and report["conditions"]["clean"]["n"] == 4
    assert (report["layout"], report["unused_files"]) == ("cnndetection", 4)
    assert "Layout cnndetection: 4 media files" in err and "--layout" in err
    code, _, err = run(capsys, "--lang", "zh", *args)
    assert code == 0 and "使用布局 cnndetection" in err and "4 个媒体文件" in err
    code, out, err = run(capsys, *args, "--layout", "folders", "--json")
    assert code == 0 and strict_json(out)[0]["conditions"]["clean"]["n"] == 8
    assert "Layout" not in err


def test_the_table_speaks_chinese_under_lang_zh(
    image_folder: Path, trained: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "--lang", "zh", "evaluate", "--data", str(image_folder), "--detector", "spectral",
        "--model", str(trained),
    )  # fmt: skip
    title, header = out.splitlines()[:2]
    assert code == 0 and title == f"spectral，数据 {image_folder}（模型 {trained}）"
    assert header.split()[:2] == ["条件", "样本数"] and "准确率" in header and "未评分" in header
    assert " on " not in title and "condition" not in header


def test_cross_validation_table_lines_in_chinese() -> None:
    report = {
        "detector": "spectral",
        "data": "tiny",
        "mode": "cross-validation",
        "conditions": {"clean": {"n": 4, "auc": 0.5, "mean_fold_auc": None}},
        "folds": {"biggan": {"clean": 0.25}, "crn": {"clean": float("nan")}},
        "chosen_per_fold": {"biggan": "logistic/all"},
        "extra_real": {"conditions": {"clean": {"fpr": 0.1, "n": 3}}},
    }
    zh = evaluate_module.render_table(report, "zh").splitlines()
    assert zh[0] == "spectral，数据 tiny（交叉验证）"
    assert zh[3] == "  留出 biggan：AUC clean 0.250（不含该组时选出的评分方式：logistic/all）"
    assert zh[4] == "  留出 crn：AUC clean -"
    assert zh[5].startswith("额外真实图像在阈值处的误报率（折外）：clean 0.100")
    en = evaluate_module.render_table(report).splitlines()
    assert en[0] == "spectral on tiny (cross-validation)"
    assert en[3] == "  held out biggan: AUC clean 0.250 (scorer chosen without it: logistic/all)"
    # Columns line up in terminal cells: a Chinese character takes two.
    assert evaluate_module._pad("条件", 6, left=True) == "条件  "
    assert np.isnan(report["folds"]["crn"]["clean"])

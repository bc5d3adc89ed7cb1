"""``synthscope train`` and ``synthscope evaluate``: thin shells over ``check.evaluate``."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from synthscope.check._datasets import LAYOUTS, NAMED_ONLY
from synthscope.errors import InputError, UsageError

_TEXT = {
    "trained": {
        "en": "Trained {detector} on {n} files ({fake} synthetic){skipped}; "
        "model written to {model}.",
        "zh": "已用 {n} 个文件（{fake} 个合成）训练 {detector}{skipped}；模型已写入 {model}。",
    },
    "skipped": {"en": "; skipped {n} ({reasons})", "zh": "；跳过 {n} 个（{reasons}）"},
    "comma": {"en": ", ", "zh": "，"},
    "unreadable": {"en": "{n} unreadable", "zh": "{n} 个无法读取或解码"},
    "other_kind": {"en": "{n} of another media kind", "zh": "{n} 个属于其他媒体类型"},
    "unused": {
        "en": "Layout {layout}: {n} media files under {root} are not labelled in it and were "
        "left out (--layout picks another layout).",
        "zh": "使用布局 {layout}：{root} 下有 {n} 个媒体文件在该布局中没有标签，已略过"
        "（可用 --layout 指定其他布局）。",
    },
    "one_class": {
        "en": "Warning: the data holds only {which} files ({n}); AUC, AP and EER need both "
        "classes and are left empty.",
        "zh": "警告：数据中只有{which}文件（{n} 个）；AUC、AP 和 EER 需要两类样本，未计算。",
    },
    "real": {"en": "real", "zh": "真实"},
    "synthetic": {"en": "synthetic", "zh": "合成"},
    "no_plot": {
        "en": "No ROC curve for {detector}: no condition has scored files of both classes.",
        "zh": "未绘制 {detector} 的 ROC 曲线：没有哪个条件同时有两类已评分的文件。",
    },
    "chosen": {
        "en": "Scorer chosen by leave-one-generator-out on the {k} training generators: {chosen} "
        "(mean AUC {auc:.3f}; the model file lists every candidate).",
        "zh": "按训练集内留一生成器法在 {k} 个生成器上选出的评分方式：{chosen}"
        "（平均 AUC {auc:.3f}；模型文件列出全部候选）。",
    },
    "written": {"en": "Report written to {path}.", "zh": "报告已写入 {path}。"},
    "training": {"en": "training {detector}", "zh": "正在训练 {detector}"},
    "files": {"en": "{done} of {total} files", "zh": "{done}/{total} 个文件"},
    "folds": {"en": "{done} of {total} folds", "zh": "{done}/{total} 折"},
    "plots": {"en": "ROC curves written to {path}.", "zh": "ROC 曲线已写入 {path}。"},
}


def _say(key: str, **values: Any) -> str:
    from synthscope.cli import settings

    table = _TEXT[key]
    return table.get(settings().lang, table["en"]).format(**values)


def register(app: typer.Typer) -> None:
    """Add the ``train`` and ``evaluate`` commands to ``app``."""
    app.command("train")(train)
    app.command("evaluate")(evaluate)


_LAYOUT_HELP = (
    f"{', '.join(list(LAYOUTS)[:-1])} or {list(LAYOUTS)[-1]} (default: the first of these, in "
    f"this order, that finds labelled files); {', '.join(NAMED_ONLY)}: Celeb-DF's official test "
    "list only."
)
_EXTRA_HELP = "Folder of real images from another source; repeat for several."


def train(
    detector: Annotated[str, typer.Argument(help="Detector name, e.g. spectral or lfcc-gmm.")],
    data: Annotated[Path, typer.Option("--data", help="Folder of labelled files.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Model file to write (default: the detector's model file name in the current "
            "folder, e.g. ./spectral.json).",
        ),
    ] = None,
    layout: Annotated[str | None, typer.Option(help=_LAYOUT_HELP)] = None,
    extra_real: Annotated[list[Path] | None, typer.Option("--extra-real", help=_EXTRA_HELP)] = None,
) -> None:
    """Fit a detector on every labelled file under --data and write its model file."""
    from synthscope.check.detectors import detector_class
    from synthscope.check.evaluate import train as run_train
    from synthscope.cli import out_console

    target = out or Path(getattr(detector_class(detector), "model_file", f"{detector}.json"))
    _check_writable(target)
    from synthscope.cli import _progress

    with _progress() as bar:
        bar.add_task(_say("training", detector=detector), total=None, detail="")
        result = run_train(detector, data, target, layout, extra_real)
    _note_unused(result)
    out_console.print(
        _say(
            "trained",
            detector=detector,
            n=result["n"],
            fake=result["n_fake"],
            skipped=_skipped(result["skipped"]),
            model=result["model"],
        ),
        markup=False,
    )
    if "selection" in result:
        chosen = result["selection"]["chosen"]
        out_console.print(
            _say(
                "chosen",
                k=len(result["selection"]["generators"]),
                chosen=chosen,
                auc=result["selection"]["inner_leave_one_generator_out_auc"][chosen],
            ),
            markup=False,
        )


def evaluate(
    data: Annotated[Path, typer.Option("--data", help="Folder of labelled files.")],
    detector: Annotated[
        list[str] | None, typer.Option("--detector", help="Repeat for several.")
    ] = None,
    robustness: Annotated[
        bool, typer.Option("--robustness", help="Also score degraded copies.")
    ] = False,
    cv: Annotated[
        bool, typer.Option("--cv", help="Leave-one-group-out instead of the shipped model.")
    ] = False,
    model: Annotated[
        Path | None, typer.Option("--model", help="Model file instead of the shipped one.")
    ] = None,
    layout: Annotated[str | None, typer.Option(help=_LAYOUT_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the JSON report here.")
    ] = None,
    extra_real: Annotated[
        list[Path] | None,
        typer.Option(
            "--extra-real", help=_EXTRA_HELP + " With --cv: trained on, held out per fold."
        ),
    ] = None,
    plots: Annotated[
        Path | None, typer.Option("--plots", help="Write ROC curves (SVG) into this folder.")
    ] = None,
) -> None:
    """Measure detectors on labelled data: AUC, AP, EER, ECE, accuracy and FPR at the threshold."""
    from synthscope.check.detectors._linear import write_atomic
    from synthscope.check.evaluate import evaluate_many, render_table
    from synthscope.cli import out_console, settings

    if extra_real and not cv:
        raise UsageError("--extra-real is used with --cv.", zh="--extra-real 需与 --cv 一起使用。")
    if cv and model is not None:
        raise UsageError(
            "--cv trains its own models; drop --model.", zh="--cv 会自行训练模型；请去掉 --model。"
        )
    if out is not None:
        _check_writable(out)
    if plots is not None:
        _check_writable(plots, folder=True)
    from synthscope.cli import _progress

    with _progress() as bar:

        def progress(name: str) -> Callable[[int, int], None]:
            unit = "folds" if cv else "files"
            task = bar.add_task(name, total=None, detail="")

            def tick(done: int, total: int) -> None:
                detail = _say(unit, done=done, total=total)
                bar.update(task, completed=done, total=total, detail=detail)

            return tick

        reports = evaluate_many(
            data,
            detector,
            layout=layout,
            robustness=robustness,
            cv=cv,
            model=model,
            extra_real=extra_real if cv else None,
            progress=progress,
        )
    if reports:
        _note_unused(reports[0])
        _warn_one_class(reports[0]["labels"])
    text = _json(reports)
    if out is not None:
        write_atomic(out, text.encode())
    if plots is not None:
        _write_plots(reports, plots)
    if as_json:
        out_console.print(text, markup=False)
        return
    for report in reports:
        out_console.print(render_table(report, settings().lang) + "\n", markup=False)
    if out is not None:
        out_console.print(_say("written", path=out), markup=False)


def _json(value: Any) -> str:
    """``value`` as JSON: an undefined metric (NaN) is ``null``, never the invalid ``NaN``."""
    from synthscope.check._metrics import finite

    return json.dumps(finite(value), indent=1, ensure_ascii=False, allow_nan=False)


def _check_writable(path: Path, folder: bool = False) -> None:
    """Refuse an output path that cannot be written before any work starts: a folder where a file
    is to go (or a file where a folder is), or a file on the way to it. Missing folders are made
    when writing.

    Raises:
        InputError: the path cannot be written.
    """
    if folder and path.exists() and not path.is_dir():
        raise InputError(
            f"Cannot write into {path}: it is a file, not a folder.",
            zh=f"无法写入 {path}：它是文件，不是文件夹。",
        )
    if not folder and path.is_dir():
        raise InputError(
            f"Cannot write {path}: it is a folder.", zh=f"无法写入 {path}：它是文件夹。"
        )
    probe = path if folder else path.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(
            f"Cannot write {path}: {probe} is a file, not a folder.",
            zh=f"无法写入 {path}：{probe} 是文件，不是文件夹。",
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(
            f"Cannot write {path}: the folder {probe} is not writable.",
            zh=f"无法写入 {path}：文件夹 {probe} 不可写。",
        )


def _err(text: str) -> None:
    from synthscope.cli import err_console

    err_console.print(text, markup=False)


def _note_unused(result: dict[str, Any]) -> None:
    """Say on stderr which layout was used when it left media files under --data out."""
    if result.get("unused_files"):
        _err(_say("unused", layout=result["layout"], n=result["unused_files"], root=result["data"]))


def _warn_one_class(labels: list[int]) -> None:
    if labels and len(set(labels)) == 1:
        which = _say("synthetic" if labels[0] else "real")
        _err(_say("one_class", which=which, n=len(labels)))


def _skipped(skipped: dict[str, int]) -> str:
    """``"; skipped 2 (1 unreadable, 1 of another media kind)"`` or nothing."""
    if not skipped:
        return ""
    listed = _say("comma").join(_say(why, n=n) for why, n in sorted(skipped.items()))
    return _say("skipped", n=sum(skipped.values()), reasons=listed)


def _write_plots(reports: list[dict[str, Any]], folder: Path) -> None:
    from synthscope.check._roc_plot import has_curves, write_roc_plots
    from synthscope.cli import out_console

    for report in reports:
        if not has_curves(report):
            _err(_say("no_plot", detector=report["detector"]))
    for path in write_roc_plots(reports, folder):
        out_console.print(_say("plots", path=path), markup=False)

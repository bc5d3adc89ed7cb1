"""``synthscope train`` and ``synthscope evaluate``: thin shells over ``check.evaluate``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from synthscope.errors import UsageError

_TEXT = {
    "trained": {
        "en": "Trained {detector} on {n} files ({fake} synthetic); model written to {model}.",
        "zh": "已用 {n} 个文件（{fake} 个合成）训练 {detector}；模型已写入 {model}。",
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
    "cnndetection, asvspoof, dfdc, celebdf, faceforensics or folders (default: the first that "
    "finds labelled files); celebdf-test: Celeb-DF's official test list only."
)
_EXTRA_HELP = "Folder of real images from another source; repeat for several."


def train(
    detector: Annotated[str, typer.Argument(help="Detector name, e.g. spectral or lfcc-gmm.")],
    data: Annotated[Path, typer.Option("--data", help="Folder of labelled files.")],
    out: Annotated[Path | None, typer.Option("--out", help="Model file to write.")] = None,
    layout: Annotated[str | None, typer.Option(help=_LAYOUT_HELP)] = None,
    extra_real: Annotated[list[Path] | None, typer.Option("--extra-real", help=_EXTRA_HELP)] = None,
) -> None:
    """Fit a detector on every labelled file under --data and write its model file."""
    from synthscope.check.detectors import detector_class
    from synthscope.check.evaluate import train as run_train
    from synthscope.cli import out_console

    target = out or Path(getattr(detector_class(detector), "model_file", f"{detector}.json"))
    from synthscope.cli import _progress

    with _progress() as bar:
        bar.add_task(_say("training", detector=detector), total=None, detail="")
        result = run_train(detector, data, target, layout, extra_real)
    out_console.print(
        _say(
            "trained",
            detector=detector,
            n=result["n"],
            fake=result["n_fake"],
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
    from synthscope.cli import out_console

    if extra_real and not cv:
        raise UsageError("--extra-real is used with --cv.", zh="--extra-real 需与 --cv 一起使用。")
    if cv and model is not None:
        raise UsageError(
            "--cv trains its own models; drop --model.", zh="--cv 会自行训练模型；请去掉 --model。"
        )
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
    text = json.dumps(reports, indent=1, ensure_ascii=False)
    if out is not None:
        write_atomic(out, text.encode())
    if plots is not None:
        from synthscope.check._roc_plot import write_roc_plots

        for path in write_roc_plots(reports, plots):
            out_console.print(_say("plots", path=path), markup=False)
    if as_json:
        out_console.print(text, markup=False)
        return
    for report in reports:
        out_console.print(render_table(report) + "\n", markup=False)
    if out is not None:
        out_console.print(_say("written", path=out), markup=False)

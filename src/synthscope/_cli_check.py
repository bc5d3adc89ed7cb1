"""``synthscope check`` and ``synthscope label``: parse, call one library function, render."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from synthscope._messages import msg
from synthscope.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from synthscope.check.batch import CheckSpec


def _cli() -> Any:
    from synthscope import cli

    return cli


def check(
    files: Annotated[list[Path] | None, typer.Argument(help="Files to check.")] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="One synthscope.check/1 JSON object per file, per line (with --batch: each "
            "file's stored record, before the summary line).",
        ),
    ] = False,
    detectors: Annotated[
        bool, typer.Option("--detectors/--no-detectors", help="Run the content detectors.")
    ] = True,
    names: Annotated[
        list[str] | None,
        typer.Option(
            "--detector",
            help="Run this detector instead of the default set (repeatable), e.g. cnn-image, "
            "face-blend or cqcc-gmm, which the default set leaves out.",
        ),
    ] = None,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch",
            help="Check every file under this folder into the store, once: a re-run skips "
            'what is done. Prints {"done": N, "skipped": N, "failed": N} last.',
        ),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="With --batch: local (this process) or ray.")
    ] = "local",
    address: Annotated[
        str | None, typer.Option("--address", help="With --engine ray: the Ray cluster address.")
    ] = None,
) -> None:
    """Read provenance labels (C2PA, GB 45438, watermarks), match the hash banks in the store, run
    the detectors, and give a verdict per file; with --batch DIR, for every file of a folder,
    keeping the results in the store."""
    from synthscope.check.scan import check_paths

    spec = _spec(detectors, names)
    if batch is not None or not files or engine != "local" or address is not None:
        _check_batch(batch, files, spec, engine, address, as_json)
        return
    cli = _cli()
    failed = False
    for result in check_paths(files, spec.settings, spec.evidence(cli._open_store())):
        failed = failed or result["error"] is not None
        if as_json:
            _print_json(result)
        else:
            cli.out_console.print(_summary(result, spec.settings.lang), markup=False)
    if failed:
        raise typer.Exit(int(ExitCode.INPUT))


def _spec(detectors: bool, names: list[str] | None) -> CheckSpec:
    """The evidence to use, checked before any file is read."""
    from synthscope._cli_bank import _index_cache
    from synthscope.check.batch import CheckSpec

    if names and not detectors:
        raise UsageError(
            "--detector runs detectors; drop --no-detectors.",
            zh="--detector 需要运行检测器；请去掉 --no-detectors。",
        )
    if detectors:
        from synthscope.check.detectors import detector_class

        for name in names or []:
            detector_class(name)  # an unknown name stops here, before any file is read
    return CheckSpec(_cli().settings(), detectors, tuple(names) if names else None, _index_cache())


def _check_batch(
    folder: Path | None,
    files: list[Path] | None,
    spec: CheckSpec,
    engine: str,
    address: str | None,
    as_json: bool,
) -> None:
    """``check --batch``: progress on stderr (a terminal only), the summary last on stdout."""
    from rich.markup import escape

    from synthscope.check.batch import BatchCounts, batch_files, engine_named, run_batch
    from synthscope.store.batch_checks import FAILED

    if folder is None or files:
        raise UsageError(
            "Give the files to check or --batch DIR, not both (--engine and --address go with "
            "--batch).",
            zh="请给出要检查的文件或 --batch DIR，二者选一"
            "（--engine 与 --address 仅用于 --batch）。",
        )
    run_engine = engine_named(engine, address)
    found = batch_files(folder)
    cli, lang, counts = _cli(), spec.settings.lang, BatchCounts()
    write = _stdout_lines()
    with cli._progress() as bar:
        title = msg("batch_checking", lang, folder=escape(str(folder)))
        task = bar.add_task(title, total=len(found), detail="")
        for outcome in run_batch(cli._open_store(), found, spec, run_engine):
            counts.add(outcome.status)
            bar.update(task, advance=1, detail=msg("batch_detail", lang, **counts.to_dict()))
            if as_json:
                write(json.dumps(outcome.record, ensure_ascii=False))
            elif outcome.status == FAILED:
                error = outcome.record["error"]["message"]
                cli.err_console.print(
                    msg("check_error", lang, file=outcome.rel, message=error), markup=False
                )
    cli.out_console.print(json.dumps(counts.to_dict()), markup=False, soft_wrap=True)


def _stdout_lines() -> Callable[[str], None]:
    """A writer of lines to stdout while a progress bar may be live on stderr. The bar takes
    over ``sys.stdout`` and prints what is written there on stderr, above itself: right for a
    terminal, but a pipe must still get the lines, so then they go to the stream itself."""
    console = _cli().out_console
    if console.is_terminal:
        return lambda line: console.print(line, markup=False, soft_wrap=True)
    stream = console.file

    def write(line: str) -> None:
        stream.write(line + "\n")
        stream.flush()

    return write


def _print_json(result: dict[str, Any]) -> None:
    _cli().out_console.print(json.dumps(result, ensure_ascii=False), markup=False, soft_wrap=True)


def _summary(result: dict[str, Any], lang: str) -> str:
    if result["error"] is not None:
        return msg("check_error", lang, file=result["file"], message=result["error"]["message"])
    verdict = result["verdict"]
    lines = [
        msg(
            "check_line",
            lang,
            file=result["file"],
            verdict=msg(f"verdict_{verdict['label']}", lang),
        )
    ]
    lines += [f"  - {reason}" for reason in verdict["reasons"]]
    lines += _c2pa_info(result.get("c2pa"), lang)
    # A detector that could not score says why, so "no evidence" is never a silent gap.
    lines += [
        "  - "
        + msg(
            "check_no_score",
            lang,
            name=d["name"],
            reason=d.get("reason_zh" if lang == "zh" else "reason") or d.get("reason", ""),
        )
        for d in result.get("detectors", [])
        if d.get("score") is None
    ]
    return "\n".join(lines)


def _c2pa_info(c2pa: dict[str, Any] | None, lang: str) -> list[str]:
    """A line for a manifest that made no claim (so is not among the verdict's reasons): the text
    output never hides that the file carries Content Credentials."""
    from synthscope.check.labels.c2pa import decides

    if not c2pa or not c2pa.get("present") or decides(c2pa):
        return []
    unknown = "?" if lang == "en" else "未知"
    trust = "signingCredential.untrusted" in (c2pa.get("codes") or [])
    line = msg(
        "check_c2pa_info",
        lang,
        state=c2pa.get("state") or unknown,
        generator=c2pa.get("claim_generator") or unknown,
        signer=c2pa.get("signer") or unknown,
        trust=msg("check_c2pa_untrusted", lang) if trust else "",
    )
    return [f"  - {line}"]


def _payload(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = int(text, 0)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise UsageError(
            f"--watermark must be a 32-bit number (0 to 4294967295 or 0x...), not {text!r}.",
            zh=f"--watermark 必须是 32 位数字（0 到 4294967295 或 0x...），而不是 {text!r}。",
        )
    return value


def label(
    file: Annotated[Path, typer.Argument(help="The file to label (left unchanged).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the labelled copy.")],
    aigc: Annotated[str | None, typer.Option("--aigc", help=msg("label_help_aigc", "en"))] = None,
    propagate: Annotated[
        str | None,
        typer.Option("--propagate", help='{"ContentPropagator":"...","PropagateID":"..."}.'),
    ] = None,
    c2pa_cert: Annotated[
        Path | None, typer.Option("--c2pa-cert", help="PEM certificate chain for C2PA signing.")
    ] = None,
    c2pa_key: Annotated[
        Path | None, typer.Option("--c2pa-key", help="PEM private key for C2PA signing.")
    ] = None,
    visible: Annotated[
        str | None,
        typer.Option("--visible", help=msg("label_help_visible", "en")),
    ] = None,
    watermark: Annotated[
        str | None, typer.Option("--watermark", help="Embed a 32-bit invisible watermark payload.")
    ] = None,
) -> None:
    """Write the implicit label, C2PA, an explicit label and a watermark into a new file."""
    from synthscope.check.label import (
        LabelRequest,
        describe_written,
        label_file,
        parse_json_option,
    )

    request = LabelRequest(
        aigc=parse_json_option(aigc, "--aigc"),
        propagate=parse_json_option(propagate, "--propagate"),
        c2pa_cert=c2pa_cert,
        c2pa_key=c2pa_key,
        visible=visible,
        watermark=_payload(watermark),
    )
    cli = _cli()
    written = label_file(file, out, request, cli.settings())
    lang = cli.settings().lang
    labels = describe_written(written, lang)
    cli.out_console.print(msg("label_done", lang, out=out, labels=labels), markup=False)


def register(app: typer.Typer) -> None:
    """Add ``check`` and ``label`` to the root app."""
    app.command("check")(check)
    app.command("label")(label)

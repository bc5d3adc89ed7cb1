"""The ``synthscope`` command line: each command parses, calls one library function, renders."""

from __future__ import annotations

import json
import logging
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from synthscope import _cli_check, _cli_detect
from synthscope._messages import msg
from synthscope.config import Settings, load_settings
from synthscope.errors import ExitCode, SynthscopeError, UsageError

app = typer.Typer(
    help="synthscope: deep-synthesis (deepfake) observatory and checking tools.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
observe_app = typer.Typer(help="Collect, import, measure and report deep-synthesis trends.")
app.add_typer(observe_app, name="observe")
_cli_check.register(app)

err_console = Console(stderr=True, soft_wrap=True, highlight=False)
out_console = Console(highlight=False, soft_wrap=True)


class _State:
    settings: Settings | None = None


STATE = _State()


def settings() -> Settings:
    if STATE.settings is None:
        STATE.settings = load_settings()
    return STATE.settings


@app.callback()
def _root(
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default: SQLite in the user data dir)."),
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Output language: zh or en.")] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More logs.")] = 0,
) -> None:
    """Global options; settings also come from SYNTHSCOPE_* and synthscope.toml."""
    if lang is not None and lang not in ("zh", "en"):
        raise UsageError(
            f"--lang must be zh or en, not {lang!r}.",
            zh=f"--lang 只能是 zh 或 en，而不是 {lang!r}。",
        )
    STATE.settings = load_settings(database_url=db, lang=lang)
    level = ("WARNING", "INFO", "DEBUG")[min(verbose, 2)] if verbose else settings().log_level
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)


def _open_store() -> Any:
    from synthscope.store import Store

    return Store.open(settings().database_url)


def _classifier() -> Any:
    from synthscope.observe.classify import Classifier

    s = settings()
    return Classifier.load(s.content_keywords, s.research_keywords, extra_dirs=s.keyword_dirs)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


@observe_app.command("collect")
def observe_collect(
    source: Annotated[str, typer.Argument(help="arxiv, github, youtube or tiktok.")],
    keywords: Annotated[
        str | None, typer.Option("--keywords", help="Keyword set name or TOML file.")
    ] = None,
    term: Annotated[
        list[str] | None, typer.Option("--term", help="A search term; repeat for several.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="First day, YYYY-MM-DD (default 2017-01-01).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD (default today).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run summary as JSON.")] = False,
) -> None:
    """Search a live source by keyword over date windows; re-running resumes, never duplicates."""
    from synthscope.observe.collect import collect, live_source, search_terms

    s, lang = settings(), settings().lang
    src = live_source(source, s)
    terms = search_terms(src, term or [], keywords, s.keyword_dirs)
    first, last = _parse_day(since, "--since"), _parse_day(until, "--until")
    store = _open_store()
    with _progress() as bar:
        task = bar.add_task(msg("collecting", lang, source=source, terms=len(terms)), detail="")

        def tick(counts: dict[str, int]) -> None:
            done, total = counts.get("windows_done", 0), counts.get("windows_total", 0)
            detail = msg(
                "collect_detail",
                lang,
                done=done,
                total=total,
                new=counts.get("new", 0),
                requests=counts.get("requests", 0),
                waits=counts.get("waits", 0),
            )
            bar.update(task, total=total or None, completed=done, detail=detail)

        summary = collect(
            store, src, terms, since=first, until=last, classifier=_classifier(), progress=tick
        )
    _print_collect(summary, lang, as_json)


def _parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{option} must be a date YYYY-MM-DD, not {text!r}.",
            zh=f"{option} 必须是 YYYY-MM-DD 格式的日期，而不是 {text!r}。",
        ) from None


def _print_collect(summary: Any, lang: str, as_json: bool) -> None:
    if as_json:
        out_console.print_json(json.dumps(summary.to_dict(), ensure_ascii=False))
        return
    c = summary.counts
    out_console.print(
        msg(
            "collect_done",
            lang,
            source=summary.source,
            items=c.get("items", 0),
            new=c.get("new", 0),
            updated=c.get("updated", 0),
            requests=c.get("requests", 0),
            retries=c.get("retries", 0),
            skipped=c.get("skipped", 0),
            run_id=summary.run_id,
            resumed=msg("resumed", lang) if summary.resumed else "",
        ),
        markup=False,
    )
    if c.get("quota_units"):
        out_console.print(msg("quota_used", lang, units=c["quota_units"]), markup=False)
    errors = summary.errors_zh if lang == "zh" and summary.errors_zh else summary.errors
    for line in errors[:20]:
        err_console.print(f"  {line}", markup=False)


@observe_app.command("import")
def observe_import(
    file: Annotated[Path, typer.Argument(help="CSV, TSV, JSONL, JSON, XLSX or Markdown file.")],
    platform: Annotated[
        str | None, typer.Option(help="Platform of rows whose URL does not say (e.g. douyin).")
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="video, post, paper or repo for rows whose URL does not say.")
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="COLUMN=FIELD; repeat. Fields: url, title, plays, likes, ..."),
    ] = None,
    observed_at: Annotated[
        str | None, typer.Option(help="When the counts were observed (default: file time).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run summary as JSON.")] = False,
) -> None:
    """Import an export file; re-importing the same file changes nothing."""
    from synthscope.observe.pipeline import import_file
    from synthscope.observe.sources.file import count_lines, parse_mapping

    if kind is not None and kind not in ("video", "post", "paper", "repo"):
        raise UsageError(
            f"--kind must be video, post, paper or repo, not {kind!r}.",
            zh=f"--kind 只能是 video、post、paper 或 repo，而不是 {kind!r}。",
        )
    mapping = parse_mapping(map_ or [])
    when = _parse_when(observed_at)
    store, lang = _open_store(), settings().lang
    with _progress() as bar:
        lines = count_lines(file)  # None: the bar pulses without a total
        task = bar.add_task(msg("importing", lang, file=file.name), total=lines, detail="")

        def tick(counts: dict[str, int]) -> None:
            detail = msg(
                "progress_detail", lang, read=counts.get("read", 0), new=counts.get("new", 0)
            )
            bar.update(task, completed=counts.get("position", 0), detail=detail)

        summary = import_file(
            store,
            file,
            classifier=_classifier(),
            platform=platform,
            kind=kind,
            mapping=mapping,
            batch_size=settings().batch_size,
            observed_at=when,
            progress=tick,
        )
    _print_import(summary, file, lang, as_json)


def _parse_when(text: str | None) -> datetime | None:
    from synthscope.observe.normalize import parse_date

    if text is None:
        return None
    try:
        return parse_date(text)
    except SynthscopeError as exc:
        raise UsageError(
            f"--observed-at: {exc}", zh=f"--observed-at：{exc.localized('zh')}"
        ) from exc


def _print_import(summary: Any, file: Path, lang: str, as_json: bool) -> None:
    if as_json:
        out_console.print_json(json.dumps(summary.to_dict(), ensure_ascii=False))
        return
    c = summary.counts
    resumed = msg("resumed", lang) if summary.resumed else ""
    out_console.print(
        msg(
            "import_done",
            lang,
            file=file,
            read=c.get("read", 0),
            new=c.get("new", 0),
            updated=c.get("updated", 0),
            unchanged=c.get("unchanged", 0),
            skipped=c.get("skipped", 0),
            run_id=summary.run_id,
            resumed=resumed,
        ),
        markup=False,
    )
    if c.get("quota_units"):
        out_console.print(msg("quota_used", lang, units=c["quota_units"]), markup=False)
    errors = summary.errors_zh if lang == "zh" and summary.errors_zh else summary.errors
    if errors:
        err_console.print(msg("skipped_rows", lang, n=min(len(errors), 20)), markup=False)
        for line in errors[:20]:
            err_console.print(f"  {line}", markup=False)


@observe_app.command("report")
def observe_report(
    year_from: Annotated[int | None, typer.Option("--from", help="First year.")] = None,
    year_to: Annotated[int | None, typer.Option("--to", help="Last year.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("report"),
) -> None:
    """Write report.html, report.md and report.json (zh or en) from the store."""
    from synthscope.observe.keywords import load_keyword_set
    from synthscope.observe.report import write_report
    from synthscope.observe.report.build import ReportOptions, build_report

    s, lang = settings(), settings().lang
    content = load_keyword_set(s.content_keywords, s.keyword_dirs)
    research = load_keyword_set(s.research_keywords, s.keyword_dirs)
    options = ReportOptions(
        year_from=year_from,
        year_to=year_to,
        lang=lang,
        content_terms=[t.text for t in content.terms],
        research_terms=[t.text for t in research.terms],
        content_set=content.name,
        research_set=research.name,
        bootstrap_samples=s.bootstrap_samples,
    )
    store = _open_store()
    with _progress() as bar:
        bar.add_task(msg("building_report", lang), total=None, detail="")
        report = build_report(store, options)
        paths = write_report(report, out, lang)
    out_console.print(msg("report_written", lang, paths=", ".join(map(str, paths))), markup=False)


@observe_app.command("runs")
def observe_runs(
    limit: Annotated[int, typer.Option(help="How many runs to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per run.")] = False,
) -> None:
    """List recent collection and import runs."""
    from synthscope.store.runs import list_runs

    store = _open_store()
    with store.reading() as conn:
        runs = list_runs(conn, limit)
    if as_json:
        for run in runs:
            out_console.print(json.dumps(run, ensure_ascii=False, default=str), markup=False)
        return
    out_console.print(msg("runs_header", settings().lang), markup=False)
    for r in runs:
        c = r["counts"] or {}
        line = f"{r['id']}  {r['source']}  {r['status']}  {c.get('read', 0)}  "
        out_console.print(
            line + f"{c.get('new', 0)}  {c.get('skipped', 0)}  {r['query']}", markup=False
        )


@observe_app.command("keywords")
def observe_keywords(
    name: Annotated[str | None, typer.Argument(help="A set name or .toml path to show.")] = None,
) -> None:
    """List keyword sets, or show the terms of one."""
    from synthscope.observe.keywords import available_sets, load_keyword_set

    dirs = settings().keyword_dirs
    if name is None:
        out_console.print(msg("keyword_sets", settings().lang), markup=False)
        for set_name, description in available_sets(dirs).items():
            out_console.print(f"  {set_name}: {description}", markup=False)
        return
    for term in load_keyword_set(name, dirs).terms:
        extra = f" [{term.modality}]" if term.modality else ""
        out_console.print(f"{term.text} ({term.lang}){extra}", markup=False)


_cli_detect.register(app)


@app.command("version")
def version() -> None:
    """Print the synthscope version."""
    from synthscope import __version__

    out_console.print(__version__)


from synthscope._cli_service import apikey_app, serve  # noqa: E402  (uses the helpers above)

app.add_typer(apikey_app, name="apikey")
app.command("serve")(serve)
from synthscope._cli_bank import bank_app  # noqa: E402  (its commands use the helpers above)

app.add_typer(bank_app, name="bank")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning errors into one sentence and an exit code.

    Typer handles usage errors itself (exit 2); synthscope errors become one line on stderr.
    """
    try:
        app(args=_optional_values(sys.argv[1:] if argv is None else argv), prog_name="synthscope")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except SynthscopeError as exc:
        err_console.print(f"{msg('error', _lang())}: {exc.localized(_lang())}", markup=False)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print(msg("interrupted", _lang()), markup=False)
        return 130
    return int(ExitCode.OK)


# Options whose value may be left out (CONTRACTS.md: `label ... [--visible [TEXT]]`): given bare,
# they get this value. Click options cannot take an optional value, so the words are adjusted.
OPTIONAL_VALUES = {("label", "--visible"): ""}


def _optional_values(args: list[str]) -> list[str]:
    """``args`` with the default value put after an optional-value option given bare (last, or
    followed by another option)."""
    out: list[str] = []
    for i, arg in enumerate(args):
        out.append(arg)
        following = args[i + 1] if i + 1 < len(args) else None
        bare = following is None or following.startswith("--")
        for (command, option), value in OPTIONAL_VALUES.items():
            if arg == option and bare and command in args[:i]:
                out.append(value)
    return out


def _lang() -> str:
    return STATE.settings.lang if STATE.settings else "en"


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()

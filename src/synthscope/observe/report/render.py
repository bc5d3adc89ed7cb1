"""Render a report dict as one self-contained HTML page, as Markdown, and as JSON; write all three.

The HTML page loads nothing from anywhere (inline CSS, inline SVG, no scripts or web fonts), so it
reads the same offline, in an archive, or printed. Every string from the data is escaped. Output
depends only on the report (no clocks, no random ids), so re-rendering is byte-identical.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from synthscope.errors import InputError, UsageError
from synthscope.observe.report import fmt
from synthscope.observe.report._svg import escape
from synthscope.observe.report.figures import Figure, Table, View, kinds_line, number
from synthscope.observe.report.i18n import HTML_LANG, normalize_lang, t
from synthscope.observe.report.notes import note_lines
from synthscope.observe.report.page import CSS, runs_table
from synthscope.observe.report.trends import SECTIONS, build_figures

SCHEMA_PATH: Path = Path(__file__).with_name("report.schema.json")
FILES: tuple[str, ...] = ("report.html", "report.md", "report.json")


def render_html(report: Mapping[str, Any], lang: str = "en") -> str:
    """The report as one HTML page with inline CSS and SVG charts.

    Raises:
        UsageError: ``lang`` is not a supported language.
    """
    lang = normalize_lang(lang)
    view = View(report, lang)
    title = escape(_title(view))
    head = '<meta charset="utf-8">\n<meta name="viewport" content="width=device-width">\n'
    head += f"<title>{title}</title>\n<style>{CSS}</style>\n"
    body = [_html_header(view), _html_toc(view)]
    for sid, figures in build_figures(report, lang):
        body.append(_html_section(view, sid, figures))
    body.append(_html_method(view))
    body.append(f"<footer><p>{escape(t('report.footer', lang))}</p></footer>")
    main = "\n".join(body)
    page = f'<!doctype html>\n<html lang="{HTML_LANG[lang]}">\n<head>\n{head}</head>\n'
    return page + f"<body>\n<main>\n{main}\n</main>\n</body>\n</html>\n"


def render_markdown(report: Mapping[str, Any], lang: str = "en") -> str:
    """The report as Markdown: headings, a table of the numbers behind each chart, the data notes.

    Raises:
        UsageError: ``lang`` is not a supported language.
    """
    lang = normalize_lang(lang)
    view = View(report, lang)
    out = [f"# {_md(_title(view))}", "", *(_md(line) for line in _header_lines(view)), ""]
    for sid, figures in build_figures(report, lang):
        out += [f"## {_md(t(f'section.{sid}', lang))}", ""]
        for figure in figures:
            out += _md_figure(view, figure)
    runs = runs_table(view)
    out += [f"## {_md(t('section.method', lang))}", ""]
    out += [*_md_table(runs), ""] if runs.rows else [_md(t("runs.none", lang)), ""]
    out += [_md(t("report.footer", lang)), ""]
    return "\n".join(out)


def render_json(report: Mapping[str, Any]) -> str:
    """The report as JSON in its own key order, UTF-8 text kept readable, two-space indent.

    Raises:
        InputError: the report holds something JSON cannot represent (NaN, an object...).
    """
    try:
        text = json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False, default=_plain)
    except (TypeError, ValueError) as exc:
        raise InputError(f"The report cannot be written as JSON: {exc}.") from exc
    return text + "\n"


def write_report(report: Mapping[str, Any], out_dir: Path, lang: str = "en") -> list[Path]:
    """Write ``report.html``, ``report.md`` and ``report.json`` into ``out_dir``.

    ``out_dir`` is created when missing.

    Each file is written to a temporary file in the same folder and moved into place, so a reader
    never sees a half-written report. Returns the three paths.

    Raises:
        UsageError: ``lang`` is not a supported language.
        InputError: the folder cannot be created or written, or the report is not JSON-ready.
    """
    texts = (render_html(report, lang), render_markdown(report, lang), render_json(report))
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return [
            _write_atomic(out_dir / name, text) for name, text in zip(FILES, texts, strict=True)
        ]
    except OSError as exc:
        raise InputError(f"Cannot write to {out_dir}: {exc.strerror or exc}.") from exc


def validate_report(report: Mapping[str, Any]) -> None:
    """Check ``report`` against ``report.schema.json`` (JSON Schema draft 2020-12).

    Raises:
        UsageError: the optional ``jsonschema`` package is not installed.
        InputError: the report does not match the schema (the message names the first problem).
    """
    try:
        import jsonschema  # type: ignore[import-untyped]
    except ImportError as exc:
        raise UsageError(
            "Validating a report needs the jsonschema package: pip install 'synthscope[dev]'."
        ) from exc
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(json.loads(render_json(report))))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise InputError(
            f"The report does not match synthscope.report/1 at {where}: {error.message}."
        )


# --- HTML ------------------------------------------------------------------------------------


def _title(view: View) -> str:
    span = view.section("range")
    start, end = span.get("from"), span.get("to")
    years = view.t("report.years", start=start, end=end) if start and end else ""
    return f"{view.t('report.title')} {years}".strip()


def _header_lines(view: View) -> list[str]:
    when = fmt.fmt_datetime(view.report.get("generated_at"))
    items = fmt.fmt_int(number(view.section("totals").get("items")) or 0)
    return [
        view.t("report.generated", when=when),
        view.t("report.totals", items=items, kinds=kinds_line(view)),
    ]


def _html_header(view: View) -> str:
    lines = "".join(f'<p class="meta">{escape(line)}</p>' for line in _header_lines(view))
    return f"<header>\n<h1>{escape(_title(view))}</h1>\n{lines}\n</header>"


def _html_toc(view: View) -> str:
    sections = [*(sid for sid, _ in SECTIONS), "method"]
    links = "".join(
        f'<li><a href="#{sid}">{escape(view.t(f"section.{sid}"))}</a></li>' for sid in sections
    )
    return f"<nav><h2>{escape(view.t('report.contents'))}</h2><ol>{links}</ol></nav>"


def _html_section(view: View, sid: str, figures: list[Figure]) -> str:
    parts = "\n".join(_html_figure(view, figure) for figure in figures)
    return f'<section id="{sid}">\n<h2>{escape(view.t(f"section.{sid}"))}</h2>\n{parts}\n</section>'


def _html_figure(view: View, figure: Figure) -> str:
    captions = "".join(f"<p>{escape(line)}</p>" for line in figure.captions)
    extra = "".join(_html_table(table, caption=True) for table in figure.extra)
    summary = escape(view.t("table.data"))
    data = (
        f'<details class="data"><summary>{summary}</summary>{_html_table(figure.table)}</details>'
    )
    return (
        f'<figure id="chart-{figure.id}">\n<h3>{escape(figure.title)}</h3>\n'
        f'<div class="plot">{"".join(figure.svgs)}</div>\n'
        f"<figcaption>{captions}</figcaption>\n{extra}{data}\n"
        f"{_html_notes(view, figure.id)}\n</figure>"
    )


def _html_notes(view: View, chart_id: str) -> str:
    lines = note_lines(view.section("notes").get(chart_id), view.lang)
    heading = f"<h4>{escape(view.t('notes.title'))}</h4>"
    if not lines:
        return f'<div class="notes">{heading}<p>{escape(view.t("notes.missing"))}</p></div>'
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in lines)
    return f'<div class="notes">{heading}<dl>{items}</dl></div>'


def _html_table(table: Table, caption: bool = False) -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in table.header)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    cap = f"<caption>{escape(table.title)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _html_method(view: View) -> str:
    table = runs_table(view)
    body = (
        _html_table(table, caption=True) if table.rows else f"<p>{escape(view.t('runs.none'))}</p>"
    )
    return f'<section id="method">\n<h2>{escape(view.t("section.method"))}</h2>\n{body}\n</section>'


# --- Markdown --------------------------------------------------------------------------------


def _md_figure(view: View, figure: Figure) -> list[str]:
    out = [f"### {_md(figure.title)}", "", *(f"{_md(line)}  " for line in figure.captions), ""]
    out += [f"*{_md(view.t('no_data.chart'))}*", ""] if figure.empty else []
    out += [*_md_table(figure.table), ""]
    for table in figure.extra:
        out += [f"**{_md(table.title)}**", "", *_md_table(table), ""]
    lines = note_lines(view.section("notes").get(figure.id), view.lang)
    out += [f"**{_md(view.t('notes.title'))}**", ""]
    out += [
        f"- {_md(k)}：{_md(v)}" if view.lang == "zh" else f"- {_md(k)}: {_md(v)}" for k, v in lines
    ]
    return out + ([] if lines else [_md(view.t("notes.missing"))]) + [""]


def _md_table(table: Table) -> list[str]:
    if not table.rows:
        return []
    align = ["---", *("---:" for _ in table.header[1:])]
    lines = [table.header, align, *table.rows]
    return ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in lines]


# Characters that Markdown (or raw HTML inside it) would interpret.
_MD_ESCAPES = str.maketrans(
    {c: f"\\{c}" for c in "\\`*_[]|#"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
)


def _md(value: str) -> str:
    return value.translate(_MD_ESCAPES).replace("\n", " ")


# --- files -----------------------------------------------------------------------------------


def _plain(value: object) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON-ready")


def _write_atomic(path: Path, text: str) -> Path:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        # mkstemp makes the file private; a report is meant to be shared like any other output.
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path

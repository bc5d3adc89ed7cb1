"""Page furniture of the HTML report: the inline stylesheet and the table of collection runs."""

from __future__ import annotations

from collections.abc import Mapping

from synthscope.observe.report import fmt
from synthscope.observe.report._svg import FONT_FAMILY
from synthscope.observe.report.figures import Table, View, number
from synthscope.observe.report.i18n import label

# System fonts only (nothing is fetched); figures never split across printed pages.
CSS = f"""
:root {{ color-scheme: light; }}
body {{ margin: 0; background: #ffffff; color: #222222;
  font-family: {FONT_FAMILY}; line-height: 1.55; }}
main {{ max-width: 860px; margin: 0 auto; padding: 24px 20px 48px; }}
h1 {{ font-size: 1.7rem; margin: 0.2em 0; }}
h2 {{ font-size: 1.3rem; margin-top: 2em; border-bottom: 2px solid #0072B2; padding-bottom: 4px; }}
h3 {{ font-size: 1.05rem; margin: 0 0 8px; }}
h4 {{ font-size: 0.9rem; margin: 0 0 4px; color: #444444; }}
.meta {{ color: #555555; margin: 2px 0; }}
nav ol {{ padding-left: 1.4em; }}
figure {{ margin: 28px 0; padding: 16px; border: 1px solid #e3e3e3; border-radius: 6px;
  break-inside: avoid; page-break-inside: avoid; }}
.plot svg {{ display: block; max-width: 100%; height: auto; margin: 8px auto; }}
figcaption p {{ margin: 2px 0; font-size: 0.92rem; }}
table {{ border-collapse: collapse; margin: 10px 0; font-size: 0.86rem; }}
caption {{ text-align: left; font-weight: 600; padding-bottom: 4px; }}
th, td {{ border: 1px solid #dddddd; padding: 3px 8px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
th {{ background: #f4f6f8; }}
details.data summary {{ cursor: pointer; color: #0072B2; font-size: 0.9rem; }}
.notes {{ margin-top: 10px; padding: 8px 12px; background: #f7f7f7; border-left: 3px solid #999999;
  font-size: 0.85rem; }}
.notes dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }}
.notes dt {{ color: #555555; }}
.notes dd {{ margin: 0; overflow-wrap: anywhere; }}
footer {{ margin-top: 3em; color: #666666; font-size: 0.85rem; }}
@media print {{
  main {{ max-width: none; padding: 0; }}
  nav, details.data summary {{ display: none; }}
  figure {{ border: none; padding: 0; }}
  * {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
}}
"""

_RUN_COLUMNS: tuple[str, ...] = (
    "id",
    "source",
    "query",
    "started_at",
    "finished_at",
    "status",
    "read",
    "imported",
    "skipped",
)
_CODE_COLUMNS: Mapping[str, str] = {"status": "status", "source": "platform"}
_COUNT_COLUMNS = frozenset({"read", "imported", "skipped"})


def runs_table(view: View) -> Table:
    """One row per collection run, in report order; empty when no runs were recorded."""
    raw = view.report.get("runs")
    runs = [run for run in raw if isinstance(run, Mapping)] if isinstance(raw, list) else []
    header = tuple(view.t(f"run.{column}") for column in _RUN_COLUMNS)
    rows = tuple(tuple(_run_cell(view, run, column) for column in _RUN_COLUMNS) for run in runs)
    return Table(view.t("runs.title"), header, rows)


def _run_cell(view: View, run: Mapping[str, object], column: str) -> str:
    value = run.get(column)
    if column in _COUNT_COLUMNS:
        return fmt.fmt_int(number(value))
    if column.endswith("_at"):
        return fmt.fmt_datetime(value)
    if column in _CODE_COLUMNS and value is not None:
        return label(_CODE_COLUMNS[column], str(value), view.lang)
    return fmt.DASH if value in (None, "") else str(value)

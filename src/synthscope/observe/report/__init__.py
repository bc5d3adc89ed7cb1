"""The trends report: render a report dict (built from the store) as HTML, Markdown and JSON.

``report.json`` follows the schema in ``report.schema.json`` (``synthscope.report/1``); see
``docs/report.md``. Rendering reads only the dict, so a saved ``report.json`` can be re-rendered.
"""

from synthscope.observe.report.render import (
    SCHEMA_PATH,
    render_html,
    render_json,
    render_markdown,
    validate_report,
    write_report,
)

__all__ = [
    "SCHEMA_PATH",
    "render_html",
    "render_json",
    "render_markdown",
    "validate_report",
    "write_report",
]

#!/usr/bin/env bash
# The main job on the embedded default: install synthscope into .venv, import the trend lists
# (the reference paper lists in $SYNTHSCOPE_REFERENCE_DATA/trends/lists, plus any files given as
# arguments) into the SQLite store in the user data directory, write the trends report to
# out/report/ (report.html, report.md, report.json), then start the web service (public checking
# page, dashboard, API) on http://127.0.0.1:8000 until Ctrl-C. Re-running changes nothing in the
# store. SYNTHSCOPE_NO_SERVE=1 stops after the report (scripts, CI).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
REF="${SYNTHSCOPE_REFERENCE_DATA:-../shared/data}"
LANG_OPT="${SYNTHSCOPE_LANG:-en}"
if [ -d "$REF/trends/lists" ]; then
  for f in "$REF"/trends/lists/*.tsv "$REF"/trends/lists/*.md; do
    case "$f" in *LICENSE*) continue ;; esac
    [ -f "$f" ] && .venv/bin/synthscope observe import "$f" --kind paper
  done
else
  echo "note: no reference lists at $REF/trends/lists; importing only the files given." >&2
fi
for f in "$@"; do
  .venv/bin/synthscope observe import "$f"
done
.venv/bin/synthscope --lang "$LANG_OPT" observe report --out out/report
if [ -z "${SYNTHSCOPE_NO_SERVE:-}" ]; then
  # Two worker processes where there are two cores: image checks then keep p99 under 1 s at 20
  # concurrent clients (benchmarks/service.py); SYNTHSCOPE_SERVE_WORKERS overrides.
  WORKERS="${SYNTHSCOPE_SERVE_WORKERS:-$(( $(nproc) >= 2 ? 2 : 1 ))}"
  echo "Report written to out/report/. Serving http://127.0.0.1:8000 with $WORKERS worker(s) (Ctrl-C to stop)." >&2
  exec .venv/bin/synthscope serve --host 127.0.0.1 --port 8000 --workers "$WORKERS"
fi

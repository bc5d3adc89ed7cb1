#!/usr/bin/env bash
# The test command: installs the project with its dev extras into .venv, then runs the unit tests,
# the conformance suite on the reference data (SYNTHSCOPE_REFERENCE_DATA, default ../shared/data;
# skipped with a reason when absent), ruff lint and format checks.
# PostgreSQL store tests run when SYNTHSCOPE_TEST_DATABASE_URL is set (.ci/run sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
# reference implementation for the watermark interop tests only; its declared deps pull in torch
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps invisible-watermark==0.2.0
if [ -z "${SYNTHSCOPE_TEST_DATABASE_URL:-}" ]; then
  echo "note: SYNTHSCOPE_TEST_DATABASE_URL is not set: PostgreSQL store tests will be skipped." >&2
fi
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest "$@"

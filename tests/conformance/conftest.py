"""The conformance suite reads real reference data found through SYNTHSCOPE_REFERENCE_DATA."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def reference_root() -> Path:
    configured = Path(os.environ.get("SYNTHSCOPE_REFERENCE_DATA", "../shared/data"))
    return configured if configured.is_absolute() else (REPO / configured).resolve()


@pytest.fixture(scope="session")
def reference_data() -> Path:
    root = reference_root()
    if not root.is_dir():
        pytest.skip(f"reference data not found at {root} (set SYNTHSCOPE_REFERENCE_DATA)")
    return root


@pytest.fixture(scope="session")
def trend_lists(reference_data: Path) -> Path:
    lists = reference_data / "trends" / "lists"
    if not lists.is_dir():
        pytest.skip(f"no trend lists at {lists}")
    return lists

"""The public surface is small and explicit (STYLE.md rule 1)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import synthscope


def test_all_is_exactly_the_public_names() -> None:
    public = {name for name in dir(synthscope) if not name.startswith("_")}
    modules = {"config", "errors", "observe", "store", "cli", "check", "media", "service"}
    assert set(synthscope.__all__) - {"__version__"} == public - modules
    for name in synthscope.__all__:
        assert getattr(synthscope, name) is not None


def test_public_names_load_on_first_use_without_the_checking_stack() -> None:
    code = (
        "import sys, synthscope.observe._table as t; "
        "print([m for m in ('synthscope.check.scan', 'synthscope.config') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert synthscope.Item is synthscope.observe.items.Item
    with pytest.raises(AttributeError):
        synthscope.no_such_name  # noqa: B018


def test_error_tree_exit_codes() -> None:
    from synthscope import ExitCode, InputError, RecordError, SourceError, StorageError, UsageError

    assert [e.exit_code for e in (UsageError, InputError, SourceError, StorageError)] == [
        ExitCode.USAGE,
        ExitCode.INPUT,
        ExitCode.SOURCE,
        ExitCode.STORAGE,
    ]
    assert issubclass(RecordError, InputError)
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 4, 5]

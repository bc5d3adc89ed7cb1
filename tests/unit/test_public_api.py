"""The public surface is small and explicit (STYLE.md rule 1)."""

from __future__ import annotations

import synthscope


def test_all_is_exactly_the_public_names() -> None:
    public = {name for name in vars(synthscope) if not name.startswith("_")}
    modules = {"config", "errors", "observe", "store", "cli", "check"}
    assert set(synthscope.__all__) - {"__version__"} == public - modules
    for name in synthscope.__all__:
        assert getattr(synthscope, name) is not None


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

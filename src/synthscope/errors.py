"""One exception tree for synthscope.

Every error a user can cause or meet derives from :class:`SynthscopeError`; each class carries the
process exit code the CLI uses (see CONTRACTS.md). Third-party errors are mapped at the boundary
(``raise InputError(...) from exc``) so callers never have to know which library failed.

::

    SynthscopeError                exit 1 (unexpected, should not happen)
    ├── UsageError                 exit 2  bad option, unknown keyword set, bad --map
    ├── InputError                 exit 3  a file or record that cannot be read
    │   └── RecordError                     one bad row (file + row named); import keeps the rest
    ├── SourceError                exit 4  a source or peer could not be reached
    └── StorageError               exit 5  the database cannot be opened, migrated or written
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes; stable, documented in CONTRACTS.md."""

    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    INPUT = 3
    SOURCE = 4
    STORAGE = 5


class SynthscopeError(Exception):
    """Base of every synthscope error; ``str(err)`` is one sentence fit for a user."""

    exit_code: ExitCode = ExitCode.UNEXPECTED


class UsageError(SynthscopeError):
    """The command or its options were used wrongly."""

    exit_code = ExitCode.USAGE


class InputError(SynthscopeError):
    """A file or record cannot be read; the message names it."""

    exit_code = ExitCode.INPUT


class RecordError(InputError):
    """One record of an input file is bad; importers collect these and go on."""

    def __init__(self, message: str, *, file: str = "", row: int | None = None) -> None:
        self.file = file
        self.row = row
        where = (
            f"{file}, row {row}: " if file and row is not None else (f"{file}: " if file else "")
        )
        super().__init__(f"{where}{message}")
        self.reason = message


class SourceError(SynthscopeError):
    """A source or peer could not be reached or answered unusably."""

    exit_code = ExitCode.SOURCE


class StorageError(SynthscopeError):
    """The store cannot be opened, migrated or written."""

    exit_code = ExitCode.STORAGE

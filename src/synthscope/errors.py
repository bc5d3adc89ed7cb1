"""One exception tree for synthscope.

Every error a user can cause or meet derives from :class:`SynthscopeError`; each class carries the
process exit code the CLI uses (see CONTRACTS.md). Third-party errors are mapped at the boundary
(``raise InputError(...) from exc``) so callers never have to know which library failed.

::

    SynthscopeError                exit 1 (unexpected, should not happen)
    ├── UsageError                 exit 2  bad option, unknown keyword set, bad --map
    ├── InputError                 exit 3  a file or record that cannot be read
    │   ├── RecordError                     one bad row (file + row named); import keeps the rest
    │   └── MediaError                      a media file that cannot be opened, or breaks a limit
    ├── SourceError                exit 4  a source or peer could not be reached
    └── StorageError               exit 5  the database cannot be opened, migrated or written
"""

from __future__ import annotations

import errno
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
    """Base of every synthscope error; ``str(err)`` is one sentence fit for a user.

    ``zh`` optionally carries the same sentence in Chinese; :meth:`localized` picks the one for
    the user's ``--lang`` (English when no translation was given).
    """

    exit_code: ExitCode = ExitCode.UNEXPECTED

    def __init__(self, message: str, *, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh

    def localized(self, lang: str) -> str:
        """The message in ``lang`` (zh or en)."""
        return self.zh if lang == "zh" and self.zh else str(self)


class UsageError(SynthscopeError):
    """The command or its options were used wrongly."""

    exit_code = ExitCode.USAGE


class InputError(SynthscopeError):
    """A file or record cannot be read; the message names it."""

    exit_code = ExitCode.INPUT


class RecordError(InputError):
    """One record of an input file is bad; importers collect these and go on."""

    def __init__(
        self, message: str, *, file: str = "", row: int | None = None, zh: str | None = None
    ) -> None:
        self.file = file
        self.row = row
        where = (
            f"{file}, row {row}: " if file and row is not None else (f"{file}: " if file else "")
        )
        where_zh = (
            f"{file}，第 {row} 行：" if file and row is not None else (f"{file}：" if file else "")
        )
        super().__init__(f"{where}{message}", zh=f"{where_zh}{zh}" if zh else None)
        self.reason = message


class SourceError(SynthscopeError):
    """A source or peer could not be reached or answered unusably."""

    exit_code = ExitCode.SOURCE


class StorageError(SynthscopeError):
    """The store cannot be opened, migrated or written."""

    exit_code = ExitCode.STORAGE


class MediaError(InputError):
    """A media file is empty, truncated, of another type than its name says, or over a limit."""


# Why the operating system refused a file operation, in words (no errno numbers, no reprs).
_OS_WORDS = {
    errno.ENOENT: ("the file does not exist", "文件不存在"),
    errno.EACCES: ("permission denied", "没有权限"),
    errno.EPERM: ("permission denied", "没有权限"),
    errno.EISDIR: ("it is a folder", "它是文件夹"),
    errno.ENOTDIR: ("a part of the path is not a folder", "路径中有一段不是文件夹"),
    errno.ENOSPC: ("no space left on the device", "磁盘空间不足"),
    errno.EROFS: ("the file system is read-only", "文件系统只读"),
    errno.ENAMETOOLONG: ("the name is too long", "文件名太长"),
    errno.ELOOP: ("too many symbolic links", "符号链接层数过多"),
}


def os_words(exc: BaseException | None) -> tuple[str, str]:
    """Why the operating system refused, in English and Chinese, without an errno number."""
    found = _OS_WORDS.get(getattr(exc, "errno", None) or 0)
    if found:
        return found
    text = (getattr(exc, "strerror", None) or "the operating system refused it").rstrip(".")
    return text, f"操作系统拒绝（{text}）"

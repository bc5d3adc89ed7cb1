"""The ``file`` source: import items from CSV, TSV, JSON lines, JSON, XLSX and Markdown files.

Rows become :class:`Item` objects through :func:`synthscope.observe.normalize.identify`, so the same
video imported from two exports (one with a tracking-laden share link, one with the canonical URL)
deduplicates. A row that cannot be read is reported as a :class:`RecordError` in its batch and the
import goes on; a file that cannot be read at all is an :class:`InputError`.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

from synthscope.errors import InputError, RecordError, UsageError
from synthscope.observe.items import KINDS, Item
from synthscope.observe.normalize import find_arxiv_ids, identify
from synthscope.observe.sources._columns import (
    FIELDS,
    check_field,
    missing_url_error,
    parse_mapping,
    resolve_columns,
)
from synthscope.observe.sources._rows import (
    RowContext,
    RowConverter,
    item_year,
    platform_name,
)
from synthscope.observe.sources._tabular import (
    Reader,
    RowResult,
    open_text,
    read_delimited,
    read_json,
    read_jsonl,
    read_xlsx,
    sniff_delimiter,
    sniff_format,
)
from synthscope.observe.sources._whole import read_whole
from synthscope.observe.sources.base import Batch, Checkpoint, Source

__all__ = ["FIELDS", "FileSource", "parse_mapping"]

# Link texts that label a link rather than name the paper ('[Paper](https://arxiv.org/...)').
_GENERIC_LINK_TEXT = frozenset(
    {"paper", "pdf", "arxiv", "link", "here", "abs", "abstract", "preprint", "code", "project"}
)
_MD_LINK = re.compile(r"\[([^\[\]]+)\]\(([^()\s]*(?:\([^()\s]*\)[^()\s]*)*)\)")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_MD_MARKS = re.compile(r"\*\*|__|[*`]")
_MD_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _delimited(delimiter: str) -> Reader:
    return lambda path, file: read_delimited(path, file, delimiter)


def _sniffed(path: Path, file: str) -> Iterator[RowResult]:
    return read_delimited(path, file, sniff_delimiter(path, file))


# File extension -> format; other extensions are sniffed (see sniff_format).
_FORMATS: dict[str, str] = {
    "csv": "csv",
    "tsv": "tsv",
    "tab": "tsv",
    "jsonl": "jsonl",
    "ndjson": "jsonl",
    "json": "json",
    "xlsx": "xlsx",
    "xlsm": "xlsx",
    "md": "markdown",
    "markdown": "markdown",
}
_READERS: dict[str, Reader] = {
    "csv": _delimited(","),
    "tsv": _delimited("\t"),
    "delimited": _sniffed,
    "jsonl": read_jsonl,
    "json": read_json,
    "xlsx": read_xlsx,
}
_DELIMITERS = {"csv": ",", "tsv": "\t"}
# Formats whose cells are always text (the converter then takes a shortcut for ``raw``).
_TEXT_FORMATS = frozenset({"csv", "tsv", "delimited"})
SPAWN_MIN_BYTES = 20 << 20
_UNSUPPORTED = frozenset({"xls", "numbers", "ods"})


class FileSource(Source):
    """Items from a local file; the query is the file's path.

    Checkpoints are ``{"row": N}``: N is the last row read, so resuming skips rows up to N.
    With ``columnar`` (the import pipeline sets it), delimited text files come as table batches
    (:class:`synthscope.observe._table.TableBatch`) instead of items. With ``whole`` as well, a
    UTF-8 file up to 256 MB is read at once and its rows are batched by the line where their item
    is first seen (:mod:`synthscope.observe._first_seen`); its checkpoints then also carry
    ``"first_seen": true``.
    """

    def __init__(
        self,
        *,
        platform: str | None = None,
        kind: str | None = None,
        mapping: Mapping[str, str] | None = None,
        batch_size: int = 20_000,
        observed_at: datetime | None = None,
        columnar: bool = False,
        whole: bool = True,
    ) -> None:
        self.platform = platform
        self.kind = kind
        self.mapping = dict(mapping or {})
        self.batch_size = batch_size
        self.observed_at = observed_at
        self.columnar = columnar
        self.whole = whole

    def fetch_iter(self, query: str, checkpoint: Checkpoint | None = None) -> Iterator[Batch]:
        """Yield batches of items read from the file at ``query``.

        Raises:
            UsageError: a bad ``kind``, ``batch_size`` or ``mapping`` field.
            InputError: the file is missing, a directory, empty, undecodable, corrupt, or has no
                URL column (the message names the file).
        """
        self._check_options()
        path = Path(query)
        file = str(path)
        _check_readable(path, file)
        start = _start_row(checkpoint)
        observed_at = self.observed_at or _mtime(path)
        context = RowContext(file, platform_name(self.platform), self.kind, observed_at)
        kind = _kind_of(path, file)
        if not (self.columnar and kind in _TEXT_FORMATS):
            rows = _results(path, context, self.mapping, start, kind)
            yield from _batches(rows, self.batch_size)
            return
        # Delimited text, for the pipeline: whole batches read column-wise (observe._table).
        from synthscope.observe._first_seen import FIRST_SEEN, first_seen_batches
        from synthscope.observe._table import table_batches

        first_seen = bool((checkpoint or {}).get(FIRST_SEEN))
        if self.whole and (start == 0 or first_seen):
            delimiter = _DELIMITERS.get(kind) or sniff_delimiter(path, file)
            lines = read_whole(path, file, delimiter)
            whole = None
            if lines is not None:
                whole = first_seen_batches(lines, context, self.mapping, start, self.batch_size)
            if whole is not None:
                yield from whole
                return
            # A run begun on the whole file resumes streaming only if the file changed reader
            # (a new synthscope): from the top, as re-reading rows changes nothing stored.
            start = 0 if first_seen else start

        def row_path(records: Iterator[RowResult]) -> Iterator[Batch]:
            rows = _tabular_results(records, context, self.mapping, start, text_only=True)
            return _batches(rows, self.batch_size)

        records = _READERS[kind](path, file)
        yield from table_batches(records, context, self.mapping, start, self.batch_size, row_path)

    def worth_a_second_process(self, query: str) -> bool:
        """A column-wise text file under SPAWN_MIN_BYTES is read here: the spawned reading
        process costs about 0.4 s to start, more than it saves on a small file (100,000 rows
        of the observe benchmark, 10 MB: 1.20 s in one process, 1.55 s in two; even at about
        200,000 rows, 21 MB). Forked readers (the row path) start in milliseconds."""
        path = Path(query)
        try:
            kind = _kind_of(path, str(path))
            small = path.stat().st_size < SPAWN_MIN_BYTES
        except (OSError, InputError):
            return True  # fetch_iter says what is wrong with the file
        return not (self.columnar and kind in _TEXT_FORMATS and small)

    def _check_options(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise UsageError(f"Unknown kind {self.kind!r}; kinds: {', '.join(KINDS)}.")
        if self.batch_size < 1:
            raise UsageError("batch_size must be at least 1.")
        for target in self.mapping.values():
            check_field(target)

    @classmethod
    def examples(cls) -> list[tuple[Source, str]]:
        """Small generated files (CSV, JSON lines, Markdown) in a fresh temporary folder."""
        folder = Path(tempfile.mkdtemp(prefix="synthscope-file-"))
        files = {
            "videos.csv": "链接,标题,播放量,发布时间\n"
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ,Deepfake demo,1.2万,2021-03-04\n"
            "https://www.bilibili.com/video/BV1xx411c7mD,换脸教程,3.3k,2020-05-01\n",
            "posts.jsonl": '{"url": "https://weibo.com/1234567890/Mabcdefgh", "likes": "10万+"}\n',
            "papers.md": "- [Deepfake detection survey](https://arxiv.org/abs/2001.00179)\n",
        }
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        return [(cls(), str(folder / name)) for name in files]


def _kind_of(path: Path, file: str) -> str:
    """The file's format: by its extension, else sniffed from its first bytes."""
    return _FORMATS.get(path.suffix.lower().lstrip(".")) or sniff_format(path, file)


def count_lines(path: Path) -> int | None:
    """Physical lines of a text export (for a progress bar); None for XLSX/JSON or on error.

    One pass over the bytes in 1 MiB chunks: about 0.1 s per 100 MB here.
    """
    if path.suffix.lower().lstrip(".") in {"xlsx", "json"}:
        return None
    try:
        with path.open("rb") as stream:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
    except OSError:
        return None


# --- file checks ---------------------------------------------------------------------------------


def _check_readable(path: Path, file: str) -> None:
    """Raises InputError for a missing file, a directory or an unsupported spreadsheet format."""
    if not path.exists():
        raise InputError(f"{file}: no such file.", zh=f"{file}：文件不存在。")
    if path.is_dir():
        raise InputError(
            f"{file}: is a directory, not a file.", zh=f"{file}：这是文件夹，不是文件。"
        )
    if path.suffix.lower().lstrip(".") in _UNSUPPORTED:
        raise InputError(
            f"{file}: this spreadsheet format is not supported; save it as .xlsx or .csv."
        )
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise InputError(f"{file}: cannot be opened ({exc.strerror}).") from exc


def _start_row(checkpoint: Checkpoint | None) -> int:
    """Raises UsageError for a checkpoint that is not ``{"row": N}``."""
    row = (checkpoint or {}).get("row", 0)
    if type(row) is not int or row < 0:
        raise UsageError(f"A file checkpoint is {{'row': N}}, not {checkpoint!r}.")
    return row


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


# --- rows to items -------------------------------------------------------------------------------

Result = tuple[int, Item | RecordError]


def _results(
    path: Path, context: RowContext, mapping: Mapping[str, str], start: int, kind: str
) -> Iterator[Result]:
    """(row, item or error) for every row after ``start``, rows in file order."""
    if kind == "markdown":
        return _markdown_results(path, context, start)
    records = _READERS[kind](path, context.file)
    return _tabular_results(records, context, mapping, start, text_only=kind in _TEXT_FORMATS)


def _tabular_results(
    records: Iterator[RowResult],
    context: RowContext,
    mapping: Mapping[str, str],
    start: int,
    *,
    text_only: bool,
) -> Iterator[Result]:
    # JSON objects may differ in their keys: one converter per distinct key tuple.
    converters: dict[tuple[str, ...], RowConverter] = {}
    for record in records:
        if isinstance(record, RecordError):
            if (record.row or 0) > start:
                yield record.row or 0, record
            continue
        number, columns, values = record
        if number <= start:
            continue
        converter = converters.get(columns)
        if converter is None:
            plan = resolve_columns(columns, mapping, file=context.file)
            if not converters and not plan.has_url:
                raise missing_url_error(context.file, columns)
            converter = RowConverter(plan, context, text_only=text_only)
            converters[columns] = converter
        yield number, converter.convert(number, values)


# --- Markdown ------------------------------------------------------------------------------------


def _markdown_results(path: Path, context: RowContext, start: int) -> Iterator[Result]:
    """One paper per arXiv id on each line; lines without ids are ignored."""
    with open_text(path, context.file) as stream:
        for number, line in enumerate(stream, start=1):
            if number <= start:
                continue
            for arxiv in find_arxiv_ids(line):
                yield number, _paper(arxiv, line, context)


def _paper(arxiv: str, line: str, context: RowContext) -> Item:
    identity = identify(f"https://arxiv.org/abs/{arxiv}")
    return Item(
        platform=identity.platform,
        platform_id=identity.platform_id,
        kind=identity.kind or "paper",
        url=identity.url,
        title=_markdown_title(arxiv, line),
        year=item_year(identity, None),
        observed_at=context.observed_at,
        raw={"line": line.strip()},
    )


def _markdown_title(arxiv: str, line: str) -> str | None:
    """The text of the link to this paper; for a generic link ('[Paper](...)') the prose before
    it on the line (curated lists write 'Title, *Venue* 2021: [Paper](...)'); else bold text."""
    for match in _MD_LINK.finditer(line):
        if arxiv not in find_arxiv_ids(match.group(2)):
            continue
        text = match.group(1).strip()
        if text.lower() not in _GENERIC_LINK_TEXT:
            return text
        return _prose(line[: match.start()]) or _bold(line)
    return _bold(line)


def _bold(line: str) -> str | None:
    bold = _MD_BOLD.search(line)
    if bold is None:
        return None
    return (bold.group(1) or bold.group(2)).strip() or None


def _prose(text: str) -> str | None:
    """Markdown text without links, emphasis, list markers and trailing separators."""
    plain = _MD_LINK.sub(lambda m: m.group(1), text)
    plain = _MD_MARKS.sub("", plain)
    plain = _MD_BULLET.sub("", plain).strip().rstrip(" :.,;-|(").strip()
    return plain if len(plain) >= 3 else None


# --- batching ------------------------------------------------------------------------------------


def _batches(results: Iterator[Result], size: int) -> Iterator[Batch]:
    """Group results into batches of about ``size`` rows, never splitting one row's items."""
    items: list[Item] = []
    skipped: list[RecordError] = []
    read, last = 0, -1
    for number, result in results:
        if number != last:
            if read >= size:
                yield Batch(items, {"row": last}, skipped, read)
                items, skipped, read = [], [], 0
            read, last = read + 1, number
        if isinstance(result, Item):
            items.append(result)
        else:
            skipped.append(result)
    if read:
        yield Batch(items, {"row": last}, skipped, read)

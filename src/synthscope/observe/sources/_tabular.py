"""Streaming readers for tabular files: CSV/TSV, JSON lines, JSON arrays and XLSX.

Every reader yields ``(row, columns, values)`` records or a :class:`RecordError` for a row it could
not read, so one broken row never stops an import. Row numbers are physical line numbers (header =
line 1) for text files and sheet row numbers for XLSX, so a user can find the row in an editor.

CSV rows without a quote character (nearly all rows of a platform export) are split with
``str.split``, several times faster than :mod:`csv`; quoted rows go through :mod:`csv` in strict
mode so an unterminated quote is reported instead of silently swallowing the rest of the file.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from synthscope.errors import InputError, RecordError

Record = tuple[int, tuple[str, ...], Sequence[object]]
RowResult = Record | RecordError
Reader = Callable[[Path, str], Iterator[RowResult]]
NumberedLines = Iterator[tuple[int, str]]

_CHUNK = 1 << 20
# A quoted field may legitimately span lines (multi-line descriptions); past this many lines an
# open quote is taken to be broken, so a stray quote cannot swallow a million-row file.
_MAX_RECORD_LINES = 500
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_BROKEN_QUOTE = "broken quote (unterminated or stray '\"')"
_BROKEN_QUOTE_ZH = "引号不完整（未闭合或多余的 '\"'）"
_JSON_ARRAY_KEYS = ("items", "data", "results", "records", "list", "rows")


# --- decoding ----------------------------------------------------------------------------------


def detect_encoding(path: Path, file: str) -> str:
    """The codec that decodes the whole file: BOM first, else UTF-8, else GB18030.

    Raises:
        InputError: the file is empty or neither codec decodes it.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
    if not head:
        raise InputError(f"{file}: the file is empty.", zh=f"{file}：文件是空的。")
    marked = bom_encoding(head)
    candidates = [marked] if marked else ["utf-8", "gb18030"]
    for encoding in candidates:
        if _decodes(path, encoding):
            return encoding
    raise InputError(
        f"{file}: cannot decode as UTF-8 or GB18030.",
        zh=f"{file}：无法按 UTF-8 或 GB18030 解码。",
    )


def bom_encoding(head: bytes) -> str | None:
    """The codec a byte order mark at the start of ``head`` names, None without one."""
    return next((enc for bom, enc in _BOMS if head.startswith(bom)), None)


def _decodes(path: Path, encoding: str) -> bool:
    """Whether every byte decodes; done in chunks so memory stays flat on huge files."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def open_text(path: Path, file: str) -> IO[str]:
    """Open ``path`` as text in the detected encoding, line endings untouched (for :mod:`csv`)."""
    return path.open(encoding=detect_encoding(path, file), newline="")


def sniff_format(path: Path, file: str) -> str:
    """Guess the format of a file whose extension says nothing: xlsx, jsonl or delimited."""
    with path.open("rb") as handle:
        if handle.read(4) == b"PK\x03\x04":
            return "xlsx"
    with open_text(path, file) as stream:
        sample = stream.read(64 * 1024)
    return "jsonl" if sample.lstrip().startswith("{") else "delimited"


def sniff_delimiter(path: Path, file: str) -> str:
    """The delimiter among , TAB ; | that :class:`csv.Sniffer` picks (comma when unsure)."""
    with open_text(path, file) as stream:
        sample = "".join(line for _, line in zip(range(50), stream, strict=False))
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


# --- delimited text ------------------------------------------------------------------------------


def read_delimited(path: Path, file: str, delimiter: str) -> Iterator[RowResult]:
    """Records of a CSV/TSV file; a bad row becomes a RecordError and reading goes on.

    Raises:
        InputError: the file is missing a header (empty) or cannot be decoded.
    """
    with open_text(path, file) as stream:
        lines: NumberedLines = enumerate(stream, start=1)
        header = _header(lines, delimiter, file)
        yield from _DelimitedRows(header, delimiter, file).rows(lines)


def _header(lines: NumberedLines, delimiter: str, file: str) -> tuple[str, ...]:
    for _, line in lines:
        if line.strip():
            return _DelimitedRows.header_of(line, delimiter)
    raise InputError(f"{file}: the file is empty.", zh=f"{file}：文件是空的。")


class _DelimitedRows:
    """Splits data lines into fields, recovering from broken quotes and bad field counts."""

    def __init__(self, header: tuple[str, ...], delimiter: str, file: str) -> None:
        self.header = header
        self.width = len(header)
        self.delimiter = delimiter
        self.file = file

    def rows(self, base: NumberedLines) -> Iterator[RowResult]:
        header, width, delimiter = self.header, self.width, self.delimiter
        lines: NumberedLines = base
        while True:
            for number, line in lines:
                if '"' not in line:
                    fields = line.rstrip("\r\n").split(delimiter)
                    if len(fields) == width:
                        yield number, header, fields
                    elif line.strip():
                        yield self._checked(number, fields)
                    continue
                result, leftover = self._quoted(number, line, lines)
                yield result
                if leftover:
                    lines = _Pushback.wrap(lines, leftover)
                    break
            else:
                return

    @staticmethod
    def header_of(line: str, delimiter: str) -> tuple[str, ...]:
        """The column names in a header line, as :func:`read_delimited` reads them."""
        row = next(csv.reader([line], delimiter=delimiter), [])
        return tuple(cell.strip() for cell in row)

    def one_line(self, number: int, line: str) -> RowResult | str | None:
        """What :meth:`rows` makes of ``line`` (no line ending) when the record ends on it:
        a record, an error, None for a blank line, or 'open' when a quote stays open."""
        if '"' not in line:
            fields = line.split(self.delimiter)
            if len(fields) == self.width:
                return number, self.header, fields
            return self._checked(number, fields) if line.strip() else None
        outcome = self._parse([line])
        if outcome == "open":
            return "open"
        if isinstance(outcome, list):
            return self._checked(number, outcome)
        fallback = self._plain(line)
        if fallback is not None:
            return number, self.header, fallback
        return self._error(_BROKEN_QUOTE, number, _BROKEN_QUOTE_ZH)

    def _checked(self, number: int, fields: list[str]) -> RowResult:
        """Accept trailing empty fields (spreadsheet exports add them); refuse other counts."""
        if len(fields) == self.width:
            return number, self.header, fields
        if len(fields) > self.width and not any(f.strip() for f in fields[self.width :]):
            return number, self.header, fields[: self.width]
        return self._error(
            f"expected {self.width} fields, found {len(fields)}",
            number,
            f"应有 {self.width} 个字段，实有 {len(fields)} 个",
        )

    def _quoted(
        self, number: int, line: str, lines: NumberedLines
    ) -> tuple[RowResult, list[tuple[int, str]]]:
        """Parse a record that starts at ``line`` and may continue on the following lines.

        Returns the record (or error) and the lines read past it that must be parsed again.
        """
        buffer = [(number, line)]
        while True:
            outcome = self._parse([text for _, text in buffer])
            if outcome != "open" or len(buffer) >= _MAX_RECORD_LINES:
                break
            more = _next_with_quote(lines, buffer)
            if not more:
                break
        if isinstance(outcome, list) and (len(buffer) == 1 or len(outcome) == self.width):
            return self._checked(number, outcome), []
        fallback = self._plain(line)
        if fallback is not None:
            return (number, self.header, fallback), buffer[1:]
        return self._error(_BROKEN_QUOTE, number, _BROKEN_QUOTE_ZH), buffer[1:]

    def _parse(self, texts: list[str]) -> list[str] | str:
        """Fields of the one record in ``texts``, 'open' when a quote is still open, else 'bad'."""
        try:
            rows = list(csv.reader(texts, delimiter=self.delimiter, strict=True))
        except csv.Error as exc:
            return "open" if "unexpected end of data" in str(exc) else "bad"
        return rows[0] if len(rows) == 1 else "bad"

    def _plain(self, line: str) -> list[str] | None:
        """TSV files rarely quote: a tab-separated line with the right width is taken literally."""
        if self.delimiter != "\t":
            return None
        fields = line.rstrip("\r\n").split("\t")
        return fields if len(fields) == self.width else None

    def _error(self, message: str, number: int, zh: str) -> RecordError:
        return RecordError(message, file=self.file, row=number, zh=zh)


class _Pushback:
    """Lines to read again after a broken quote, then the rest of the file."""

    def __init__(self, base: NumberedLines) -> None:
        self.pending: deque[tuple[int, str]] = deque()
        self.base = base

    @classmethod
    def wrap(cls, lines: NumberedLines, leftover: list[tuple[int, str]]) -> _Pushback:
        wrapped = lines if isinstance(lines, _Pushback) else cls(lines)
        wrapped.pending.extendleft(reversed(leftover))
        return wrapped

    def __iter__(self) -> _Pushback:
        return self

    def __next__(self) -> tuple[int, str]:
        return self.pending.popleft() if self.pending else next(self.base)


def _next_with_quote(lines: NumberedLines, buffer: list[tuple[int, str]]) -> bool:
    """Append lines to ``buffer`` up to one holding a quote (only a quote can close the field)."""
    for number, line in lines:
        buffer.append((number, line))
        if '"' in line or len(buffer) >= _MAX_RECORD_LINES:
            return True
    return False


# --- JSON ----------------------------------------------------------------------------------------


def read_jsonl(path: Path, file: str) -> Iterator[RowResult]:
    """Records of a JSON-lines file; a line that is not a JSON object becomes a RecordError."""
    with open_text(path, file) as stream:
        for number, line in enumerate(stream, start=1):
            text = line.strip()
            if not text:
                continue
            try:
                value = json.loads(text)
            except ValueError:
                yield RecordError(
                    "not valid JSON (truncated line?)",
                    file=file,
                    row=number,
                    zh="不是有效的 JSON（行被截断？）",
                )
                continue
            yield _object_record(value, number, file)


def read_json(path: Path, file: str) -> Iterator[RowResult]:
    """Records of a JSON array of objects (or an object wrapping one, as API dumps do).

    The whole document is parsed at once: JSON arrays have no line structure to stream by.

    Raises:
        InputError: the file is not valid JSON or holds no array of objects.
    """
    with open_text(path, file) as stream:
        try:
            document = json.load(stream)
        except ValueError as exc:
            raise InputError(
                f"{file}: not valid JSON ({exc}).", zh=f"{file}：不是有效的 JSON（{exc}）。"
            ) from exc
    for number, value in enumerate(_json_array(document, file), start=1):
        yield _object_record(value, number, file)


def _json_array(document: Any, file: str) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in _JSON_ARRAY_KEYS:
            if isinstance(document.get(key), list):
                return list(document[key])
    raise InputError(
        f"{file}: expected a JSON array of objects.", zh=f"{file}：应为由对象组成的 JSON 数组。"
    )


def _object_record(value: Any, number: int, file: str) -> RowResult:
    if not isinstance(value, dict):
        return RecordError("not a JSON object", file=file, row=number, zh="不是 JSON 对象")
    return number, tuple(str(key) for key in value), list(value.values())


# --- XLSX ----------------------------------------------------------------------------------------


def read_xlsx(path: Path, file: str) -> Iterator[RowResult]:
    """Records of the first sheet of an XLSX workbook, numbered by sheet row.

    Raises:
        InputError: the workbook cannot be opened or read.
    """
    import openpyxl  # type: ignore[import-untyped]  # deferred: importing openpyxl costs ~0.3 s that CSV imports never need

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and key errors for a corrupt file
        raise InputError(f"{file}: cannot read as an XLSX workbook ({exc}).") from exc
    try:
        yield from _sheet_records(book.worksheets[0], file)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{file}: cannot read the XLSX sheet ({exc}).") from exc
    finally:
        book.close()


def _sheet_records(sheet: Any, file: str) -> Iterator[RowResult]:
    # Some writers store a wrong sheet size; without this, read-only mode would stop early.
    sheet.reset_dimensions()
    header: tuple[str, ...] | None = None
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        values = ["" if cell is None else cell for cell in cells]
        if not any(str(value).strip() for value in values):
            continue
        if header is None:
            header = tuple(str(value).strip() for value in values)
            continue
        yield number, header, _fit(values, len(header))
    if header is None:
        raise InputError(f"{file}: the workbook's first sheet is empty.")


def _fit(values: list[object], width: int) -> list[object]:
    return values[:width] if len(values) >= width else values + [""] * (width - len(values))


def cell_text(value: object) -> str:
    """A cell value as the text a user would see (dates in ISO form)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)

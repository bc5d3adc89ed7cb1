"""A whole delimited text file read column-wise by polars, with the streaming reader's results.

:func:`synthscope.observe.sources._tabular.read_delimited` reads a file line by line in Python,
which costs several seconds per million rows. For a UTF-8 file of moderate size the import reads
the whole file at once instead: polars splits it into lines (line numbers stay physical line
numbers), splits the lines without a quote on the delimiter and parses the well-formed quoted
lines with its CSV parser. Any other line (a wrong field count, a stray quote) goes through the
streaming reader's own per-line rules, so every row and every error is exactly what
``read_delimited`` gives; a property test holds the two equal. A record spanning several lines
(an open quote) makes :func:`read_whole` decline the file, and the import streams it instead.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from synthscope.errors import InputError, RecordError
from synthscope.observe._slices import map_slices
from synthscope.observe.sources._tabular import RowResult, _DelimitedRows, bom_encoding

# Larger files are streamed: a whole-file table costs about 2.5 bytes of memory per byte of file.
WHOLE_LIMIT = 256 << 20
_SLICE = 200_000
_CHUNK = 1 << 20
_QUOTED = '"(?:[^"]|"")*"'


@dataclass(slots=True)
class Lines:
    """The data rows of a delimited file: ``frame`` holds rows as ``line`` (physical line
    number) and text columns ``c0 ... c{width-1}``, in line order; ``errors`` the rows that
    could not be read, with their line numbers."""

    header: tuple[str, ...]
    frame: pl.DataFrame
    errors: list[RecordError]
    last: int  # the file's last line number


def read_whole(path: Path, file: str, delimiter: str) -> Lines | None:
    """The whole file as :class:`Lines`, or None when it must be streamed instead (too large,
    not UTF-8, lone carriage returns or NUL bytes, or a record spanning lines; the streaming
    reader then decodes the file or says why it cannot).

    Raises:
        InputError: the file is empty or has no header.
    """
    if path.stat().st_size > WHOLE_LIMIT or _marked_not_utf8(path):
        return None
    if not _one_line_per_newline(path):
        return None
    try:
        text = _lines(path)  # polars refuses any byte that is not UTF-8, as Python's codec does
    except pl.exceptions.PolarsError:
        return None  # not UTF-8 (GB18030, say): the streaming reader decodes it or says why not
    number = _header_index(text)
    if number is None:
        raise InputError(f"{file}: the file is empty.", zh=f"{file}：文件是空的。")
    header_line = str(text[number])
    if header_line.count('"') % 2:  # a header spanning lines: the streaming reader's case
        return None
    header = _DelimitedRows.header_of(header_line, delimiter)
    rows = _DelimitedRows(header, delimiter, file)
    data = pl.DataFrame({"line": pl.int_range(1, len(text) + 1, eager=True), "text": text})
    del text
    # In slices: the split lists and parsed copies of a whole file would double its memory.
    body = data.slice(number + 1)
    parts = map_slices(lambda at: _split(body.slice(at, _SLICE), rows), len(body), _SLICE)
    frames, errors = [], []
    for part in parts:
        if part is None:
            return None
        frames.append(part[0])
        errors += part[1]
    columns = ["line", *_columns(rows.width)]
    frame = pl.concat(frames, rechunk=False) if frames else pl.DataFrame(schema=columns)
    return Lines(header, frame.cast({c: pl.String for c in columns[1:]}), errors, len(data))


def _marked_not_utf8(path: Path) -> bool:
    with path.open("rb") as handle:
        return bom_encoding(handle.read(4)) not in (None, "utf-8-sig")


def _one_line_per_newline(path: Path) -> bool:
    """Whether the file has neither lone carriage returns (Python's text reader ends a line
    there, polars does not) nor NUL bytes; read in chunks, so memory stays flat. A chunk without
    carriage returns (a search, several times faster than counting) has nothing to count."""
    carriage = pairs = 0
    last = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if b"\x00" in chunk:
                return False
            if b"\r" in chunk or last == b"\r":
                carriage += chunk.count(b"\r")
                pairs += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
            last = chunk[-1:]
    return carriage == pairs


def _lines(path: Path) -> pl.Series:
    """Every physical line (CRLF or LF ended, without the ending), empty lines as ''; polars
    drops a UTF-8 byte order mark itself."""
    frame = pl.read_csv(
        path,
        has_header=False,
        separator="\x00",
        quote_char=None,
        infer_schema=False,
        new_columns=["text"],
        raise_if_empty=False,
    )
    if frame.width == 0:
        return pl.Series("text", [], dtype=pl.String)
    return frame.to_series().fill_null("")


def _header_index(text: pl.Series) -> int | None:
    """Index of the first line that is not blank (the header), as the streaming reader finds it."""
    for index, line in enumerate(text):
        if line.strip():
            return index
    return None


def _split(
    data: pl.DataFrame, rows: _DelimitedRows
) -> tuple[pl.DataFrame, list[RecordError]] | None:
    width, delimiter = rows.width, rows.delimiter
    text = data["text"]
    quoted = text.str.contains('"', literal=True)
    plain = ~quoted & (text.str.count_matches(delimiter, literal=True) == width - 1)
    frames = [_plain_fields(data.filter(plain), delimiter, width)]
    candidates = data.filter(quoted)
    sep = re.escape(delimiter)
    field_ = f'(?:{_QUOTED}|[^"{sep}]*)'
    well_formed = candidates["text"].str.contains(f"^{field_}(?:{sep}{field_})*$")
    unquoted = candidates["text"].str.replace_all(_QUOTED, "")
    parsed = well_formed & (unquoted.str.count_matches(delimiter, literal=True) == width - 1)
    if parsed.any():
        frames.append(_quoted_fields(candidates.filter(parsed), delimiter, width))
    others = pl.concat([data.filter(~plain & ~quoted), candidates.filter(~parsed)]).sort("line")
    extra, errors = _per_line(others, rows)
    if extra is None:
        return None
    frames.append(extra)
    return pl.concat(frames).sort("line"), errors


def _columns(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


def _plain_fields(data: pl.DataFrame, delimiter: str, width: int) -> pl.DataFrame:
    parts = data["text"].str.split(delimiter, inclusive=False)
    return pl.DataFrame(
        [data["line"], *(parts.list.get(i).alias(c) for i, c in enumerate(_columns(width)))]
    )


def _quoted_fields(data: pl.DataFrame, delimiter: str, width: int) -> pl.DataFrame:
    """Fields of well-formed quoted lines (each exactly ``width`` fields) by polars' CSV parser."""
    joined = "\n".join(data["text"].to_list()).encode()
    frame = pl.read_csv(
        io.BytesIO(joined),
        has_header=False,
        separator=delimiter,
        quote_char='"',
        infer_schema=False,
        new_columns=_columns(width),
    )
    return pl.DataFrame([data["line"], *(frame[c].fill_null("") for c in _columns(width))])


def _per_line(
    data: pl.DataFrame, rows: _DelimitedRows
) -> tuple[pl.DataFrame | None, list[RecordError]]:
    """The streaming reader's result for each remaining line; None when one opens a record
    that continues on the next line."""
    records: list[RowResult] = []
    for number, line in data.select("line", "text").iter_rows():
        result = rows.one_line(number, line)
        if result == "open":
            return None, []
        if result is not None:
            records.append(result)  # type: ignore[arg-type]
    good = [r for r in records if not isinstance(r, RecordError)]
    columns = _columns(rows.width)
    frame = pl.DataFrame(
        {
            "line": pl.Series([r[0] for r in good], dtype=pl.Int64),
            **{
                c: pl.Series([str(r[2][i]) for r in good], dtype=pl.String)
                for i, c in enumerate(columns)
            },
        }
    )
    return frame, [r for r in records if isinstance(r, RecordError)]

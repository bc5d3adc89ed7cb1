"""The whole-file reader gives exactly the streaming reader's rows and errors, or declines."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthscope.errors import RecordError
from synthscope.observe.sources._tabular import read_delimited
from synthscope.observe.sources._whole import read_whole

SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
cells = st.text(alphabet='ab ,"\t中;', max_size=6)
plain_cells = st.text(alphabet="ab 中", max_size=5)


def _quote(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


# A line: cells joined raw (may be malformed) or quoted properly, or a blank line.
line_ = st.one_of(
    st.lists(cells, min_size=1, max_size=5).map(",".join),
    st.lists(cells, min_size=1, max_size=5).map(lambda cs: ",".join(_quote(c) for c in cs)),
    st.lists(plain_cells, min_size=3, max_size=3).map(",".join),
    st.sampled_from(["", "  ", "a,b,c,,", "a,b", '"a,b",c', 'x"y,z,w', '"a"b,c,d']),
)


def _streamed(path: Path, delimiter: str) -> tuple[list[Any], list[Any]]:
    rows, errors = [], []
    for record in read_delimited(path, path.name, delimiter):
        if isinstance(record, RecordError):
            errors.append((record.row, str(record)))
        else:
            rows.append((record[0], tuple(record[2])))
    return rows, errors


def _whole(path: Path, delimiter: str) -> tuple[list[Any], list[Any]] | None:
    lines = read_whole(path, path.name, delimiter)
    if lines is None:
        return None
    rows = [(row[0], tuple(row[1:])) for row in lines.frame.iter_rows()]
    return rows, [(e.row, str(e)) for e in lines.errors]


@SETTINGS
@given(
    header=st.sampled_from(["url,title,plays", "url,title", "url"]),
    lines=st.lists(line_, max_size=12),
    ending=st.sampled_from(["\n", "\r\n"]),
    last=st.booleans(),
    bom=st.booleans(),
)
def test_whole_file_equals_streaming(
    tmp_path: Path, header: str, lines: list[str], ending: str, last: bool, bom: bool
) -> None:
    path = tmp_path / "rows.csv"
    body = ending.join([header, *lines]) + (ending if last else "")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body.encode())
    whole = _whole(path, ",")
    if whole is not None:
        assert whole == _streamed(path, ",")


def test_a_record_spanning_lines_is_left_to_the_streaming_reader(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text('url,title\nhttps://a.example/1,"two\nlines"\n', encoding="utf-8")
    assert read_whole(path, path.name, ",") is None


@pytest.mark.parametrize(
    "data",
    [
        b"url\r\nx\ry\r\n",
        "url,标题\n".encode("gb18030") + "a,中文\n".encode("gb18030"),
        b"url,title\n" + b"https://a/1,ok\n" * 1000 + b"https://a/2,\xff bad\n",
        b"url,title\nhttps://a/1,\xed\xa0\x80\n",  # an encoded surrogate: not UTF-8
        b"\xff\xfeu\x00r\x00l\x00\n\x00",  # UTF-16 with its byte order mark
    ],
)
def test_lone_carriage_returns_and_gb18030_are_streamed(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(data)
    assert read_whole(path, path.name, ",") is None


def test_tab_separated_rows_read_the_same(tmp_path: Path) -> None:
    path = tmp_path / "rows.tsv"
    path.write_text('url\ttitle\nhttps://a/1\t"quoted"\nhttps://a/2\tx"y\n\nbad\n', "utf-8")
    whole = _whole(path, "\t")
    assert whole is not None and whole == _streamed(path, "\t")
    assert whole[1] == [(5, whole[1][0][1])]


@SETTINGS
@given(data=st.binary().map(lambda b: bytes(b"a\r\n"[x % 3] for x in b)), chunk=st.integers(1, 5))
def test_carriage_returns_are_counted_across_chunks(data: bytes, chunk: int) -> None:
    import synthscope.observe.sources._whole as whole

    saved, whole._CHUNK = whole._CHUNK, chunk
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "rows.csv"
            path.write_bytes(data)
            ends = data.count(b"\r") == data.count(b"\r\n")
            assert whole._one_line_per_newline(path) == ends
    finally:
        whole._CHUNK = saved

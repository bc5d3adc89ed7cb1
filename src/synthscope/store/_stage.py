"""Batches handed to SQLite as a small database image instead of bound value by value.

The sqlite3 module binds every value of every row from Python: for a million-item import that,
and the Python lists and tuples it needs, took about half of the writing process's time. Here a
batch's polars columns go (as Arrow) into a scratch SQLite file written in C by the ADBC SQLite
driver; the file's image is then loaded into the store's connection as the attached in-memory
schema ``synthscope_stage`` (sqlite3's ``deserialize``), and one ``INSERT ... SELECT`` per table
moves the rows into place inside the caller's transaction. On the benchmark's batches the writer's
work fell from about 12.5 to 6.5 seconds (``benchmarks/observe.py``).

The ADBC driver carries its own copy of SQLite. Two copies in one process must never have one file
open at the same time (closing it in one drops the POSIX locks of the other), so ADBC only ever
opens its own scratch file, which it has closed before the image is read; the store's files are
never opened by it.
"""

from __future__ import annotations

import itertools
import struct
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import adbc_driver_manager
import adbc_driver_sqlite
import polars as pl
from sqlalchemy import Connection

SCHEMA = "synthscope_stage"
_SCRATCH_PRAGMAS = (
    "PRAGMA page_size=16384",  # fewer, fuller pages: the image is read and copied once
    "PRAGMA journal_mode=OFF",  # a scratch file: nothing to roll back, nothing to keep
    "PRAGMA synchronous=OFF",
)
# Offset of the schema cookie in a database header. Every image gets a new one: a statement
# prepared against the previous image would otherwise keep reading its tables' root pages.
_COOKIE_AT = 40
_cookies = itertools.count(1)


def attach(dbapi_conn: Any) -> None:
    """Give a new SQLite connection the (empty) schema that batches are loaded into."""
    dbapi_conn.execute(f"ATTACH DATABASE ':memory:' AS {SCHEMA}")


def stage(conn: Connection, tables: Mapping[str, pl.DataFrame]) -> None:
    """Replace the stage schema's tables with ``tables`` (name -> frame, rows in frame order,
    read back in that order by ``ORDER BY rowid``).

    Column types follow the frames: integers are stored as INTEGER, text as TEXT, nulls as NULL;
    anything else (dates, lists) must be converted by the caller.
    """
    with tempfile.TemporaryDirectory(prefix="synthscope-stage-") as folder:
        path = Path(folder) / "stage.db"
        _write(path, tables)
        image = bytearray(path.read_bytes())
    struct.pack_into(">I", image, _COOKIE_AT, next(_cookies) % 0x7FFFFFFF + 1)
    conn.connection.driver_connection.deserialize(image, name=SCHEMA)  # type: ignore[union-attr]


def _write(path: Path, tables: Mapping[str, pl.DataFrame]) -> None:
    database = adbc_driver_sqlite.connect(str(path))
    try:
        connection = adbc_driver_manager.AdbcConnection(database)
        try:
            for pragma in _SCRATCH_PRAGMAS:
                _execute(connection, pragma)
            for name, frame in tables.items():
                _ingest(connection, name, frame)
        finally:
            connection.close()
    finally:
        database.close()


def _execute(connection: adbc_driver_manager.AdbcConnection, sql: str) -> None:
    statement = adbc_driver_manager.AdbcStatement(connection)
    try:
        statement.set_sql_query(sql)
        statement.execute_update()
    finally:
        statement.close()


def _ingest(connection: adbc_driver_manager.AdbcConnection, name: str, frame: pl.DataFrame) -> None:
    if frame.is_empty():  # the driver refuses an empty stream: the table is made by hand
        columns = ", ".join(
            f'"{c}" {"INTEGER" if dtype.is_integer() else "TEXT"}'
            for c, dtype in frame.schema.items()
        )
        _execute(connection, f'CREATE TABLE "{name}" ({columns})')
        return
    statement = adbc_driver_manager.AdbcStatement(connection)
    try:
        statement.set_options(
            **{
                "adbc.ingest.target_table": name,
                "adbc.ingest.mode": "adbc.ingest.mode.create",
            }
        )
        statement.bind_stream(frame.__arrow_c_stream__())
        statement.execute_update()
    finally:
        statement.close()

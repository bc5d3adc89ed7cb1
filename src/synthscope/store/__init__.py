"""The store: SQLAlchemy 2 + Alembic; SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from synthscope.store import service_models as _service_models  # noqa: F401  (registers tables)
from synthscope.store.db import make_engine, migrate, storage_errors

# A scan's page cache: SQLite's default 2 MiB (negative: KiB, as SQLite reads it). Pages read once
# gain nothing from staying in memory; the report's cube query (a GROUP BY over a million items)
# ran in 1.2 s at 2 MiB, 1.3 s at 16 MiB.
SCAN_CACHE_KIB = -2048
# The GROUP BY sorters of a scan in temporary files (the OS page cache holds them) rather than in
# SQLite's in-memory temporary database, which made the same cube query take 2.2 s instead of
# 1.2 s (and the observation-range query 1.6 s instead of 0.7 s) on a million items.
SCAN_TEMP_STORE = "FILE"
# How often a bulk import's WAL is copied into the database file aside (see Store.checkpointing).
CHECKPOINT_EVERY_S = 0.2

log = logging.getLogger(__name__)


class Store:
    """A handle on one database. Construct with a URL; :meth:`open` connects and migrates."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect to ``url`` and bring its schema up to date.

        Raises:
            UsageError: malformed URL or missing driver.
            StorageError: the database cannot be reached or migrated.
        """
        store = cls(url)
        store._engine = make_engine(url)
        migrate(store._engine)
        return store

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine

    @property
    def in_memory(self) -> bool:
        """Whether this is an in-memory SQLite database (each connection its own, empty one)."""
        url = make_url(self.url)
        return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")

    @contextmanager
    def checkpointing(self) -> Iterator[None]:
        """Copy SQLite's write-ahead log into the database file in a thread of its own meanwhile.

        A bulk import's writer would otherwise do that itself: whenever the log passes its
        auto-checkpoint size (one pause of about a second in a million-item import) and when the
        last connection closes. A passive checkpoint waits for no reader or writer, and SQLite
        releases the GIL while it copies and syncs. Elsewhere (PostgreSQL, in-memory SQLite)
        nothing happens. A checkpoint that fails leaves the log to the writer, losing nothing.
        """
        if self.engine.dialect.name != "sqlite" or self.in_memory:
            yield
            return
        done = threading.Event()
        worker = threading.Thread(target=self._checkpoint_until, args=(done,), daemon=True)
        worker.start()
        try:
            yield
        finally:
            done.set()
            worker.join()

    def _checkpoint_until(self, done: threading.Event) -> None:
        try:
            with self.engine.connect() as conn:
                while not done.wait(CHECKPOINT_EVERY_S):
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except SQLAlchemyError as exc:  # the writer checkpoints instead
            log.debug("background checkpoint stopped: %s", exc)

    @contextmanager
    def transaction(self, what: str = "writing") -> Iterator[Connection]:
        """One transaction; database errors become a StorageError naming ``what``."""
        with storage_errors(what), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def reading(self, what: str = "reading") -> Iterator[Connection]:
        """A connection for queries; database errors become a StorageError."""
        with storage_errors(what), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def scanning(self, what: str = "reading") -> Iterator[Connection]:
        """A connection for queries that scan whole tables once: on SQLite its page cache is
        kept small meanwhile, since pages read once gain nothing from staying in memory and
        several such connections at once would each grow a cache of the whole file."""
        with self.reading(what) as conn:
            if conn.dialect.name != "sqlite":
                yield conn
                return
            before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
            temp = int(conn.exec_driver_sql("PRAGMA temp_store").scalar_one())
            conn.exec_driver_sql(f"PRAGMA cache_size={SCAN_CACHE_KIB}")
            conn.exec_driver_sql(f"PRAGMA temp_store={SCAN_TEMP_STORE}")
            try:
                yield conn
            finally:
                conn.exec_driver_sql(f"PRAGMA cache_size={before}")
                conn.exec_driver_sql(f"PRAGMA temp_store={temp}")
                conn.exec_driver_sql("PRAGMA shrink_memory")

    def trim(self) -> None:
        """Close the idle pooled connections (reopened on next use): after a large import,
        their SQLite page caches hold up to 64 MiB each that later reads do not need."""
        if self._engine is not None:
            self._engine.pool.dispose()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


__all__ = ["Store"]

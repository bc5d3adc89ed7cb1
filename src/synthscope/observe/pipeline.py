"""Observe pipeline: a Source's batches -> classify -> store, resumable and idempotent.

Each batch's items, its checkpoint and the run's counters are written in one transaction. A run that
is killed leaves a checkpoint that matches the stored items exactly; the next identical run resumes
there (no gap, no duplicate).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from synthscope.errors import InputError, SynthscopeError
from synthscope.observe._prefetch import can_prefetch, consumer_waiting, prefetched
from synthscope.observe._table import TableBatch, classified_batches, prepare
from synthscope.observe.classify import Classifier
from synthscope.observe.sources.base import Batch, Checkpoint, Source
from synthscope.store import Store
from synthscope.store import runs as run_records
from synthscope.store.items import RunMerges, UpsertCounts, upsert_items
from synthscope.store.items_table import upsert_table

log = logging.getLogger(__name__)

Progress = Callable[[dict[str, int]], None]
MAX_MESSAGES = 1000


@dataclass(slots=True)
class RunSummary:
    """What a run did, for the CLI and for scripts."""

    run_id: int
    source: str
    query: str
    status: str
    resumed: bool
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    errors_zh: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "source": self.source,
            "query": self.query,
            "status": self.status,
            "resumed": self.resumed,
            "counts": self.counts,
            "errors": self.errors[:20],
        }


def run_source(
    store: Store,
    source: Source,
    query: str,
    *,
    params: Mapping[str, Any],
    classifier: Classifier,
    progress: Progress | None = None,
    prefetch: bool | None = None,
) -> RunSummary:
    """Collect ``query`` from ``source`` into ``store``; resume an unfinished identical run.

    ``prefetch`` (default: when the machine has more than one core and the source says it pays
    off, ``Source.worth_a_second_process``) reads and classifies the next batches in a second
    process while this one stores; a table batch that process hands over unclassified (this
    one had nothing queued) is classified here. On SQLite a thread
    checkpoints the write-ahead log meanwhile (``Store.checkpointing``).

    Raises:
        InputError, SourceError: from the source (the run is closed as failed, data kept).
        StorageError: the store cannot be written.
    """
    with store.transaction("starting a run") as conn:
        run = run_records.start_or_resume(conn, source.name, query, dict(params))
    errors_zh: list[str] = []  # this invocation's skip reasons in Chinese, for --lang zh
    # Kept in memory only: a resumed run merges its remaining batches as a new run would.
    merges = RunMerges()
    try:
        with store.checkpointing():
            for batch in _batches(source, query, run.checkpoint, classifier, prefetch):
                if isinstance(batch, TableBatch):
                    prepare(batch, classifier)  # where the reading process left it to us
                _store_batch(store, source.name, run, batch, merges)
                room = MAX_MESSAGES - len(errors_zh)
                errors_zh.extend(e.localized("zh") for e in batch.skipped[: max(room, 0)])
                if progress is not None:
                    position = (run.checkpoint or {}).get("row")
                    progress(
                        {
                            **run.counts,
                            **batch.progress,
                            "position": position if isinstance(position, int) else 0,
                        }
                    )
    except SynthscopeError as exc:
        _close(store, run, "failed", str(exc))
        raise
    except KeyboardInterrupt:
        _close(store, run, "interrupted", "interrupted by the user")
        raise
    _close(store, run, "done", None)
    store.trim()
    return RunSummary(
        run.id, source.name, query, "done", run.resumed, run.counts, run.errors, errors_zh
    )


def _batches(
    source: Source,
    query: str,
    checkpoint: Checkpoint | None,
    classifier: Classifier,
    prefetch: bool | None,
) -> Iterator[Batch]:
    # classified_batches lives in a module that imports no store: a spawned producer starts
    # without loading SQLAlchemy.
    if prefetch is None:
        prefetch = can_prefetch() and source.worth_a_second_process(query)
    if not prefetch:
        return classified_batches(source, query, checkpoint, classifier)
    make = partial(classified_batches, source, query, checkpoint, classifier, consumer_waiting)
    # Column-wise file batches use polars, which a forked producer cannot (see _prefetch).
    return prefetched(make, start="spawn" if getattr(source, "columnar", False) else "fork")


def _store_batch(
    store: Store, source: str, run: run_records.RunState, batch: Batch, merges: RunMerges
) -> None:
    with store.transaction("storing a batch") as conn:
        if isinstance(batch, TableBatch):
            counts, good, kinds = _store_table(conn, source, run, batch)
        else:
            counts = upsert_items(conn, batch.items, source=source, run_id=run.id, merges=merges)
            good, kinds = len(batch.items), Counter(item.kind for item in batch.items)
        run.checkpoint = batch.checkpoint
        run.count("read", batch.read)
        run.count("items", good)
        run.count("new", counts.new)
        run.count("updated", counts.updated)
        run.count("unchanged", counts.unchanged)
        run.count("snapshots", counts.snapshots)
        run.count("skipped", len(batch.skipped))
        for kind, n in kinds.items():
            run.count(f"kind.{kind}", n)
        for name, n in batch.counts.items():
            run.count(name, n)
        run.log.extend(batch.log)
        run.note_errors([str(e) for e in batch.skipped])
        run_records.save_progress(conn, run)


def _store_table(
    conn: Connection, source: str, run: run_records.RunState, batch: TableBatch
) -> tuple[UpsertCounts, int, Mapping[str, int]]:
    observed_at = batch.observed_at or datetime.now(UTC)
    counts = upsert_table(
        conn,
        batch.table,
        observed_at=observed_at,
        source=source,
        run_id=run.id,
        now=datetime.now(UTC),
    )
    return counts, batch.good, batch.kinds


def _close(store: Store, run: run_records.RunState, status: str, message: str | None) -> None:
    with store.transaction("closing a run") as conn:
        run_records.finish(conn, run, status, message)


def file_fingerprint(path: Path) -> dict[str, Any]:
    """Size and modification time: a changed file is a new run, an unchanged one resumes.

    Raises:
        InputError: the file does not exist or is not a regular file.
    """
    try:
        stat = path.stat()
    except OSError as exc:
        raise InputError(
            f"Cannot read {path}: {exc.strerror or exc}.",
            zh=f"无法读取 {path}：{exc.strerror or exc}。",
        ) from exc
    if not path.is_file():
        raise InputError(
            f"Cannot read {path}: not a regular file.", zh=f"无法读取 {path}：不是普通文件。"
        )
    return {"path": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def import_file(
    store: Store,
    path: Path,
    *,
    classifier: Classifier,
    platform: str | None = None,
    kind: str | None = None,
    mapping: Mapping[str, str] | None = None,
    batch_size: int = 50_000,
    observed_at: datetime | None = None,
    progress: Progress | None = None,
    prefetch: bool | None = None,
) -> RunSummary:
    """Import one export file (CSV/TSV/JSONL/JSON/XLSX/Markdown) into the store.

    Raises:
        InputError: the file cannot be read at all (bad rows are skipped and reported instead).
        StorageError: the store cannot be written.
    """
    from synthscope.observe.sources.file import FileSource

    source = FileSource(
        platform=platform,
        kind=kind,
        mapping=mapping,
        batch_size=batch_size,
        observed_at=observed_at,
        columnar=True,
    )
    params = {
        "platform": platform,
        "kind": kind,
        "mapping": dict(mapping or {}),
        "file": file_fingerprint(path),
    }
    return run_source(
        store,
        source,
        str(path),
        params=params,
        classifier=classifier,
        progress=progress,
        prefetch=prefetch,
    )

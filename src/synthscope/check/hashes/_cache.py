"""The PDQ index of a bank, persisted between runs and brought up to date incrementally.

The index holds signal row ids, so it stays valid across processes. The file is named by the
database, the bank and the bank's checkpoint (``seq``); a newer checkpoint is reached by applying
only the changes since the cached one (adds and removals), then saving under the new name.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from synthscope.check.hashes.index import HammingIndex
from synthscope.errors import InputError
from synthscope.store.banks import changes_since
from synthscope.store.models import SIGNALS

_BATCH = 100_000


def _prefix(url: str, bank_id: int) -> str:
    return f"{hashlib.sha256(url.encode()).hexdigest()[:12]}-{bank_id}-"


def _built(conn: Connection, bank_id: int) -> HammingIndex:
    """The index of the bank's active PDQ signals, read in batches (a 10M bank never becomes
    10M Python rows at once)."""
    query = select(SIGNALS.c.id, SIGNALS.c.value).where(
        SIGNALS.c.bank_id == bank_id,
        SIGNALS.c.signal_type == "pdq",
        SIGNALS.c.removed_at.is_(None),
    )
    ids: list[np.ndarray[Any, np.dtype[np.int64]]] = []
    hashes: list[np.ndarray[Any, np.dtype[np.uint8]]] = []
    result = conn.execution_options(stream_results=True, yield_per=_BATCH).execute(query)
    for part in result.partitions():
        ids.append(np.fromiter((r[0] for r in part), np.int64, len(part)))
        raw = bytes.fromhex("".join(r[1] for r in part))
        hashes.append(np.frombuffer(raw, np.uint8).reshape(-1, 32))
    index = HammingIndex()
    if ids:
        index.add(np.concatenate(ids), np.concatenate(hashes))
    return index


def _cached(folder: Path, prefix: str) -> tuple[int, Path] | None:
    found = []
    for path in folder.glob(f"{prefix}*.npz"):
        match = re.fullmatch(re.escape(prefix) + r"(\d+)\.npz", path.name)
        if match:
            found.append((int(match.group(1)), path))
    return max(found) if found else None


def _apply(conn: Connection, index: HammingIndex, bank_id: int, since: int) -> None:
    changed = [r for r in changes_since(conn, bank_id, since) if r.signal_type == "pdq"]
    index.remove([int(r.id) for r in changed])
    alive = [r for r in changed if r.removed_at is None]
    index.add([int(r.id) for r in alive], [bytes.fromhex(r.value) for r in alive])


def pdq_index(
    conn: Connection, url: str, bank_id: int, seq: int, folder: Path | None
) -> HammingIndex:
    """The bank's PDQ index at checkpoint ``seq``: from ``folder`` when cached (updated with the
    changes since), else built from the store (and saved there when ``folder`` is given).

    Raises:
        StorageError: the cache file cannot be written.
    """
    if folder is None:
        return _built(conn, bank_id)
    folder.mkdir(parents=True, exist_ok=True)
    prefix = _prefix(url, bank_id)
    cached = _cached(folder, prefix)
    index = None
    if cached is not None and cached[0] <= seq:
        try:
            index = HammingIndex.load(cached[1])
        except InputError:
            index = None  # unreadable cache: rebuild
    if index is None:
        index = _built(conn, bank_id)
    elif cached is not None and cached[0] < seq:
        _apply(conn, index, bank_id, cached[0])
    if cached is None or cached[0] != seq:
        index.save(folder / f"{prefix}{seq}.npz")
        if cached is not None:
            cached[1].unlink(missing_ok=True)
    return index


__all__ = ["pdq_index"]

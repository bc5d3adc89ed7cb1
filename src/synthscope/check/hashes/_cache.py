"""The PDQ index of a bank, persisted between runs and brought up to date incrementally.

The index holds signal row ids, so it stays valid across processes. The file is named by the
database, the bank and the bank's checkpoint (``seq``); a newer checkpoint is reached by applying
only the changes since the cached one (adds and removals), then saving under the new name.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sqlalchemy import Connection

from synthscope.check.hashes.index import HammingIndex
from synthscope.errors import InputError
from synthscope.store.banks import active_signals, changes_since


def _prefix(url: str, bank_id: int) -> str:
    return f"{hashlib.sha256(url.encode()).hexdigest()[:12]}-{bank_id}-"


def _built(conn: Connection, bank_id: int) -> HammingIndex:
    rows = active_signals(conn, bank_id, ("pdq",))
    index = HammingIndex()
    index.add([int(r.id) for r in rows], [bytes.fromhex(r.value) for r in rows])
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

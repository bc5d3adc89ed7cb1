"""Exact Hamming range search over 256-bit hashes by multi-index hashing.

Why this design (measured in ``benchmarks/banks.py`` against FAISS ``IndexBinaryFlat``): each
hash is split into chunks (:mod:`._mih`: 16 of 16 bits, or 12 of 21-22 bits for large banks).
If two hashes are within distance ``t``, some chunk is within a small radius (pigeonhole), so
probing every chunk's table with the query's chunk and all values within that radius finds every
true match; candidates are then checked with an exact popcount. Nothing is approximate: recall is
100% for every threshold (radius up to 2 per chunk; larger thresholds fall back to a full scan).
Each chunk table is a counting-sort layout (bucket offsets + one uint32 row list), so building
is one sort per chunk; memory is 32 bytes of hash + 4 per chunk per hash + the offset tables.

Adds go to a small unsorted tail scanned linearly until it is merged; removals are tombstones.
The index saves to one ``.npz`` file (written atomically) and loads without rebuilding.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from synthscope.check.hashes import _mih
from synthscope.errors import InputError, StorageError

_FORMAT = 3
U8 = np.ndarray[Any, np.dtype[np.uint8]]
I64 = np.ndarray[Any, np.dtype[np.int64]]


_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _popcount_distance(hashes: U8, query: U8) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Hamming distance of each row of ``hashes`` to ``query``."""
    if hasattr(np, "bitwise_count"):  # numpy >= 2: one instruction per 64-bit word
        words = hashes.view(np.uint64).reshape(len(hashes), 4)
        bits = np.bitwise_count(words ^ np.ascontiguousarray(query).view(np.uint64))
        # Column adds: a sum along the short axis is several times slower.
        counted: I64 = bits[:, 0].astype(np.int64) + bits[:, 1] + bits[:, 2] + bits[:, 3]
        return counted
    fallback: I64 = _BYTE_BITS[hashes ^ query].sum(axis=1, dtype=np.int64)
    return fallback


class HammingIndex:
    """Ids of 256-bit hashes; :meth:`search` returns every id within a Hamming distance, exactly.

    ``tail_limit`` is how many adds wait in the linearly scanned tail before the tables are
    rebuilt (``None``: a share of the size, at least 4,096).
    """

    def __init__(self, tail_limit: int | None = None) -> None:
        self.tail_limit = tail_limit
        self._hashes: U8 = np.zeros((0, 32), np.uint8)
        self._ids: I64 = np.zeros(0, np.int64)
        self._alive = np.zeros(0, bool)
        self._built = 0  # rows [0, _built) are in the chunk tables; the rest is the tail
        self._widths: tuple[int, ...] = _mih.SMALL
        self._starts = np.zeros(0, np.uint32)  # all chunks' bucket offsets, end to end
        self._rows = np.zeros((len(self._widths), 0), np.uint32)
        self._removed = 0

    def __len__(self) -> int:
        return len(self._ids) - self._removed

    def add(self, ids: I64 | list[int], hashes: U8 | list[bytes]) -> None:
        """Add hashes (``(n, 32)`` uint8 or 32-byte strings) under ``ids``; an id already present
        is replaced.

        Raises:
            InputError: a hash is not 32 bytes, or ids and hashes differ in number.
        """
        new_ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        new_hashes = _as_array(hashes)
        if len(new_ids) != len(new_hashes):
            raise InputError(f"{len(new_ids)} ids for {len(new_hashes)} hashes.")
        self.remove(new_ids.tolist())
        self._hashes = np.concatenate([self._hashes, new_hashes])
        self._ids = np.concatenate([self._ids, new_ids])
        self._alive = np.concatenate([self._alive, np.ones(len(new_ids), bool)])
        if len(self._ids) - self._built > self._tail_limit():
            self.rebuild()

    def remove(self, ids: list[int]) -> int:
        """Remove ids (unknown ids are ignored); returns how many were present."""
        if not ids or not len(self._ids):
            return 0
        rows = np.flatnonzero(np.isin(self._ids, np.asarray(ids, np.int64)) & self._alive)
        self._alive[rows] = False
        self._removed += len(rows)
        if self._removed > max(4096, len(self._ids) // 2):  # mostly tombstones: compact
            self.rebuild()
        return len(rows)

    def _tail_limit(self) -> int:
        return self.tail_limit if self.tail_limit is not None else max(4096, len(self._ids) // 32)

    def rebuild(self) -> None:
        """Drop removed rows and rebuild the chunk tables over everything."""
        keep = self._alive
        self._hashes, self._ids = np.ascontiguousarray(self._hashes[keep]), self._ids[keep]
        self._alive, self._removed = np.ones(len(self._ids), bool), 0
        self._widths = _mih.layout_for(len(self._ids))
        chunk_values = _mih.values(self._hashes, self._widths)
        self._rows = np.empty((len(self._widths), len(self._ids)), np.uint32)
        tables = []
        for c, width in enumerate(self._widths):
            self._rows[c] = np.argsort(chunk_values[c])
            counts = np.bincount(chunk_values[c], minlength=1 << width)
            tables += [np.zeros(1, np.uint32), np.cumsum(counts, dtype=np.uint32)]
        self._starts = np.concatenate(tables)
        self._built = len(self._ids)

    def search(self, query: bytes, threshold: int) -> list[tuple[int, int]]:
        """(id, distance) of every hash within ``threshold`` bits of ``query``, nearest first.

        Raises:
            InputError: the query is not 32 bytes.
        """
        rows, dist = self._hits(query, threshold)
        pairs = set(zip(dist.tolist(), self._ids[rows].tolist(), strict=True))
        return [(i, d) for d, i in sorted(pairs)]

    def search_hashes(self, query: bytes, threshold: int) -> list[tuple[int, int, bytes]]:
        """Like :meth:`search`, with each match's stored hash: a caller that names matches by
        their hash (a bank's signal ids) needs no other lookup.

        Raises:
            InputError: the query is not 32 bytes.
        """
        rows, dist = self._hits(query, threshold)
        ids = self._ids[rows].tolist()
        found = {(d, i): r for d, i, r in zip(dist.tolist(), ids, rows.tolist(), strict=True)}
        return [(i, d, self._hashes[found[d, i]].tobytes()) for d, i in sorted(found)]

    def _hits(self, query: bytes, threshold: int) -> tuple[I64, I64]:
        """Rows within ``threshold`` of ``query`` (repeats possible) and their distances."""
        q = _as_array([query])[0]
        radii = _mih.radii(threshold, len(self._widths))
        if max(radii) <= _mih.MAX_RADIUS:
            rows = self._candidates(q, radii)
        else:
            rows = np.arange(self._built)
        if self._built < len(self._ids):
            rows = np.concatenate([rows, np.arange(self._built, len(self._ids))])
        if self._removed:
            rows = rows[self._alive[rows]]
        dist = _popcount_distance(self._hashes[rows], q)
        hit = dist <= threshold
        return rows[hit], dist[hit]

    def _candidates(self, q: U8, radii: list[int]) -> np.ndarray[Any, np.dtype[np.int64]]:
        """Rows that share a probed bucket with the query in some chunk (with repeats)."""
        if self._built == 0:
            return np.zeros(0, np.int64)
        masks, counts, bases, chunk_of = _probe_plan(self._widths, tuple(radii))
        # One query's chunk values in plain integers: a dozen shifts cost less than the
        # array operations of _mih.values, which pay off only for many rows.
        number, values, start = int.from_bytes(q.tobytes(), "big"), [], 0
        for width in self._widths:
            start += width
            values.append((number >> (256 - start)) & ((1 << width) - 1))
        key = bases + (np.repeat(np.array(values, np.int64), counts) ^ masks)
        starts = self._starts[key].astype(np.int64)
        lengths = self._starts[key + 1].astype(np.int64) - starts
        total = int(lengths.sum())
        # One gather over the flattened tables: chunk c's rows start at c * _built.
        offsets = starts + chunk_of * self._built
        begin = np.repeat(offsets - np.cumsum(lengths) + lengths, lengths)
        # Sorted rows make the gather of the candidates' hashes walk memory in order: at 10M
        # hashes this is several times faster than random order, sort included.
        return np.sort(self._rows.reshape(-1)[begin + np.arange(total)]).astype(np.int64)

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (``.npz``) atomically, tail and removals included (no
        rebuild: saving after a small change costs a write, not a sort).

        Raises:
            StorageError: the file cannot be written.
        """
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    widths=np.array(self._widths),
                    format=np.array([_FORMAT]),
                    hashes=self._hashes,
                    ids=self._ids,
                    alive=self._alive,
                    built=np.array([self._built]),
                    starts=self._starts,
                    rows=self._rows,
                )
            os.replace(tmp, path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise StorageError(f"Cannot write the index {path}: {exc.strerror or exc}.") from exc

    @classmethod
    def load(cls, path: Path) -> HammingIndex:
        """Read an index written by :meth:`save`.

        Raises:
            InputError: the file is missing, unreadable or not an index of this format.
        """
        try:
            with np.load(path) as data:
                if int(data["format"][0]) != _FORMAT:
                    raise InputError(f"{path} is an index of another format.")
                index = cls()
                index._hashes, index._ids = data["hashes"], data["ids"]
                index._starts, index._rows = data["starts"], data["rows"]
                index._widths = tuple(int(w) for w in data["widths"])
                index._alive, index._built = data["alive"], int(data["built"][0])
        except (OSError, KeyError, ValueError) as exc:
            raise InputError(f"Cannot read the index {path}: {exc}.") from exc
        index._removed = int(len(index._alive) - index._alive.sum())
        return index

    def memory_bytes(self) -> int:
        """Bytes held by the index's arrays."""
        arrays = (self._hashes, self._ids, self._alive, self._starts, self._rows)
        return sum(a.nbytes for a in arrays)


@functools.cache
def _probe_plan(widths: tuple[int, ...], radii: tuple[int, ...]) -> tuple[I64, I64, I64, I64]:
    """For a layout and radii: every chunk's probe masks end to end, how many each chunk has,
    and per mask its chunk's table base and its chunk number (the same for every query)."""
    masks = [_mih.probes(w, r).astype(np.int64) for w, r in zip(widths, radii, strict=True)]
    counts = np.array([len(m) for m in masks], np.int64)
    bases = np.repeat(_mih.bases(widths), counts)
    chunk_of = np.repeat(np.arange(len(widths), dtype=np.int64), counts)
    return np.concatenate(masks), counts, bases, chunk_of


def _as_array(hashes: U8 | list[bytes]) -> U8:
    if isinstance(hashes, np.ndarray):
        arr = np.ascontiguousarray(hashes, dtype=np.uint8)
    else:
        if any(len(h) != 32 for h in hashes):
            raise InputError("A 256-bit hash must be 32 bytes.", zh="256 位哈希必须是 32 字节。")
        arr = np.frombuffer(b"".join(hashes), np.uint8)
    if arr.size % 32 or (arr.ndim == 2 and arr.shape[1] != 32):
        raise InputError("A 256-bit hash must be 32 bytes.", zh="256 位哈希必须是 32 字节。")
    return arr.reshape(-1, 32)

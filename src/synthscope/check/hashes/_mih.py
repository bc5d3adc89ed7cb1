"""Chunk layouts for multi-index hashing of 256-bit hashes.

A layout splits the 256 bits into ``m`` chunks (bit 0 is the most significant bit of byte 0).
Pigeonhole, refined as in Norouzi et al. (multi-index hashing, CVPR 2012): if two hashes differ
in at most ``t = m*r + a`` bits (``0 <= a < m``), then one of the first ``a + 1`` chunks differs
in at most ``r`` bits or one of the others in at most ``r - 1``. Probing each chunk's table with
all values within its radius therefore finds every true match.

Small banks use 16 chunks of 16 bits (65,536 buckets each, 4 MB of offsets). From 500k hashes on,
12 chunks of 21-22 bits are used (128 MB of offsets): at distance 31 that probes 1,944 buckets of
about 5 hashes at 10M instead of 272 buckets of 150, a quarter of the candidates. Measured at 1M
(benchmarks/banks.py): 16x16 is 2.6x FAISS flat at 109 bytes/hash, 12x21 6x flat at 223.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

SMALL = (16,) * 16
LARGE = (22,) * 4 + (21,) * 8
LARGE_FROM = 500_000
MAX_RADIUS = 2
U32 = np.ndarray[Any, np.dtype[np.uint32]]


def layout_for(n: int) -> tuple[int, ...]:
    """Chunk widths for an index of ``n`` hashes."""
    return LARGE if n >= LARGE_FROM else SMALL


def values(hashes: np.ndarray[Any, np.dtype[np.uint8]], widths: tuple[int, ...]) -> list[U32]:
    """For each chunk, its value in every row of ``(n, 32)`` hash bytes."""
    words = hashes.reshape(-1, 32).view(">u8").astype(np.uint64)
    out, start = [], 0
    for width in widths:
        word, offset = divmod(start, 64)
        if offset + width <= 64:
            value = (words[:, word] >> np.uint64(64 - offset - width)) & np.uint64((1 << width) - 1)
        else:
            high, low = 64 - offset, width - (64 - offset)
            value = ((words[:, word] & np.uint64((1 << high) - 1)) << np.uint64(low)) | (
                words[:, word + 1] >> np.uint64(64 - low)
            )
        out.append(value.astype(np.uint32))
        start += width
    return out


def radii(threshold: int, chunks: int) -> list[int]:
    """Probe radius of each chunk (-1: that chunk need not be probed)."""
    r, a = divmod(threshold, chunks)
    return [r if c <= a else r - 1 for c in range(chunks)]


@cache
def probes(width: int, radius: int) -> U32:
    """XOR masks of all ``width``-bit values within ``radius`` bits of 0 (empty for -1)."""
    masks = [0] if radius >= 0 else []
    if radius >= 1:
        masks += [1 << i for i in range(width)]
    if radius >= 2:
        masks += [(1 << i) | (1 << j) for i in range(width) for j in range(i + 1, width)]
    return np.array(masks, dtype=np.uint32)


def bases(widths: tuple[int, ...]) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Where each chunk's offset table starts in the flat table (each has 2**w + 1 entries)."""
    sizes = [(1 << w) + 1 for w in widths]
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)

"""Work over a long table in slices (or column by column), two at a time.

Reading a whole file column-wise works in slices of a couple of hundred thousand rows, because the
intermediates of a million rows at once cost hundreds of megabytes. Polars releases the GIL while it
works, so two threads keep two cores busy while the import's writer still waits for its first
batch; more slices in flight would raise the reading process's peak memory by one slice each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

A = TypeVar("A")
T = TypeVar("T")
IN_FLIGHT = 2


def map_in_flight(work: Callable[[A], T], items: Sequence[A]) -> list[T]:
    """``work(item)`` for each item, two at a time in threads, results in order."""
    if len(items) < 2:
        return [work(item) for item in items]
    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        return list(pool.map(work, items))


def map_slices(work: Callable[[int], T], total: int, size: int) -> list[T]:
    """``work(offset)`` for offsets 0, size, 2*size, ... below ``total``, results in order."""
    return map_in_flight(work, range(0, total, size))

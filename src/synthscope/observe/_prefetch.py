"""Run a batch producer in a second process, so reading and classifying overlap storing.

On a 2-core machine an import spends about a third of its time parsing and classifying rows and
the rest writing them; a forked producer feeding a bounded queue lets both run at once. The
producer only reads its input: it never touches the database connections it inherited. Errors
raised in it are re-raised in the consumer; a consumer that stops early stops the producer.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterator
from typing import Any

_DONE = "done"
_ITEM = "item"
_ERROR = "error"
QUEUE_DEPTH = 2


def can_prefetch() -> bool:
    """Whether a forked producer helps here (fork available and more than one core)."""
    return "fork" in mp.get_all_start_methods() and (os.cpu_count() or 1) > 1


def _produce(make: Callable[[], Iterator[Any]], queue: Any) -> None:
    try:
        for value in make():
            queue.put((_ITEM, value))
        queue.put((_DONE, None))
    except KeyboardInterrupt:
        pass
    except BaseException as exc:  # handed to the consumer, which decides what it means
        queue.put((_ERROR, exc))


def prefetched(make: Callable[[], Iterator[Any]]) -> Iterator[Any]:
    """The values of ``make()``, produced in a forked process at most QUEUE_DEPTH ahead.

    Raises:
        whatever ``make()`` raised in the producer.
    """
    ctx = mp.get_context("fork")
    queue = ctx.Queue(maxsize=QUEUE_DEPTH)
    worker = ctx.Process(target=_produce, args=(make, queue), daemon=True)
    worker.start()
    try:
        while True:
            tag, value = queue.get()
            if tag == _ITEM:
                yield value
            elif tag == _ERROR:
                raise value
            else:
                return
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()
        queue.close()

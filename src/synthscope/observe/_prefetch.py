"""Run a batch producer in a second process, so reading and classifying overlap storing.

On a 2-core machine an import spends about a third of its time parsing and classifying rows and
the rest writing them; a forked producer feeding a bounded queue lets both run at once. The
producer only reads its input: it never touches the database connections it inherited. Errors
raised in it are re-raised in the consumer; a consumer that stops early stops the producer. A
producer may ask :func:`consumer_waiting` and hand over unfinished work when the consumer would
otherwise idle (the import's producer leaves such batches' classification to the consumer).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from queue import Empty, Full
from typing import Any

from synthscope.errors import SynthscopeError

_DONE = "done"
_ITEM = "item"
_ERROR = "error"
QUEUE_DEPTH = 2
PARENT_CHECK_S = 0.5


def can_prefetch() -> bool:
    """Whether a forked producer helps here (fork available and more than one core)."""
    return "fork" in mp.get_all_start_methods() and (os.cpu_count() or 1) > 1


# The queue this process feeds, when it is a producer (set by _produce, read by consumer_waiting).
_feeding: Any = None


def consumer_waiting() -> bool:
    """In a producer: whether its consumer has nothing queued (it waits, or soon will).

    A producer may then hand over work the consumer can finish itself instead of doing it first.
    False in any other process, so work is never handed over where nobody shares it.
    """
    return _feeding is not None and bool(_feeding.empty())


def _produce(make: Callable[[], Iterator[Any]], queue: Any) -> None:
    global _feeding
    _feeding = queue
    parent = os.getppid()
    try:
        for value in make():
            _put(queue, (_ITEM, value), parent)
        _put(queue, (_DONE, None), parent)
    except KeyboardInterrupt:
        pass
    except BaseException as exc:  # handed to the consumer, which decides what it means
        _put(queue, (_ERROR, exc), parent)


def _put(queue: Any, message: tuple[str, Any], parent: int) -> None:
    """Put, but give up when the consumer's process is gone (killed with -9, say): an orphaned
    producer would otherwise wait on a full queue forever."""
    while True:
        try:
            queue.put(message, timeout=PARENT_CHECK_S)
            return
        except Full:
            if os.getppid() != parent:
                os._exit(0)


def _get(queue: Any, worker: Any) -> tuple[str, Any]:
    """Get, but notice a producer that died without a word (killed, out of memory)."""
    while True:
        try:
            return queue.get(timeout=PARENT_CHECK_S)  # type: ignore[no-any-return]
        except Empty:
            if not worker.is_alive():
                raise SynthscopeError(
                    f"The reading process stopped unexpectedly (exit code {worker.exitcode}).",
                    zh=f"读取进程意外退出（退出码 {worker.exitcode}）。",
                ) from None


# polars' allocator (jemalloc, prefix _RJEM_) keeps freed pages for reuse; a spawned producer that
# reads a whole file then frees its intermediates would hold ~300 MB more than it uses.
_JEMALLOC = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")


@contextmanager
def _returning_memory(spawned: bool) -> Iterator[None]:
    """Start a spawned producer whose polars returns freed memory to the system at once."""
    name, value = _JEMALLOC
    if not spawned or name in os.environ:
        yield
        return
    os.environ[name] = value
    try:
        yield
    finally:
        os.environ.pop(name, None)


@contextmanager
def _without_main_script(spawned: bool) -> Iterator[None]:
    """Start a spawned producer without running the parent's main script first.

    multiprocessing's spawn re-runs the main script in the child (as ``__mp_main__``) so that
    functions defined there can be unpickled; for the ``synthscope`` command that imports the
    whole CLI, about a second before the first row is read. The producer is a partial of library
    functions and needs nothing from the script. A main module run with ``-m`` is left alone.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not spawned or main is None or path is None or getattr(main, "__spec__", None):
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def prefetched(make: Callable[[], Iterator[Any]], *, start: str = "fork") -> Iterator[Any]:
    """The values of ``make()``, produced in a second process at most QUEUE_DEPTH ahead.

    ``start`` is the multiprocessing start method. A producer that uses polars needs "spawn"
    (then ``make`` must pickle): polars' thread pool does not survive a fork once this process
    has used it, and the forked producer would wait on it forever.

    Raises:
        whatever ``make()`` raised in the producer.
    """
    ctx: Any = mp.get_context(start)
    queue = ctx.Queue(maxsize=QUEUE_DEPTH)
    worker = ctx.Process(target=_produce, args=(make, queue), daemon=True)
    with _returning_memory(start == "spawn"), _without_main_script(start == "spawn"):
        worker.start()
    try:
        while True:
            tag, value = _get(queue, worker)
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

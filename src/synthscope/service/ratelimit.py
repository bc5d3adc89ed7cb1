"""Per-caller rate limits that hold across the service's worker processes.

A caller gets ``per_minute`` requests in each fixed minute. The count lives in the store (table
``rate_windows``, one row per caller and minute), so every worker process sees the same limit.
Writing that row for each request would cost a database write per match; instead a process leases
a block of requests at once (one atomic ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, which
SQLite and PostgreSQL both run as one statement) and spends the block locally. A lease is granted
only within the limit, so all processes together never admit more than ``per_minute`` in a
minute; a block one process holds unused can make another refuse early, by at most one block (a
fiftieth of the limit, at most 100 requests; a limit under 50 leases one request at a time, so it
is exact).

A fixed window admits up to twice the limit across a minute boundary; that is the price of one
row per minute instead of a row per request.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from synthscope.store import Store
from synthscope.store.service_models import RATE_WINDOWS

WINDOW_S = 60
MAX_LEASE = 100
_INSERTS: dict[str, Callable[..., Any]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}


def lease_size(per_minute: int) -> int:
    """Requests a process takes from the shared count at once for a limit of ``per_minute``."""
    return max(1, min(per_minute // 50, MAX_LEASE))


class RateLimiter:
    """``per_minute`` requests per caller in each minute, counted in ``store`` for all processes.

    ``clock`` gives wall-clock seconds (windows must agree between processes, so not monotonic).
    """

    def __init__(
        self, store: Store, per_minute: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.per_minute = per_minute
        self.clock = clock
        self.lease = lease_size(per_minute)
        # caller -> (window, requests still leased, whether the store is spent for the window)
        self._held: dict[str, tuple[int, int, bool]] = {}
        self._lock = threading.Lock()

    def acquire(self, caller: str) -> float:
        """Take one request for ``caller``: 0 when allowed, else seconds until the next window.

        Raises:
            StorageError: the shared count cannot be written.
        """
        now = self.clock()
        window = int(now // WINDOW_S)
        with self._lock:
            if len(self._held) > 10_000:  # many callers: keep only this minute's
                self._held = {k: v for k, v in self._held.items() if v[0] == window}
            held_window, left, spent = self._held.get(caller, (window, 0, False))
            if held_window != window:
                left, spent = 0, False
            if left == 0 and not spent:
                left = self._take(caller, window)
                # Less than a block granted: the shared count has reached the limit.
                spent = left < self.lease
            if left > 0:
                self._held[caller] = (window, left - 1, spent)
                return 0.0
            self._held[caller] = (window, 0, True)
        return (window + 1) * WINDOW_S - now

    def _take(self, caller: str, window: int) -> int:
        """Lease up to one block of requests for ``caller`` in ``window``; how many were granted."""
        insert = _INSERTS[self.store.engine.dialect.name]
        statement = (
            insert(RATE_WINDOWS)
            .values(caller=caller, window=window, count=self.lease)
            .on_conflict_do_update(
                index_elements=["caller", "window"],
                set_={"count": RATE_WINDOWS.c.count + self.lease},
            )
            .returning(RATE_WINDOWS.c.count)
        )
        with self.store.transaction("counting a request") as conn:
            total = int(conn.execute(statement).scalar_one())
        return max(0, min(self.lease, self.per_minute - (total - self.lease)))


def forget_old_windows(store: Store, now: float | None = None) -> int:
    """Delete counts of minutes before the previous one; returns how many rows went.

    Raises:
        StorageError: the store cannot be written.
    """
    current = int((time.time() if now is None else now) // WINDOW_S)
    with store.transaction("forgetting old rate-limit counts") as conn:
        done = conn.execute(delete(RATE_WINDOWS).where(RATE_WINDOWS.c.window < current - 1))
    return int(done.rowcount or 0)


def retry_after(wait: float) -> str:
    """The ``Retry-After`` header value (whole seconds, at least 1)."""
    return str(max(1, math.ceil(wait)))

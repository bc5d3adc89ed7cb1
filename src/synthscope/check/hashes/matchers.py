"""Bank indexes kept in memory between matches (the service's API, ``check``), and where they
persist between runs."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from synthscope.check.hashes import vpdq
from synthscope.check.hashes.base import Signal, hasher
from synthscope.check.hashes.matching import BankMatcher
from synthscope.store import Store
from synthscope.store.banks import bank_row


class Matchers:
    """Bank indexes kept in memory between requests, rebuilt when a bank's checkpoint moves.

    Loading a 1M-hash index takes seconds; a match takes about a millisecond, and reading the
    bank's checkpoint as long again. So the checkpoint is read at most every ``fresh_s`` seconds
    per bank, and at once after :meth:`changed`: a change made elsewhere (the CLI, another
    process) is seen within ``fresh_s``.
    """

    def __init__(self, store: Store, cache_dir: Path | None, fresh_s: float = 1.0) -> None:
        self.store = store
        self.cache_dir = cache_dir
        self.fresh_s = fresh_s
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[int, BankMatcher]] = {}
        self._checked: dict[str, float] = {}
        self._hashers: dict[str, Any] = {}

    def get(self, bank: str, seq: int | None = None) -> BankMatcher:
        """The matcher of ``bank`` at its current checkpoint (``seq`` when the caller has just
        read it, which saves reading it again).

        Raises:
            UsageError: no such bank.
            StorageError: the store cannot be read.
        """
        now = time.monotonic()
        hit = self._cache.get(bank)
        fresh = now - self._checked.get(bank, 0.0) < self.fresh_s
        if hit is not None and (hit[0] == seq or (seq is None and fresh)):
            return hit[1]
        if seq is None:
            with self.store.reading("reading the bank") as conn:
                seq = int(bank_row(conn, bank).seq)
        with self._lock:
            hit = self._cache.get(bank)
            if hit is None or hit[0] != seq:
                hit = (seq, BankMatcher.load(self.store, bank, self.cache_dir))
                self._cache[bank] = hit
            self._checked[bank] = now
            return hit[1]

    def _hasher(self, signal_type: str) -> Any:
        """The hasher of ``signal_type``, built once (building one inspects its signature)."""
        if signal_type not in self._hashers:
            self._hashers[signal_type] = hasher(signal_type)
        return self._hashers[signal_type]

    def changed(self, bank: str) -> None:
        """Note a change to ``bank``: the next match reads its checkpoint again."""
        self._checked.pop(bank, None)

    def match_value(self, bank: str, signal_type: str, value: str) -> list[dict[str, Any]]:
        """Matches of a hash given as text (as :func:`match_value`, on the cached index).

        Raises:
            UsageError: no such bank or signal type.
            InputError: the value is not valid for its type.
        """
        canonical = self._hasher(signal_type).validate(value)
        frames = tuple(vpdq.parse(canonical)) if signal_type == "vpdq" else ()
        return self.get(bank).match_signal(Signal(signal_type, canonical, 100, frames))


def index_cache_dir() -> Path:
    """Where bank indexes persist between runs (env ``SYNTHSCOPE_INDEX_CACHE``)."""
    import platformdirs

    env = os.environ.get("SYNTHSCOPE_INDEX_CACHE")
    return Path(env) if env else Path(platformdirs.user_cache_dir("synthscope")) / "bank-index"

"""Hash-bank matches as findings for :func:`synthscope.check.scan.scan`.

A file that matches a bank of known deep-synthesis content is the strongest evidence short of the
producer's own label: a platform put it there after review. So a match claims ``synthetic`` and
outranks any detector score in the policy. Bank indexes come from :class:`Matchers`, loaded once
and reloaded only when a bank's checkpoint moves.
"""

from __future__ import annotations

from pathlib import Path

from synthscope.check.findings import Finding
from synthscope.check.hashes.matchers import Matchers
from synthscope.check.hashes.matching import file_signals
from synthscope.errors import InputError
from synthscope.media import Media
from synthscope.store import Store
from synthscope.store.banks import list_banks


class BankEvidence:
    """Matches a file against every bank in ``store`` that holds active signals.

    ``matchers``: the in-memory bank indexes to use (a service passes the ones its API already
    keeps, so a 1M-hash index is loaded once); default: its own.
    """

    def __init__(
        self, store: Store, cache_dir: Path | None = None, matchers: Matchers | None = None
    ) -> None:
        self.store = store
        self.matchers = matchers or Matchers(store, cache_dir)

    def findings(self, media: Media) -> list[Finding]:
        """One finding per bank: ``synthetic`` with the matches, or ``none`` when it matched
        nothing; no findings at all when the store has no banks.

        Raises:
            StorageError: the store cannot be read.
        """
        banks = self._active_banks()
        if not banks:
            return []
        try:
            # once, whatever the number of banks; a file left on disk is hashed from there
            signals = file_signals(media.source)
        except InputError:
            signals = []  # not hashable (text, PDF...): no bank matches it
        return [
            _finding(name, self.matchers.get(name, seq).match_signals(signals))
            for name, seq in banks
        ]

    def _active_banks(self) -> list[tuple[str, int]]:
        """(name, checkpoint) of the banks holding active signals."""
        with self.store.reading("listing banks") as conn:
            banks = list_banks(conn)
        return [
            (bank["name"], int(bank["seq"]))
            for bank in banks
            if any(n for kind, n in bank["signals"].items() if kind != "removed")
        ]


def _finding(bank: str, matches: list[dict[str, object]]) -> Finding:
    for match in matches:
        match.setdefault("bank", bank)
    if not matches:
        return Finding(f"bank:{bank}", "none", "hash_matches", [])
    best = min(int(str(m["distance"])) for m in matches)
    return Finding(
        f"bank:{bank}",
        "synthetic",
        "hash_matches",
        matches,
        reason=f"Matches {len(matches)} known deep-synthesis item(s) in bank {bank!r} "
        f"(closest distance {best}).",
        reason_zh=f"与黑名单库 {bank!r} 中 {len(matches)} 条已知深度合成内容匹配"
        f"（最近距离 {best}）。",
    )

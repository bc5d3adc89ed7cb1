"""Hash-bank matches as findings for :func:`synthscope.check.scan.scan`.

A file that matches a bank of known deep-synthesis content is the strongest evidence short of the
producer's own label: a platform put it there after review. So a match claims ``synthetic`` and
outranks any detector score in the policy. Banks are loaded once per :class:`BankEvidence` and
reloaded only when a bank has changed (its checkpoint moved), so a service can keep one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from synthscope.check.findings import Finding
from synthscope.check.hashes.matching import BankMatcher
from synthscope.errors import InputError
from synthscope.media import Media
from synthscope.store import Store
from synthscope.store.banks import list_banks


@dataclass
class BankEvidence:
    """Matches a file against every bank in ``store`` that holds active signals."""

    store: Store
    cache_dir: Path | None = None
    _loaded: dict[str, tuple[int, BankMatcher]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def findings(self, media: Media) -> list[Finding]:
        """One finding per bank: ``synthetic`` with the matches, or ``none`` when it matched
        nothing; no findings at all when the store has no banks.

        Raises:
            StorageError: the store cannot be read.
        """
        out = []
        for name, matcher in self._matchers():
            try:
                result = matcher.match_file(media.data, media.name)
            except InputError:
                continue  # not hashable (text, PDF...): banks say nothing about it
            matches = result["hash_matches"]
            out.append(_finding(name, matches))
        return out

    def _matchers(self) -> list[tuple[str, BankMatcher]]:
        with self.store.reading("listing banks") as conn:
            banks = list_banks(conn)
        chosen = []
        with self._lock:
            for bank in banks:
                active = sum(n for kind, n in bank["signals"].items() if kind != "removed")
                if not active:
                    continue
                seq = int(bank["seq"])
                cached = self._loaded.get(bank["name"])
                if cached is None or cached[0] != seq:
                    matcher = BankMatcher.load(self.store, bank["name"], self.cache_dir)
                    self._loaded[bank["name"]] = cached = (seq, matcher)
                chosen.append((bank["name"], cached[1]))
        return chosen


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

"""Matching content against a bank: one exact index per signal type, built from the store.

PDQ queries try all 8 dihedral variants (rotated and flipped copies, EXIF-rotated photos); vPDQ
indexes every good frame of every banked video; audio compares fingerprints one by one by bit
error rate. Queries whose quality is below the hasher's minimum are not matched: flat or simple
images give unreliable hashes that would match many unrelated ones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthscope.check.hashes import audio, vpdq
from synthscope.check.hashes.base import Signal, hasher
from synthscope.check.hashes.files import signal_type_for
from synthscope.check.hashes.index import HammingIndex
from synthscope.check.hashes.pdq import PdqHasher
from synthscope.errors import InputError, SynthscopeError
from synthscope.store import Store
from synthscope.store.banks import SIGNAL_ID_DIGITS, active_signals, bank_row


@dataclass(slots=True)
class BankMatcher:
    """The signals of one bank, indexed for matching."""

    bank: str
    pdq_index: HammingIndex = field(default_factory=HammingIndex)
    pdq_ids: list[str] = field(default_factory=list)
    frame_index: HammingIndex = field(default_factory=HammingIndex)
    frame_owner: list[int] = field(default_factory=list)
    videos: list[tuple[str, int]] = field(default_factory=list)  # (signal id, good frames)
    audio: list[tuple[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, store: Store, bank: str) -> BankMatcher:
        """Index the active signals of ``bank``.

        Raises:
            UsageError: no such bank.
            StorageError: the store cannot be read.
        """
        with store.reading("reading the bank") as conn:
            rows = active_signals(conn, bank_row(conn, bank).id)
        matcher = cls(bank)
        pdq_hashes: list[bytes] = []
        frames: list[bytes] = []
        for key, signal_type, value, _quality in rows:
            sid = key[:SIGNAL_ID_DIGITS]
            if signal_type == "pdq":
                matcher.pdq_ids.append(sid)
                pdq_hashes.append(bytes.fromhex(value))
            elif signal_type == "vpdq":
                good = [
                    bytes.fromhex(f.value)
                    for f in vpdq.parse(value)
                    if f.quality >= vpdq.FRAME_QUALITY
                ]
                matcher.frame_owner += [len(matcher.videos)] * len(good)
                matcher.videos.append((sid, len(good)))
                frames += good
            elif signal_type == "audio":
                matcher.audio.append((sid, audio._words(value)))
        matcher.pdq_index.add(list(range(len(pdq_hashes))), pdq_hashes)
        matcher.frame_index.add(list(range(len(frames))), frames)
        return matcher

    def match_signal(
        self, signal: Signal, dihedral: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Bank matches of a signal, nearest first (CONTRACTS ``hash_matches`` shape)."""
        impl = hasher(signal.signal_type)
        if signal.quality < impl.min_quality:
            return []
        if signal.signal_type == "pdq":
            found = self._pdq(dihedral or [signal.value], impl.threshold)
        elif signal.signal_type == "vpdq":
            found = self._vpdq(signal, impl.threshold)
        else:
            found = self._audio(signal, impl.threshold)
        return [
            {"bank": self.bank, "signal_type": signal.signal_type, "distance": d, "signal_id": sid}
            for sid, d in sorted(found.items(), key=lambda kv: (kv[1], kv[0]))
        ]

    def _pdq(self, hashes: list[str], threshold: int) -> dict[str, int]:
        best: dict[str, int] = {}
        for value in hashes:
            for row, distance in self.pdq_index.search(bytes.fromhex(value), threshold):
                sid = self.pdq_ids[row]
                best[sid] = min(distance, best.get(sid, distance))
        return best

    def _vpdq(self, signal: Signal, threshold: int) -> dict[str, int]:
        good = [
            f for f in signal.frames or vpdq.parse(signal.value) if f.quality >= vpdq.FRAME_QUALITY
        ]
        hits: dict[int, int] = defaultdict(int)
        for frame in good:
            owners = {
                self.frame_owner[row]
                for row, _ in self.frame_index.search(
                    bytes.fromhex(frame.value), vpdq.FRAME_THRESHOLD
                )
            }
            for owner in owners:
                hits[owner] += 1
        found = {}
        for owner, n in hits.items():
            distance = round(100 - 100 * n / len(good))
            if distance <= threshold:
                found[self.videos[owner][0]] = distance
        return found

    def _audio(self, signal: Signal, threshold: int) -> dict[str, int]:
        query = audio._words(signal.value)
        found = {}
        for sid, words in self.audio:
            distance = round(100 * audio.best_ber(query, words))
            if distance <= threshold:
                found[sid] = distance
        return found

    def match_file(self, path: Path) -> dict[str, Any]:
        """``{"file", "hash_matches", "error"}`` for one file; read errors go into ``error``."""
        try:
            signal_type = signal_type_for(path, None)
            if signal_type == "pdq":
                pdq = PdqHasher()
                variants, quality = pdq.dihedral(path)
                matches = self.match_signal(Signal("pdq", variants[0], quality), variants)
            else:
                matches = self.match_signal(hasher(signal_type).hash(path))
        except InputError as exc:
            return {"file": str(path), "hash_matches": [], "error": _error(exc)}
        return {"file": str(path), "hash_matches": matches, "error": None}


def _error(exc: SynthscopeError) -> dict[str, Any]:
    return {"code": int(exc.exit_code), "message": str(exc)}


def match_files(store: Store, bank: str, paths: list[Path]) -> list[dict[str, Any]]:
    """Match files against ``bank``: one ``{"file", "hash_matches", "error"}`` per file.

    A file that cannot be read gets ``"error": {"code": 3, "message": ...}`` and no matches.

    Raises:
        UsageError: no such bank.
        StorageError: the store cannot be read.
    """
    matcher = BankMatcher.load(store, bank)
    return [matcher.match_file(Path(p)) for p in paths]


def match_value(store: Store, bank: str, signal_type: str, value: str) -> list[dict[str, Any]]:
    """Matches of a signal given as text (``signal_type`` and ``value``) against ``bank``.

    Raises:
        UsageError: no such bank or signal type.
        InputError: the value is not valid for its type.
    """
    impl = hasher(signal_type)
    canonical = impl.validate(value)
    quality = 100
    if signal_type == "vpdq":
        frames = tuple(vpdq.parse(canonical))
        return BankMatcher.load(store, bank).match_signal(
            Signal(signal_type, canonical, quality, frames)
        )
    return BankMatcher.load(store, bank).match_signal(Signal(signal_type, canonical, quality))


__all__ = ["BankMatcher", "match_files", "match_value"]

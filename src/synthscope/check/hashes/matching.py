"""Matching content against a bank: one exact index per signal type, built from the store.

PDQ queries try all 8 dihedral variants (rotated and flipped copies, EXIF-rotated photos); vPDQ
indexes every good frame of every banked video; audio compares fingerprints one by one by bit
error rate. Queries whose quality is below the hasher's minimum are not matched: flat or simple
images give unreliable hashes that would match many unrelated ones.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthscope.check.hashes import audio, vpdq
from synthscope.check.hashes._cache import pdq_index
from synthscope.check.hashes.base import Signal, Variants, hasher
from synthscope.check.hashes.files import signal_types_for
from synthscope.check.hashes.index import HammingIndex
from synthscope.errors import InputError, SynthscopeError
from synthscope.store import Store
from synthscope.store.banks import SIGNAL_ID_DIGITS, active_signals, bank_row, signal_key


@functools.cache
def _hasher(signal_type: str) -> Any:
    """The hasher of ``signal_type`` with its defaults, built once (building one inspects its
    constructor's signature, which would cost more than a PDQ match)."""
    return hasher(signal_type)


@dataclass(slots=True)
class BankMatcher:
    """The signals of one bank, indexed for matching (PDQ by signal row id)."""

    bank: str
    store: Store
    pdq_index: HammingIndex = field(default_factory=HammingIndex)
    frame_index: HammingIndex = field(default_factory=HammingIndex)
    frame_owner: list[int] = field(default_factory=list)
    videos: list[tuple[str, int]] = field(default_factory=list)  # (signal id, good frames)
    audio: list[tuple[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, store: Store, bank: str, cache_dir: Path | None = None) -> BankMatcher:
        """Index the active signals of ``bank``; with ``cache_dir`` the PDQ index is kept there
        between runs and updated with only the changes since (see :mod:`._cache`).

        Raises:
            UsageError: no such bank.
            StorageError: the store cannot be read, or the cache cannot be written.
        """
        matcher = cls(bank, store)
        with store.reading("reading the bank") as conn:
            row = bank_row(conn, bank)
            matcher.pdq_index = pdq_index(conn, store.url, row.id, int(row.seq), cache_dir)
            others = active_signals(conn, row.id, ("vpdq", "audio"))
        frames: list[bytes] = []
        for r in others:
            sid = r.key[:SIGNAL_ID_DIGITS]
            if r.signal_type == "vpdq":
                good = [
                    bytes.fromhex(f.value)
                    for f in vpdq.parse(r.value)
                    if f.quality >= vpdq.FRAME_QUALITY
                ]
                matcher.frame_owner += [len(matcher.videos)] * len(good)
                matcher.videos.append((sid, len(good)))
                frames += good
            else:
                matcher.audio.append((sid, audio._words(r.value)))
        matcher.frame_index.add(list(range(len(frames))), frames)
        return matcher

    def match_signal(
        self, signal: Signal, variants: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Bank matches of a signal (or of any of its ``variants``), nearest first (CONTRACTS
        ``hash_matches`` shape)."""
        impl = _hasher(signal.signal_type)
        if signal.quality < impl.min_quality:
            return []
        search = {"pdq": self._pdq, "vpdq": self._vpdq, "audio": self._audio}[signal.signal_type]
        found = search(variants or [signal.value], signal, impl.threshold)
        return [
            {"bank": self.bank, "signal_type": signal.signal_type, "distance": d, "signal_id": sid}
            for sid, d in sorted(found.items(), key=lambda kv: (kv[1], kv[0]))
        ]

    def _pdq(self, hashes: list[str], _signal: Signal, threshold: int) -> dict[str, int]:
        # A signal's id is derived from its value (the stored value is canonical lower-case
        # hex, which is what bytes.hex() gives), so a match costs no database read.
        best: dict[str, int] = {}
        for value in hashes:
            for _row, distance, found in self.pdq_index.search_hashes(
                bytes.fromhex(value), threshold
            ):
                sid = signal_key("pdq", found.hex())[:SIGNAL_ID_DIGITS]
                best[sid] = min(distance, best.get(sid, distance))
        return best

    def _vpdq(self, _values: list[str], signal: Signal, threshold: int) -> dict[str, int]:
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

    def _audio(self, _values: list[str], signal: Signal, threshold: int) -> dict[str, int]:
        query = audio._words(signal.value)
        found = {}
        for sid, words in self.audio:
            distance = round(100 * audio.best_ber(query, words))
            if distance <= threshold:
                found[sid] = distance
        return found

    def match_file(
        self, source: Path | bytes, name: str | None = None, lang: str = "en"
    ) -> dict[str, Any]:
        """``{"file", "hash_matches", "error", "low_quality"}`` for a file or uploaded bytes
        (``name`` is what ``file`` says; default the path); read errors go into ``error``, in
        ``lang`` (en or zh). ``low_quality`` lists the file's signals too poor to be matched
        (see :func:`low_quality`), which is why such a file has no matches."""
        label = name if name is not None else str(source)
        try:
            signals = file_signals(source)
        except InputError as exc:
            return {
                "file": label,
                "hash_matches": [],
                "error": _error(exc, lang),
                "low_quality": [],
            }
        return {
            "file": label,
            "hash_matches": self.match_signals(signals),
            "error": None,
            "low_quality": low_quality(signals),
        }

    def match_signals(self, signals: list[tuple[Signal, list[str] | None]]) -> list[dict[str, Any]]:
        """Matches of a file's signals (:func:`file_signals`), closest first."""
        matches: list[dict[str, Any]] = []
        for signal, variants in signals:
            matches += self.match_signal(signal, variants)
        matches.sort(key=lambda m: (m["distance"], m["signal_type"], m["signal_id"]))
        return matches


def file_signals(source: Path | bytes) -> list[tuple[Signal, list[str] | None]]:
    """Every signal of a file (with its variants, for PDQ's turns and flips), hashed once so
    that each bank is matched without hashing the file again.

    Raises:
        InputError: the file cannot be hashed (unreadable, or no image, video or audio in it).
    """
    out: list[tuple[Signal, list[str] | None]] = []
    for signal_type in signal_types_for(source, None):
        impl = hasher(signal_type)
        if isinstance(impl, Variants):
            values, quality = impl.variants(source)
            out.append((Signal(impl.name, values[0], quality), values))
        else:
            out.append((impl.hash(source), None))
    return out


def low_quality(signals: list[tuple[Signal, list[str] | None]]) -> list[dict[str, Any]]:
    """``{"signal_type", "quality", "min_quality"}`` of each signal whose quality is below its
    hasher's minimum: such queries are never matched (a flat picture's PDQ hash would match
    many unrelated ones)."""
    found = []
    for signal, _variants in signals:
        minimum = _hasher(signal.signal_type).min_quality
        if signal.quality < minimum:
            found.append(
                {
                    "signal_type": signal.signal_type,
                    "quality": signal.quality,
                    "min_quality": minimum,
                }
            )
    return found


def _error(exc: SynthscopeError, lang: str = "en") -> dict[str, Any]:
    return {"code": int(exc.exit_code), "message": exc.localized(lang)}


def match_files(
    store: Store, bank: str, paths: list[Path], cache_dir: Path | None = None, lang: str = "en"
) -> list[dict[str, Any]]:
    """Match files against ``bank``: one ``{"file", "hash_matches", "error", "low_quality"}``
    per file (see :meth:`BankMatcher.match_file`).

    A file that cannot be read gets ``"error": {"code": 3, "message": ...}`` (in ``lang``) and
    no matches.

    ``cache_dir``: keep the bank's PDQ index there between calls (see :class:`BankMatcher`).

    Raises:
        UsageError: no such bank.
        StorageError: the store cannot be read.
    """
    matcher = BankMatcher.load(store, bank, cache_dir)
    return [matcher.match_file(Path(p), lang=lang) for p in paths]


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


__all__ = ["BankMatcher", "low_quality", "match_files", "match_value"]

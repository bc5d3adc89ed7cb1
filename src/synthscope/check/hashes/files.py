"""Hashing files for banks: the right hasher for each file, quality gate, content metadata."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthscope.check.hashes import _decode
from synthscope.check.hashes.base import Signal, hasher

KIND_TO_TYPE = {"image": "pdq", "video": "vpdq", "audio": "audio"}


@dataclass(slots=True)
class HashedFile:
    """A file's signal, what it is, and why it may not go into a bank."""

    file: str
    signal: Signal
    kind: str
    sha256: str
    rejected: str | None = None
    rejected_zh: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def signal_types_for(source: Path | bytes, signal_type: str | None) -> list[str]:
    """The signal types to hash a file (or its bytes) with: the one asked for, else by content
    (a video with sound gets ``vpdq`` and ``audio``).

    Raises:
        InputError: the file cannot be read or is not image, video or audio.
        UsageError: an unknown signal type was asked for.
    """
    if signal_type is not None:
        hasher(signal_type)
        return [signal_type]
    return [KIND_TO_TYPE[kind] for kind in _decode.kinds(source)]


def hash_file(path: Path, signal_type: str | None = None, **options: Any) -> list[HashedFile]:
    """Hash one file, one result per signal type; ``rejected`` says why a signal's quality keeps
    it out of banks. ``options`` go to the hashers that take them (``fps``: video frames per
    second, None: every frame).

    Raises:
        InputError: unreadable, empty, undecodable or too large.
        UsageError: an unknown signal type was asked for.
    """
    chosen = signal_types_for(path, signal_type)
    with path.open("rb") as handle:  # in pieces: a video may be gigabytes
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return [_hashed(path, name, digest, options) for name in chosen]


def _hashed(path: Path, name: str, digest: str, options: dict[str, Any]) -> HashedFile:
    impl = hasher(name, **options)
    signal = impl.hash(path)
    found = HashedFile(str(path), signal, name, digest)
    if signal.quality < impl.min_quality:
        found.rejected = f"{name} quality {signal.quality} is below {impl.min_quality}"
        found.rejected_zh = f"{name} 质量 {signal.quality} 低于 {impl.min_quality}"
    found.meta = {"file": path.name, "sha256": digest, "kind": name}
    return found


def hash_lines(found: HashedFile) -> list[str]:
    """``bank hash`` output lines: ``<type> <value> <quality> <file>``, one per vPDQ frame."""
    sig = found.signal
    if sig.frames:
        return [
            f"{sig.signal_type} {f.value} {f.quality} {found.file}#{f.index}@{f.seconds:.3f}"
            for f in sig.frames
        ]
    return [f"{sig.signal_type} {sig.value} {sig.quality} {found.file}"]

"""The Hasher seam: turn a file into a signal that survives re-encoding, and compare two signals.

Why this shape (after python-threatexchange's ``SignalType``): a bank stores signals as text so
that they travel in exchange files and databases unchanged; the hasher therefore owns the whole
life of its text form (:meth:`Hasher.hash` makes it, :meth:`Hasher.validate` checks an imported
one, :meth:`Hasher.distance` compares two). Matching many signals at once is the bank's job
(:mod:`synthscope.check.hashes.matching`), not the hasher's. Hashers take a path or bytes and
decode through :mod:`synthscope.check.hashes._decode`, the one place to swap for ``Media``.
"""

from __future__ import annotations

import inspect
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from synthscope.check.hashes.index import HammingIndex
from synthscope.errors import UsageError

Source = Path | str | bytes


@dataclass(frozen=True, slots=True)
class Frame:
    """One hashed video frame: its index in the decoded stream, time, PDQ hex and quality."""

    index: int
    seconds: float
    value: str
    quality: int


@dataclass(frozen=True, slots=True)
class Signal:
    """A hash of one piece of content, in the text form banks store and exchange.

    ``frames`` is filled for video signals (the value serialises them); ``quality`` is the
    hasher's confidence in 0..100 (PDQ quality, share of good frames, or audio loudness share).
    """

    signal_type: str
    value: str
    quality: int
    frames: tuple[Frame, ...] = field(default=())


class Hasher(ABC):
    """Makes and compares one type of signal. Registered by class name (``PdqHasher`` is ``pdq``).

    Subclasses set ``threshold`` (the largest :meth:`distance` that is a match),
    ``min_quality`` (signals below it are kept out of banks) and ``index_cls`` (the index that
    finds their 256-bit hashes in a bank; None when signals are compared one by one), and
    provide :meth:`examples` for the contract suite. Constructor arguments, if any, are options
    with defaults (``VpdqHasher(fps=1.0)``); :func:`hasher` passes them through.
    """

    name: ClassVar[str]
    threshold: ClassVar[int]
    min_quality: ClassVar[int] = 0
    index_cls: ClassVar[type[HammingIndex] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not any(getattr(getattr(cls, n, None), "__isabstractmethod__", False) for n in dir(cls)):
            cls.name = re.sub(r"(?<!^)(?=[A-Z])", "-", cls.__name__.removesuffix("Hasher")).lower()
            register_hasher(cls)

    @abstractmethod
    def hash(self, source: Source) -> Signal:
        """The signal of a file (path) or its bytes.

        Raises:
            InputError: the content cannot be read or decoded, is empty or too large.
        """

    @abstractmethod
    def distance(self, a: str, b: str) -> int:
        """How far apart two signal values are (0: identical); ``<= threshold`` is a match.

        Raises:
            InputError: a value is not a valid signal of this type.
        """

    @abstractmethod
    def validate(self, value: str) -> str:
        """The canonical form of an imported value.

        Raises:
            InputError: the value is not a valid signal of this type (the message says why).
        """

    def exchange_value(self, value: str) -> str:
        """How a canonical value is written in a ``local_file`` line: python-threatexchange's
        form of this signal type, which :meth:`validate` reads back (the canonical form itself
        unless a hasher's differs from threatexchange's)."""
        return value

    @classmethod
    @abstractmethod
    def examples(cls) -> list[tuple[bytes, bytes, bytes]]:
        """(content, near copy, unrelated content) triples the contract suite checks offline."""


class Variants(ABC):
    """Mixin for hashers that can hash transformed copies of the content in one pass (PDQ's 8
    rotations and flips), so that matching finds rotated or mirrored re-uploads."""

    @abstractmethod
    def variants(self, source: Source) -> tuple[list[str], int]:
        """Values of the content and its transformed copies (the plain value first), and the
        quality.

        Raises:
            InputError: as :meth:`Hasher.hash`.
        """


_REGISTRY: dict[str, type[Hasher]] = {}


def register_hasher(cls: type[Hasher]) -> None:
    """Add a hasher class; a second class with the same name is refused.

    Raises:
        UsageError: another class already has this name.
    """
    existing = _REGISTRY.get(cls.name)
    if existing is not None and existing.__qualname__ != cls.__qualname__:
        raise UsageError(f"A hasher named {cls.name!r} is already registered.")
    _REGISTRY[cls.name] = cls


def hasher(name: str, **options: Any) -> Hasher:
    """A new instance of the registered hasher ``name``; of ``options`` it gets those its
    constructor takes and that are not None (``fps`` reaches the video hasher only).

    Raises:
        UsageError: no such hasher.
    """
    from synthscope.check.hashes import load_builtin_hashers

    load_builtin_hashers()
    try:
        cls = _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UsageError(
            f"Unknown signal type {name!r}; known types: {known}.",
            zh=f"未知的信号类型 {name!r}；已知类型：{known}。",
        ) from None
    takes = inspect.signature(cls.__init__).parameters
    return cls(**{k: v for k, v in options.items() if v is not None and k in takes})


def hasher_names() -> list[str]:
    """Names of all registered hashers, sorted."""
    from synthscope.check.hashes import load_builtin_hashers

    load_builtin_hashers()
    return sorted(_REGISTRY)

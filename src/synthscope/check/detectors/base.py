"""The Detector seam: anything that turns decoded media into a calibrated score with evidence.

Why this shape: a detector is judged by numbers (AUC, EER, calibration) measured by one harness, and
its output is shown to a person who must be able to disagree with it. So a detector has a single
method, :meth:`Detector.predict`, that returns a :class:`DetectorFinding` holding a probability
calibrated on named data (or ``None`` with a reason: no score is better than a made-up one) and
evidence a person can look at. Trainable detectors add :class:`Trainable` (``fit``/``save``) so the
same harness trains and evaluates them; fitted state lives in small files in the package with a
model card beside each.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from synthscope.errors import UsageError

if TYPE_CHECKING:
    from synthscope.check.detectors._load import Loaded

MODELS = Path(__file__).resolve().parent / "models"


@dataclass(slots=True)
class DetectorFinding:
    """One detector's answer: ``score`` is P(synthetic or manipulated), or None with ``reason``."""

    name: str
    version: str
    score: float | None
    evidence: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    reason_zh: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The CONTRACTS.md ``detectors[]`` shape (``reason`` and its Chinese ``reason_zh`` only
        when there is no score)."""
        out: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "score": None if self.score is None else round(float(self.score), 4),
            "evidence": self.evidence,
        }
        if self.score is None:
            out["reason"] = self.reason or "no score"
            out["reason_zh"] = self.reason_zh or out["reason"]
        return out


class Detector(ABC):
    """Scores one kind of media. Subclasses are registered by class name (``SpectralDetector`` is
    ``spectral``) and must provide :meth:`examples` for the contract suite. Constructors only store
    parameters; models load on first use."""

    name: ClassVar[str]
    version: ClassVar[str] = "0"
    kinds: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not any(getattr(getattr(cls, n, None), "__isabstractmethod__", False) for n in dir(cls)):
            cls.name = _name_from_class(cls.__name__)
            register_detector(cls)

    @abstractmethod
    def predict(self, media: Loaded) -> DetectorFinding:
        """Score ``media``; a file this detector cannot score gives a finding with ``score=None``.

        Raises:
            InputError: the media cannot be decoded at all.
        """

    @classmethod
    @abstractmethod
    def examples(cls) -> list[tuple[Detector, Loaded]]:
        """Instances and generated inputs the contract suite runs (offline, no reference data)."""

    def finding(
        self, score: float | None, reason: str | None = None, zh: str | None = None, **evidence: Any
    ) -> DetectorFinding:
        """A :class:`DetectorFinding` from this detector; ``zh`` is ``reason`` in Chinese."""
        return DetectorFinding(self.name, self.version, score, evidence, reason, zh)


class Trainable(ABC):
    """Mixin for detectors the harness can fit: ``fit`` returns self, ``save`` writes the model."""

    @abstractmethod
    def fit(self, samples: Sequence[Loaded], labels: list[int]) -> Trainable:
        """Learn from decoded samples with labels 1 (synthetic) and 0 (real).

        Raises:
            UsageError: the samples hold only one class or nothing this detector can read.
        """

    @abstractmethod
    def save(self, path: Path) -> None:
        """Write the fitted model to ``path`` atomically."""


_REGISTRY: dict[str, type[Detector]] = {}


def _name_from_class(class_name: str) -> str:
    stem = class_name.removesuffix("Detector") or class_name
    return re.sub(r"(?<!^)(?=[A-Z])", "-", stem).lower()


def register_detector(cls: type[Detector]) -> None:
    """Add a detector class; a second class with the same name is refused.

    Raises:
        UsageError: another class already uses the name.
    """
    existing = _REGISTRY.get(cls.name)
    if existing is not None and existing is not cls:
        raise UsageError(f"A detector named {cls.name!r} is already registered.")
    _REGISTRY[cls.name] = cls


def detector_class(name: str) -> type[Detector]:
    """The registered detector called ``name``.

    Raises:
        UsageError: no such detector.
    """
    from synthscope.check.detectors import load_builtin_detectors

    load_builtin_detectors()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UsageError(
            f"Unknown detector {name!r}; known detectors: {known}.",
            zh=f"未知的检测器 {name!r}；可用的检测器：{known}。",
        ) from None


def detector_names() -> list[str]:
    """Names of every registered detector, sorted."""
    from synthscope.check.detectors import load_builtin_detectors

    load_builtin_detectors()
    return sorted(_REGISTRY)

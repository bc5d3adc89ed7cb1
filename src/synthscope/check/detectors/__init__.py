"""Detectors: image, video and audio plugins behind one seam, and ``detect_file`` to run them.

Built-in detectors register when their modules are imported; third-party ones through the
``synthscope.plugins`` entry-point group, like every other seam.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from synthscope.check.detectors._load import Loaded
from synthscope.check.detectors.base import (
    Detector,
    DetectorFinding,
    Trainable,
    detector_class,
    detector_names,
)
from synthscope.errors import InputError

__all__ = [
    "Detector",
    "DetectorFinding",
    "Loaded",
    "Trainable",
    "detect",
    "detect_file",
    "detector_class",
    "detector_names",
    "load_builtin_detectors",
]

BUILTINS = (
    "metadata",
    "spectral",
    "cnn_image",
    "face_swap",
    "face_blend",
    "video_face",
    "lfcc_gmm",
    "cqcc_gmm",
    "vocoder_trace",
    "spectro_cnn",
)
_loaded = False


def load_builtin_detectors() -> None:
    """Import the built-in detector modules and any registered plugins (once)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in BUILTINS:
        importlib.import_module(f"synthscope.check.detectors.{module}")
    for ep in entry_points(group="synthscope.plugins"):
        if ep.value.startswith("synthscope.check.detectors"):
            ep.load()


def detect(media: Loaded, names: list[str] | None = None) -> list[dict[str, Any]]:
    """Findings (CONTRACTS.md ``detectors[]`` shape) of every detector that reads ``media.kind``.

    A detector that fails on this file yields a finding with ``score: null`` and the reason; the
    others still run.

    Raises:
        UsageError: an unknown detector name.
    """
    classes = [detector_class(n) for n in (names or detector_names())]
    findings = []
    for cls in classes:
        if media.kind not in cls.kinds:
            continue
        findings.append(_run(_instance(cls), media).to_dict())
    return findings


_INSTANCES: dict[type[Detector], Detector] = {}


def _instance(cls: type[Detector]) -> Detector:
    """One default instance per class, so shipped models load once per process, not per file."""
    if cls not in _INSTANCES:
        _INSTANCES[cls] = cls()
    return _INSTANCES[cls]


def _run(detector: Detector, media: Loaded) -> DetectorFinding:
    try:
        return detector.predict(media)
    except InputError as exc:
        return detector.finding(None, str(exc), zh=exc.localized("zh"))


def detect_file(path: str | Path, names: list[str] | None = None) -> list[dict[str, Any]]:
    """Read ``path`` and return the findings of the detectors that apply to it.

    Raises:
        InputError: the file cannot be read.
        UsageError: an unknown detector name.
    """
    return detect(Loaded.open(path), names)

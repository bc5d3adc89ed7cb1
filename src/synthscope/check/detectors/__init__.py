"""Detectors: image, video and audio plugins behind one seam, and ``detect_file`` to run them.

Built-in detectors register when their modules are imported; third-party ones through the
``synthscope.plugins`` entry-point group, like every other seam.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from synthscope.check.detectors import _load
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


def detect(
    media: Loaded, names: list[str] | None = None, *, explain_other_kinds: bool = False
) -> list[dict[str, Any]]:
    """Findings (CONTRACTS.md ``detectors[]`` shape) of every detector that reads ``media.kind``.

    A detector that fails on this file yields a finding with ``score: null`` and the reason; the
    others still run. With ``explain_other_kinds`` (a person named ``names``), each named detector
    that does not read this kind of file says so in a finding without a score.

    Raises:
        UsageError: an unknown detector name.
    """
    classes = [detector_class(n) for n in (names or detector_names())]
    detectors = [_instance(cls) for cls in classes if media.kind in cls.kinds]
    # A detector asked for by name that cannot read this kind says so rather than vanishing.
    skipped = [
        _other_kind(_instance(cls), media.kind).to_dict()
        for cls in classes
        if explain_other_kinds and media.kind not in cls.kinds
    ]
    if media.kind == "audio":
        return [finding.to_dict() for finding in _run_audio(detectors, media)] + skipped
    return [_run(detector, media).to_dict() for detector in detectors] + skipped


_KIND_EN = {"image": "an image", "audio": "audio", "video": "a video", "other": "none of these"}
_KIND_ZH = {"image": "图片", "audio": "音频", "video": "视频", "other": "以上都不是"}


def _other_kind(detector: Detector, kind: str) -> DetectorFinding:
    """A no-score finding for a detector that does not read ``kind``."""
    reads = sorted(detector.kinds)
    return detector.finding(
        None,
        f"it reads only {' and '.join(reads)} files; this file is {_KIND_EN[kind]}",
        zh=f"它只读取{'和'.join(_KIND_ZH[k] for k in reads)}文件；此文件：{_KIND_ZH[kind]}",
    )


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


def _run_audio(detectors: list[Detector], media: Loaded) -> list[DetectorFinding]:
    """A recording scored whole, or a long one window by window (``_load.AudioWindows``): each
    window is decoded once, scored by every detector and let go, so memory does not grow with
    the recording's length."""
    try:
        windows = media.audio_windows()
        if windows is None:
            return [_run(detector, media) for detector in detectors]
        parts: list[list[tuple[float, DetectorFinding]]] = [[] for _ in detectors]
        for start, window in windows:
            for detector, found in zip(detectors, parts, strict=True):
                found.append((start, _run(detector, window)))
    except InputError as exc:
        return [detector.finding(None, str(exc), zh=exc.localized("zh")) for detector in detectors]
    return [_merged(d, found, windows) for d, found in zip(detectors, parts, strict=True)]


_TIMES = ("start_s", "end_s", "start", "end")
_COVERING = ("covering the recording", "覆盖整段录音")
_SPREAD = ("spread over the recording", "均匀分布于录音中")


def _merged(
    detector: Detector, parts: list[tuple[float, DetectorFinding]], plan: _load.AudioWindows
) -> DetectorFinding:
    """One finding from a detector's findings on windows of a long recording: the score of its
    most suspicious window (``highest_window``; the mean of all windows is ``mean_score``): a
    30 s synthetic stretch spliced into ten minutes of real speech scored 0.92 in its window and
    0.11 as a mean, which the policy read as "no sign of synthesis". Time-stamped evidence
    (segments, timelines) in recording time; evidence that is the same in every window (a
    threshold) once, the rest per window under ``windows``."""
    scored = [f for _, f in parts if f.score is not None]
    shared = {
        key: value
        for key, value in (scored[0].evidence.items() if scored else ())
        if not isinstance(value, list) and all(f.evidence.get(key) == value for f in scored)
    }
    windows: list[dict[str, Any]] = []
    timed: dict[str, list[dict[str, Any]]] = {}
    for start, f in parts:
        window: dict[str, Any] = {
            "start_s": round(start, 2),
            "end_s": round(start + _load.AUDIO_WINDOW_S, 2),
            "score": None if f.score is None else round(float(f.score), 4),
        }
        if f.score is None:
            window["reason"] = f.reason
        for key, value in f.evidence.items():
            if isinstance(value, list) and all(isinstance(v, dict) for v in value):
                timed.setdefault(key, []).extend(_shifted(v, start) for v in value)
            elif key not in shared:
                window[key] = value
        windows.append(window)
    n, span = len(parts), f"{_load.AUDIO_WINDOW_S:g}"
    analysed = {
        "windows": n,
        "window_s": _load.AUDIO_WINDOW_S,
        "whole_up_to_s": _load.whole_s(),
        "covers_all": plan.tiled and n == len(plan),
        "recording_s": round(plan.seconds, 2),
    }
    evidence = {**shared, **timed, "windows": windows, "long_recording": analysed}
    if not scored:
        first = parts[0][1]
        how = _COVERING if plan.tiled else _SPREAD
        return detector.finding(
            None,
            f"{first.reason}, in all {n} windows of {span} s {how[0]}",
            zh=f"{first.reason_zh}；{how[1]}的 {n} 个 {span} 秒窗口均如此",
            **evidence,
        )
    mean = sum(float(f.score or 0.0) for f in scored) / len(scored)
    start, top = max(
        ((start, f) for start, f in parts if f.score is not None),
        key=lambda part: float(part[1].score or 0.0),
    )
    evidence["mean_score"] = round(mean, 4)
    evidence["highest_window"] = {
        "start_s": round(start, 2),
        "end_s": round(start + _load.AUDIO_WINDOW_S, 2),
        "score": round(float(top.score or 0.0), 4),
    }
    return detector.finding(float(top.score or 0.0), **evidence)


def _shifted(entry: dict[str, Any], start: float) -> dict[str, Any]:
    """A time-stamped evidence entry of a window, in the recording's time."""
    return {
        k: round(v + start, 2) if k in _TIMES and isinstance(v, int | float) else v
        for k, v in entry.items()
    }


def detect_file(path: str | Path, names: list[str] | None = None) -> list[dict[str, Any]]:
    """Read ``path`` and return the findings of the detectors that apply to it.

    Raises:
        InputError: the file cannot be read.
        UsageError: an unknown detector name.
    """
    return detect(Loaded.open(path), names, explain_other_kinds=bool(names))

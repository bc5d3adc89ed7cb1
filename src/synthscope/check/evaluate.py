"""Train and evaluate detectors on labelled folders: metrics, leave-one-group-out, robustness.

``evaluate`` scores a dataset with a detector's shipped (or given) model. ``cross_validate`` never
scores a sample with a model that saw it: it holds out one group at a time (a generator, a method,
an utterance) -- or five group-folds when there are many groups -- fits a fresh detector on the rest
and scores the held-out part, clean and degraded. ``train`` fits on everything and saves the model.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from synthscope.check._datasets import Sample, load_samples
from synthscope.check._metrics import roc_auc, summary
from synthscope.check._robustness import SWEEPS
from synthscope.check.detectors import Detector, Loaded, Trainable, detector_class
from synthscope.errors import SynthscopeError, UsageError

MAX_GROUP_FOLDS = 12
Transform = Callable[[Loaded], Loaded] | None


def _detector(name: str, model: Path | None = None) -> Detector:
    cls = detector_class(name)
    return cls(model_path=model) if model is not None else cls()  # type: ignore[call-arg]


def _score(detector: Detector, media: Loaded, transform: Transform) -> float | None:
    try:
        return detector.predict(transform(media) if transform else media).score
    except SynthscopeError:
        return None


def score_samples(
    detector: Detector, loaded: list[Loaded], labels: list[int], transform: Transform = None
) -> dict[str, Any]:
    """Metrics of ``detector`` on ``loaded`` (optionally degraded); unscored files are counted."""
    scores = [_score(detector, m, transform) for m in loaded]
    kept = [(y, s) for y, s in zip(labels, scores, strict=True) if s is not None]
    threshold = _threshold(detector)
    out: dict[str, Any] = (
        summary([y for y, _ in kept], [s for _, s in kept], threshold) if kept else {"n": 0}
    )
    out["unscored"] = len(scores) - len(kept)
    out["scores"] = [None if s is None else round(s, 5) for s in scores]
    return out


def _threshold(detector: Detector) -> float:
    """The threshold shipped with ``detector``'s model (0.5 for rule-based detectors)."""
    try:
        return float(detector.threshold)  # type: ignore[attr-defined]
    except (AttributeError, SynthscopeError):
        return 0.5


def _sweep(kind: str, robustness: bool) -> dict[str, Transform]:
    conditions: dict[str, Transform] = {"clean": None}
    if robustness:
        conditions.update(SWEEPS.get(kind, {}))
    return conditions


def _kind(loaded: list[Loaded]) -> str:
    return loaded[0].kind if loaded else "other"


def evaluate(
    name: str,
    root: Path,
    layout: str | None = None,
    robustness: bool = False,
    model: Path | None = None,
) -> dict[str, Any]:
    """Metrics of detector ``name`` with its shipped model (or ``model``) on the data at ``root``.

    Raises:
        UsageError: unknown detector or layout.
        InputError: no labelled data, or an unreadable model file.
    """
    samples = load_samples(root, layout)
    detector = _detector(name, model)
    loaded, labels = [Loaded.open(s.path) for s in samples], [s.label for s in samples]
    conditions = _sweep(_kind(loaded), robustness)
    results = {c: score_samples(detector, loaded, labels, t) for c, t in conditions.items()}
    return {
        "detector": name,
        "data": str(root),
        "mode": "shipped-model",
        "conditions": results,
        "files": [str(s.path) for s in samples],
        "labels": labels,
    }


def _folds(samples: list[Sample]) -> list[tuple[str, list[int]]]:
    groups = sorted({s.group for s in samples})
    if len(groups) <= MAX_GROUP_FOLDS:
        return [(g, [i for i, s in enumerate(samples) if s.group == g]) for g in groups]
    fold_of = {g: zlib.crc32(g.encode()) % 5 for g in groups}
    return [
        (f"fold{k}", [i for i, s in enumerate(samples) if fold_of[s.group] == k]) for k in range(5)
    ]


def cross_validate(
    name: str, root: Path, layout: str | None = None, robustness: bool = False
) -> dict[str, Any]:
    """Leave-one-group-out (or 5 group-folds) scores: each sample scored by a model that never saw
    its group. Per-fold AUC is reported where the held-out part has both classes.

    Raises:
        UsageError: unknown detector or layout, or a detector that cannot be trained.
        InputError: no labelled data.
    """
    samples = load_samples(root, layout)
    loaded, labels = [Loaded.open(s.path) for s in samples], np.array([s.label for s in samples])
    conditions = _sweep(_kind(loaded), robustness)
    scores = {c: np.full(len(samples), np.nan) for c in conditions}
    thresholds = np.full(len(samples), 0.5)
    per_fold: dict[str, dict[str, float]] = {}
    for fold, held in _folds(samples):
        detector = _fit(name, samples, loaded, set(held))
        thresholds[held] = _threshold(detector)
        for cond, transform in conditions.items():
            for i in held:
                s = _score(detector, loaded[i], transform)
                scores[cond][i] = np.nan if s is None else s
            per_fold.setdefault(fold, {})[cond] = roc_auc(
                labels[held], np.nan_to_num(scores[cond][held], nan=0.5)
            )
    return _cv_report(name, root, samples, labels, scores, thresholds, per_fold)


def _fit(name: str, samples: list[Sample], loaded: list[Loaded], held: set[int]) -> Detector:
    detector = _detector(name)
    if not isinstance(detector, Trainable):
        raise UsageError(
            f"The detector {name!r} cannot be trained.", zh=f"检测器 {name!r} 不可训练。"
        )
    keep = [i for i in range(len(samples)) if i not in held]
    detector.fit(
        [loaded[i] for i in keep],
        [samples[i].label for i in keep],  # type: ignore[call-arg]
        [samples[i].group for i in keep],
    )
    return detector


def _cv_report(
    name: str,
    root: Path,
    samples: list[Sample],
    labels: np.ndarray,
    scores: dict[str, np.ndarray],
    thresholds: np.ndarray,
    per_fold: dict[str, dict[str, float]],
) -> dict[str, Any]:
    results = {}
    for cond, s in scores.items():
        ok = ~np.isnan(s)
        res: dict[str, Any] = summary(labels[ok], s[ok], thresholds[ok]) if ok.any() else {"n": 0}
        aucs = [f[cond] for f in per_fold.values() if not np.isnan(f[cond])]
        res["mean_fold_auc"] = float(np.mean(aucs)) if aucs else float("nan")
        res["unscored"] = int((~ok).sum())
        res["scores"] = [None if np.isnan(v) else round(float(v), 5) for v in s]
        results[cond] = res
    return {
        "detector": name,
        "data": str(root),
        "mode": "cross-validation",
        "conditions": results,
        "folds": per_fold,
        "files": [str(s.path) for s in samples],
        "labels": labels.tolist(),
    }


def train(name: str, root: Path, out: Path, layout: str | None = None) -> dict[str, Any]:
    """Fit detector ``name`` on every sample under ``root`` and save the model to ``out``.

    Raises:
        UsageError: unknown detector or layout, or a detector that cannot be trained.
        InputError: no labelled data.
    """
    samples = load_samples(root, layout)
    loaded = [Loaded.open(s.path) for s in samples]
    detector = _fit(name, samples, loaded, set())
    detector.save(out)  # type: ignore[attr-defined]
    return {
        "detector": name,
        "data": str(root),
        "model": str(out),
        "n": len(samples),
        "n_fake": sum(s.label for s in samples),
        "groups": sorted({s.group for s in samples}),
    }


def render_table(report: dict[str, Any]) -> str:
    """A plain-text table: one row per condition with the main metrics."""
    cols = ("n", "auc", "ap", "eer", "ece", "accuracy", "fpr", "mean_fold_auc", "unscored")
    lines = [
        f"{report['detector']} on {report['data']} ({report['mode']})",
        "condition    " + " ".join(f"{c:>13}" for c in cols),
    ]
    for cond, res in report["conditions"].items():
        cells = [_cell(res.get(c)) for c in cols]
        lines.append(f"{cond:<12} " + " ".join(f"{c:>13}" for c in cells))
    for fold, aucs in report.get("folds", {}).items():
        lines.append(
            f"  held out {fold}: AUC " + ", ".join(f"{c} {_cell(v)}" for c, v in aucs.items())
        )
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def evaluate_many(
    root: Path,
    names: list[str] | None,
    *,
    layout: str | None = None,
    robustness: bool = False,
    cv: bool = False,
    model: Path | None = None,
) -> list[dict[str, Any]]:
    """Reports for each named detector, or for every detector that reads the data's media kind
    (trainable ones only with ``cv``).

    Raises:
        UsageError: unknown detector or layout, or no detector for this kind of data.
        InputError: no labelled data.
    """
    from synthscope.check.detectors import detector_names

    samples = load_samples(root, layout)
    kind = Loaded.open(samples[0].path).kind
    chosen = names or [
        n
        for n in detector_names()
        if kind in detector_class(n).kinds and (not cv or issubclass(detector_class(n), Trainable))
    ]
    if not chosen:
        raise UsageError(f"No detector reads {kind} files.", zh=f"没有能读取{kind}文件的检测器。")
    if cv:
        return [cross_validate(n, root, layout, robustness) for n in chosen]
    return [evaluate(n, root, layout, robustness, model) for n in chosen]

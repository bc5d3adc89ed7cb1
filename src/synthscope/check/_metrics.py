"""Detector metrics: ROC AUC, average precision, EER, accuracy and FPR at a threshold, ECE.

Pure numpy functions of (labels, scores); labels are 1 for synthetic and 0 for real. Ties count
half in AUC (the Mann-Whitney statistic), so a constant scorer gets exactly 0.5. A metric that is
undefined for the data (AUC with one class) is NaN here; :func:`finite` turns it into ``None``
for JSON, which has no NaN.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def _arrays(labels: ArrayLike, scores: ArrayLike) -> tuple[NDArray[np.int_], Array]:
    y, s = np.asarray(labels, dtype=int), np.asarray(scores, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError("labels and scores must be 1-D and of equal length")
    return y, s


def roc_auc(labels: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve; NaN when one class is missing."""
    y, s = _arrays(labels, scores)
    pos, neg = s[y == 1], s[y == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    ranks = _ranks(np.concatenate([pos, neg]))
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def _ranks(v: Array) -> Array:
    order = np.argsort(v, kind="mergesort")
    ranks = np.empty(len(v))
    sorted_v = v[order]
    i = 0
    while i < len(v):
        j = i
        while j + 1 < len(v) and sorted_v[j + 1] == sorted_v[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def average_precision(labels: ArrayLike, scores: ArrayLike) -> float:
    """Average precision (area under the step precision-recall curve); NaN with no positives."""
    y, s = _arrays(labels, scores)
    if not y.sum():
        return float("nan")
    order = np.argsort(-s, kind="mergesort")
    ys, ss = y[order], s[order]
    last = np.r_[np.flatnonzero(np.diff(ss)), len(ss) - 1]  # end of each tie block
    tp = np.cumsum(ys)[last]
    precision = tp / (last + 1)
    recall_gain = np.diff(np.r_[0, tp]) / y.sum()
    return float((precision * recall_gain).sum())


def roc_curve(labels: ArrayLike, scores: ArrayLike) -> tuple[Array, Array, Array]:
    """(false-positive rates, true-positive rates, thresholds), thresholds descending."""
    y, s = _arrays(labels, scores)
    thresholds = np.r_[np.inf, np.unique(s)[::-1]]
    tpr = np.array([(s[y == 1] >= t).mean() if y.sum() else 0.0 for t in thresholds])
    fpr = np.array([(s[y == 0] >= t).mean() if (y == 0).any() else 0.0 for t in thresholds])
    return fpr, tpr, thresholds


def eer(labels: ArrayLike, scores: ArrayLike) -> float:
    """Equal error rate: where the false-positive and false-negative rates meet (interpolated);
    NaN when one class is missing (one of the two rates does not exist)."""
    y, _ = _arrays(labels, scores)
    if y.all() or not y.any():
        return float("nan")
    fpr, tpr, _ = roc_curve(labels, scores)
    fnr = 1 - tpr
    diff = fpr - fnr
    k = int(np.flatnonzero(diff >= 0)[0])
    if k == 0 or diff[k] == 0:
        return float((fpr[k] + fnr[k]) / 2)
    t = diff[k - 1] / (diff[k - 1] - diff[k])
    return float(fpr[k - 1] + t * (fpr[k] - fpr[k - 1]))


def at_threshold(labels: ArrayLike, scores: ArrayLike, threshold: ArrayLike) -> dict[str, float]:
    """Accuracy, false-positive and false-negative rates when ``score >= threshold`` means fake
    (``threshold`` may be one value per sample, e.g. each fold model's own)."""
    y, s = _arrays(labels, scores)
    pred = s >= np.asarray(threshold, dtype=np.float64)
    fpr = float(pred[y == 0].mean()) if (y == 0).any() else float("nan")
    fnr = float((~pred[y == 1]).mean()) if (y == 1).any() else float("nan")
    return {"accuracy": float((pred == (y == 1)).mean()), "fpr": fpr, "fnr": fnr}


def ece(labels: ArrayLike, scores: ArrayLike, bins: int = 10) -> float:
    """Expected calibration error over ``bins`` equal-width score bins."""
    y, s = _arrays(labels, scores)
    idx = np.clip((s * bins).astype(int), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            total += mask.mean() * abs(s[mask].mean() - y[mask].mean())
    return float(total)


def summary(labels: ArrayLike, scores: ArrayLike, threshold: ArrayLike) -> dict[str, Any]:
    """Every metric above in one dict (n, auc, ap, eer, ece, accuracy, fpr, fnr)."""
    y, s = _arrays(labels, scores)
    out: dict[str, Any] = {"n": len(y), "n_fake": int(y.sum())}
    out.update(auc=roc_auc(y, s), ap=average_precision(y, s), eer=eer(y, s), ece=ece(y, s))
    out.update(at_threshold(y, s, threshold))
    return out


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float in it (in nested dicts, lists and tuples)
    replaced by ``None``: JSON has no NaN, and an undefined metric is absent, not a number."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value

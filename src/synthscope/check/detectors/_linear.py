"""Logistic regression with Platt calibration, in numpy, saved as a small JSON file.

The classifier is fitted by Newton's method with an L2 penalty on standardised features. Its raw
decision values are not probabilities on new data, so a Platt sigmoid is fitted on out-of-fold
decision values (k-fold on the training set only) and applied on top; the shipped threshold is then
a probability.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from synthscope import media
from synthscope.errors import InputError, MediaError, UsageError

Array = NDArray[np.float64]


@dataclass(slots=True)
class LinearModel:
    """Standardisation, weights and a Platt sigmoid; ``threshold`` is on the calibrated score."""

    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float
    platt_a: float = 1.0
    platt_b: float = 0.0
    threshold: float = 0.5

    def decision(self, x: Array) -> Array:
        """Raw decision values for rows of ``x``."""
        z = (np.atleast_2d(x) - np.array(self.mean)) / np.array(self.scale)
        return np.asarray(z @ np.array(self.weights) + self.bias)

    def proba(self, x: Array) -> Array:
        """Calibrated probabilities of the positive (synthetic) class."""
        return sigmoid(self.platt_a * self.decision(x) + self.platt_b)

    def save(self, path: Path) -> None:
        """Write the model as JSON, atomically."""
        write_atomic(path, json.dumps(asdict(self), indent=1).encode())

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """Read a model written by :meth:`save`.

        Raises:
            InputError: the file is missing or not a model.
        """
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise InputError(
                f"Cannot read the model file {path}.", zh=f"无法读取模型文件 {path}。"
            ) from exc


def write_atomic(path: Path, data: bytes) -> None:
    """:func:`synthscope.media.write_atomic` into ``path``'s folder, made first if missing (a
    model or report may go into a new folder).

    Raises:
        MediaError: the folder cannot be made or written, or ``path`` is a folder.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file where a folder should be, or no permission
        reason = exc.strerror or str(exc)
        raise MediaError(
            f"Cannot write {path}: {path.parent} cannot be made a folder ({reason}).",
            zh=f"无法写入 {path}：无法创建文件夹 {path.parent}（{reason}）。",
        ) from exc
    media.write_atomic(path, data)


def sigmoid(v: Array) -> Array:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(v, -40, 40))))


def fit_logistic(x: Array, y: NDArray[np.int_], l2: float = 1.0) -> LinearModel:
    """Fit weights on standardised ``x`` (no calibration yet).

    Raises:
        UsageError: fewer than two classes.
    """
    if len(set(y.tolist())) < 2:
        raise UsageError(
            "Training needs both real and synthetic samples.", zh="训练需要真实和合成两类样本。"
        )
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    w = _newton((x - mean) / scale, y.astype(np.float64), l2)
    return LinearModel(mean.tolist(), scale.tolist(), w[:-1].tolist(), float(w[-1]))


def _newton(z: Array, y: Array, l2: float, steps: int = 30) -> Array:
    a = np.hstack([z, np.ones((len(z), 1))])
    w = np.zeros(a.shape[1])
    reg = np.full(a.shape[1], l2)
    reg[-1] = 1e-6
    for _ in range(steps):
        p = sigmoid(a @ w)
        grad = a.T @ (p - y) + reg * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    return w


def platt_calibration(decision: Array, y: NDArray[np.int_], fpr_target: float) -> dict[str, float]:
    """Platt's (a, b) fitted on held-out decision values, and the threshold: the calibrated
    score that at most ``fpr_target`` of the real (label 0) values reach, never below 0.5."""
    a, b = fit_platt(decision, y)
    return {
        "platt_a": a,
        "platt_b": b,
        "threshold": fpr_threshold(a * decision[y == 0] + b, fpr_target),
    }


def fpr_threshold(real_logits: Array, fpr_target: float) -> float:
    """The calibrated score that at most ``fpr_target`` of the reals' calibrated logits reach,
    never below 0.5."""
    return float(max(0.5, np.quantile(sigmoid(real_logits), 1 - fpr_target)))


def fit_platt(decision: Array, y: NDArray[np.int_]) -> tuple[float, float]:
    """Platt's sigmoid (a, b) mapping decision values to probabilities, with his label smoothing."""
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    target = np.where(y == 1, (pos + 1) / (pos + 2), 1 / (neg + 2))
    w = _newton(decision[:, None], target, 1e-3)
    return float(w[0]), float(w[1])


def fit_calibrated(
    x: Array, y: NDArray[np.int_], groups: list[str], l2: float = 1.0, fpr_target: float = 0.05
) -> LinearModel:
    """Logistic regression whose Platt sigmoid is fitted on out-of-fold decision values.

    The threshold is the calibrated out-of-fold score that at most ``fpr_target`` of the real
    samples reach (never below 0.5), so it is set on scores of models that did not see them.
    Folds follow ``groups`` when there are 3-12 (so calibration sees unseen generators), five
    buckets of whole groups when there are more, otherwise five interleaved folds.

    Raises:
        UsageError: fewer than two classes.
    """
    folds = group_folds(groups, len(y))
    oof = np.zeros(len(y))
    for held in folds:
        train = np.setdiff1d(np.arange(len(y)), held)
        if len(set(y[train].tolist())) < 2:
            continue
        oof[held] = fit_logistic(x[train], y[train], l2).decision(x[held])
    model = fit_logistic(x, y, l2)
    model.platt_a, model.platt_b = fit_platt(oof, y)
    model.threshold = fpr_threshold(model.platt_a * oof[y == 0] + model.platt_b, fpr_target)
    return model


def group_folds(groups: list[str], n: int) -> list[NDArray[np.int_]]:
    """Held-out index sets: one per group when there are 3-12 groups, five buckets of whole
    groups when there are more, otherwise five interleaved folds."""
    names = sorted(set(groups))
    g = np.array(groups)
    if 3 <= len(names) <= 12:
        return [np.flatnonzero(g == name) for name in names]
    if len(names) > 12:  # many small groups (utterances, videos): five buckets of whole groups
        bucket = np.array([zlib.crc32(name.encode()) % 5 for name in groups])
        return [np.flatnonzero(bucket == k) for k in range(5)]
    idx = np.arange(n)
    return [idx[k::5] for k in range(5)]

"""A scorer chosen by leave-one-generator-out on the training set alone, and the one-class model.

A classifier fitted on a handful of generators learns which way *those* generators deviate from
camera images; a generator that deviates the other way then scores below its own reals (the
spectral model's version 2 did: a signed logistic regression on every feature reached a
leave-one-generator-out AUC of 0.51). A one-class model asks only "how far is this from the real
images I know", which has no direction to get wrong, but it is only as good as the features it
measures distance on. Which scorer and which feature group carry over to unseen generators is an
empirical question, so :func:`fit_selected` answers it on the training data: every candidate
(scorer x feature group) is scored by leave-one-generator-out *within* the training generators,
the best mean AUC wins, and only then is the winner fitted on everything and calibrated. An
evaluation that holds a generator out therefore never lets it influence the choice (nested
cross-validation), and the choice with its inner AUCs is saved in the model file.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from synthscope.check._metrics import roc_auc
from synthscope.check.detectors._linear import (
    LinearModel,
    fit_logistic,
    fit_platt,
    fpr_threshold,
    group_folds,
    sigmoid,
    write_atomic,
)
from synthscope.errors import InputError, UsageError

Array = NDArray[np.float64]
K_NEAREST = 5
MIN_GENERATORS = 3  # fewer generator groups leave nothing to hold out: logistic on all features


class ScoreModel(Protocol):
    """What a detector needs of a fitted model."""

    @property
    def threshold(self) -> float: ...

    def proba(self, x: Array) -> Array: ...

    def save(self, path: Path) -> None: ...


@dataclass(slots=True)
class NearestRealModel:
    """One-class scorer: mean squared distance to the ``k`` nearest real training rows, on the
    standardised ``features`` columns, through a Platt sigmoid."""

    features: list[int]
    mean: list[float]
    scale: list[float]
    reference: list[list[float]]  # standardised real rows
    k: int = K_NEAREST
    platt_a: float = 1.0
    platt_b: float = 0.0
    threshold: float = 0.5
    selection: dict[str, Any] = field(default_factory=dict)

    def decision(self, x: Array) -> Array:
        """Log of the mean squared distance of each row of ``x`` to its nearest real rows (the
        log tames the long tail of odd real pictures, which would otherwise dominate the Platt
        fit)."""
        z = (np.atleast_2d(x)[:, self.features] - np.array(self.mean)) / np.array(self.scale)
        ref = np.array(self.reference)
        d = ((z[:, None, :] - ref[None, :, :]) ** 2).sum(axis=2)
        k = min(self.k, ref.shape[0])
        return np.asarray(np.log(np.partition(d, k - 1, axis=1)[:, :k].mean(axis=1) + 1e-3))

    def proba(self, x: Array) -> Array:
        """Calibrated probabilities of the positive (synthetic) class."""
        return sigmoid(self.platt_a * self.decision(x) + self.platt_b)

    def save(self, path: Path) -> None:
        """Write the model as JSON (``"kind": "nearest-real"``), atomically."""
        body = {"kind": "nearest-real", **asdict(self)}
        body["reference"] = [[round(v, 5) for v in row] for row in self.reference]
        write_atomic(path, json.dumps(body).encode())


@dataclass(slots=True)
class SubsetLogistic:
    """A :class:`LinearModel` that reads only the ``features`` columns."""

    features: list[int]
    linear: LinearModel
    selection: dict[str, Any] = field(default_factory=dict)

    @property
    def threshold(self) -> float:
        return self.linear.threshold

    def decision(self, x: Array) -> Array:
        return self.linear.decision(np.atleast_2d(x)[:, self.features])

    def proba(self, x: Array) -> Array:
        return self.linear.proba(np.atleast_2d(x)[:, self.features])

    def save(self, path: Path) -> None:
        """Write the model as JSON (``"kind": "logistic"``), atomically."""
        body = {
            "kind": "logistic",
            "features": self.features,
            "selection": self.selection,
            **asdict(self.linear),
        }
        write_atomic(path, json.dumps(body, indent=1).encode())


def columns_read(model: ScoreModel) -> list[int] | None:
    """The feature columns ``model`` reads (None: all of them)."""
    return model.features if isinstance(model, SubsetLogistic | NearestRealModel) else None


def load_model(path: Path) -> ScoreModel:
    """Read a model written by any of the ``save`` methods here or by :class:`LinearModel`.

    Raises:
        InputError: the file is missing or not a model.
    """
    try:
        body = json.loads(path.read_text())
        kind = body.pop("kind", None)
        if kind == "nearest-real":
            return NearestRealModel(**body)
        if kind == "logistic":
            features, selection = body.pop("features"), body.pop("selection", {})
            return SubsetLogistic(features, LinearModel(**body), selection)
        return LinearModel(**body)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise InputError(
            f"Cannot read the model file {path}.", zh=f"无法读取模型文件 {path}。"
        ) from exc


def _fit_logistic(x: Array, y: NDArray[np.int_], features: list[int]) -> SubsetLogistic:
    return SubsetLogistic(features, fit_logistic(x[:, features], y))


def _fit_nearest(x: Array, y: NDArray[np.int_], features: list[int]) -> NearestRealModel:
    real = x[y == 0][:, features]
    mean, scale = real.mean(axis=0), real.std(axis=0) + 1e-6
    ref = (real - mean) / scale
    return NearestRealModel(features, mean.tolist(), scale.tolist(), ref.tolist())


Fitted = SubsetLogistic | NearestRealModel
SCORERS: dict[str, Callable[[Array, NDArray[np.int_], list[int]], Fitted]] = {
    "logistic": _fit_logistic,
    "nearest-real": _fit_nearest,
}


def fit_selected(
    x: Array,
    y: NDArray[np.int_],
    groups: list[str],
    feature_groups: dict[str, list[int]],
    made: NDArray[np.bool_],
    fpr_target: float = 0.05,
) -> ScoreModel:
    """The candidate (scorer x feature group) with the best inner leave-one-generator-out AUC,
    fitted on all rows and Platt-calibrated on out-of-fold decision values.

    ``made`` marks rows that are not real samples (simulated fakes): they train but are never
    held out to judge a candidate. A generator group is one holding both real pictures and real
    fakes (CNNDetection's generators; a folder of reals and fakes has none); with fewer than
    MIN_GENERATORS the logistic regression on every feature is used without a choice.

    Raises:
        UsageError: fewer than two classes.
    """
    if len(set(y.tolist())) < 2:
        raise UsageError(
            "Training needs both real and synthetic samples.", zh="训练需要真实和合成两类样本。"
        )
    g = np.array(groups)
    generators = sorted(set(map(str, g[(y == 1) & ~made])) & set(map(str, g[(y == 0) & ~made])))
    if len(generators) < MIN_GENERATORS:
        scorer, name = "logistic", "all" if "all" in feature_groups else next(iter(feature_groups))
        oof, judged = _group_folds_oof(x, y, groups, scorer, feature_groups[name])
        paired, inner = judged, {}
    else:
        # One leave-one-generator-out pass per candidate: its per-generator AUCs judge it, and
        # the winner's out-of-fold values calibrate it.
        passes = {
            (scorer, name): _generator_oof(x, y, g, made, generators, scorer, feature_groups[name])
            for scorer in SCORERS
            for name in feature_groups
        }
        inner = {f"{s}/{n}": _mean_auc(y, g, generators, *oof) for (s, n), oof in passes.items()}
        scorer, name = max(passes, key=lambda c: inner[f"{c[0]}/{c[1]}"])
        oof, paired = passes[scorer, name]
        judged = paired | _other_reals_oof(
            x, y, g, made, generators, scorer, feature_groups[name], oof
        )
    model = SCORERS[scorer](x, y, feature_groups[name])
    calib = model.linear if isinstance(model, SubsetLogistic) else model
    a, b = fit_platt(oof[paired], y[paired])
    # A negative slope would turn the ranking the candidate was chosen for upside down; no
    # slope at all says honestly that the calibration rows could not be told apart.
    calib.platt_a, calib.platt_b = (a, b) if a > 0 else (0.0, _logit(float(y[paired].mean())))
    calib.threshold = fpr_threshold(
        calib.platt_a * oof[judged & (y == 0)] + calib.platt_b, fpr_target
    )
    model.selection = {
        "chosen": f"{scorer}/{name}",
        "inner_leave_one_generator_out_auc": {k: round(v, 4) for k, v in inner.items()},
        "generators": generators,
    }
    return model


def _generator_oof(
    x: Array,
    y: NDArray[np.int_],
    g: NDArray[np.str_],
    made: NDArray[np.bool_],
    generators: list[str],
    scorer: str,
    features: list[int],
) -> tuple[Array, NDArray[np.bool_]]:
    """Decision values of each generator's real samples from a fit on the other groups (the
    question calibration and choice both ask: an unseen generator beside its own reals), and
    which rows got one."""
    oof = np.zeros(len(y))
    scored = np.zeros(len(y), dtype=bool)
    for gen in generators:
        held = g == gen
        if len(set(y[~held].tolist())) < 2:
            continue
        test = held & ~made
        oof[test] = SCORERS[scorer](x[~held], y[~held], features).decision(x[test])
        scored |= test
    return oof, scored


def _mean_auc(
    y: NDArray[np.int_],
    g: NDArray[np.str_],
    generators: list[str],
    oof: Array,
    scored: NDArray[np.bool_],
) -> float:
    """Mean over the generators of the AUC of their out-of-fold values."""
    aucs = [
        roc_auc(y[rows], oof[rows])
        for rows in (scored & (g == gen) for gen in generators)
        if len(set(y[rows].tolist())) == 2
    ]
    return float(np.mean(aucs)) if aucs else 0.5


def _other_reals_oof(
    x: Array,
    y: NDArray[np.int_],
    g: NDArray[np.str_],
    made: NDArray[np.bool_],
    generators: list[str],
    scorer: str,
    features: list[int],
    oof: Array,
) -> NDArray[np.bool_]:
    """Fill ``oof`` for the real pictures outside the generator groups, held out in five buckets
    of whole groups (so the threshold also sees reals from sources it was not fitted on); the
    rows filled."""
    others = np.flatnonzero(~np.isin(g, generators) & ~made & (y == 0))
    bucket = np.array([zlib.crc32(str(v).encode()) % 5 for v in g[others]], dtype=int)
    scored = np.zeros(len(y), dtype=bool)
    for k in range(5):
        held = others[bucket == k]
        train = np.setdiff1d(np.arange(len(y)), held)
        if len(held) == 0 or len(set(y[train].tolist())) < 2:
            continue
        oof[held] = SCORERS[scorer](x[train], y[train], features).decision(x[held])
        scored[held] = True
    return scored


def _group_folds_oof(
    x: Array, y: NDArray[np.int_], groups: list[str], scorer: str, features: list[int]
) -> tuple[Array, NDArray[np.bool_]]:
    """Out-of-fold decision values over :func:`_linear.group_folds`, and which rows got one."""
    oof = np.zeros(len(y))
    scored = np.zeros(len(y), dtype=bool)
    for held in group_folds(groups, len(y)):
        train = np.setdiff1d(np.arange(len(y)), held)
        if len(set(y[train].tolist())) < 2:
            continue
        oof[held] = SCORERS[scorer](x[train], y[train], features).decision(x[held])
        scored[held] = True
    return oof, scored


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))

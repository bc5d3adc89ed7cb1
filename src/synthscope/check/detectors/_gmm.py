"""A diagonal-covariance Gaussian mixture fitted by EM (numpy), for the LFCC-GMM back end."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
VAR_FLOOR = 1e-3


@dataclass(slots=True)
class Gmm:
    """Weights (K), means (K, D) and variances (K, D)."""

    weights: Array
    means: Array
    variances: Array

    def frame_loglik(self, x: Array) -> Array:
        """Log-likelihood of each row of ``x``."""
        inv = 1.0 / self.variances
        const = np.log(self.weights) - 0.5 * np.log(2 * np.pi * self.variances).sum(axis=1)
        quad = (x * x) @ inv.T - 2 * x @ (self.means * inv).T + (self.means**2 * inv).sum(axis=1)
        joint = const - 0.5 * quad
        top = joint.max(axis=1, keepdims=True)
        return np.asarray((top + np.log(np.exp(joint - top).sum(axis=1, keepdims=True)))[:, 0])


def fit_gmm(x: Array, k: int, iterations: int = 25, seed: int = 0) -> Gmm:
    """EM from ``k`` random rows of ``x`` (at most as many components as rows)."""
    rng = np.random.default_rng(seed)
    k = max(1, min(k, len(x)))
    var = np.maximum(x.var(axis=0), VAR_FLOOR)
    gmm = Gmm(
        np.full(k, 1.0 / k), x[rng.choice(len(x), k, replace=False)].copy(), np.tile(var, (k, 1))
    )
    for _ in range(iterations):
        gmm = _em_step(gmm, x, var)
    return gmm


def _em_step(gmm: Gmm, x: Array, global_var: Array) -> Gmm:
    inv = 1.0 / gmm.variances
    const = np.log(gmm.weights) - 0.5 * np.log(2 * np.pi * gmm.variances).sum(axis=1)
    quad = (x * x) @ inv.T - 2 * x @ (gmm.means * inv).T + (gmm.means**2 * inv).sum(axis=1)
    joint = const - 0.5 * quad
    joint -= joint.max(axis=1, keepdims=True)
    resp = np.exp(joint)
    resp /= resp.sum(axis=1, keepdims=True)
    mass = resp.sum(axis=0) + 1e-9
    means = (resp.T @ x) / mass[:, None]
    variances = np.maximum((resp.T @ (x * x)) / mass[:, None] - means**2, VAR_FLOOR * global_var)
    return Gmm(mass / mass.sum(), means, variances)

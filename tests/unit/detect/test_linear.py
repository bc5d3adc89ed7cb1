from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synthscope.check._metrics import roc_auc
from synthscope.check.detectors._linear import LinearModel, fit_calibrated, fit_logistic
from synthscope.errors import InputError, UsageError


def blobs(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(0, 1, (n, 5)) + y[:, None] * np.array([1.5, 0, 0, -1.0, 0])
    return x, y


def test_logistic_separates_and_calibrates() -> None:
    x, y = blobs()
    model = fit_calibrated(x, y, ["g"] * len(y))
    xt, yt = blobs(seed=1)
    p = model.proba(xt)
    assert roc_auc(yt, p) > 0.9
    assert np.all((p > 0) & (p < 1))
    assert abs(p.mean() - yt.mean()) < 0.1  # calibrated on average


def test_one_class_is_refused() -> None:
    x, _ = blobs()
    with pytest.raises(UsageError):
        fit_logistic(x, np.zeros(len(x), dtype=int))


def test_save_load_round_trip(tmp_path: Path) -> None:
    x, y = blobs()
    model = fit_calibrated(x, y, [str(i % 4) for i in range(len(y))])
    model.save(tmp_path / "m.json")
    again = LinearModel.load(tmp_path / "m.json")
    assert np.allclose(again.proba(x), model.proba(x))
    with pytest.raises(InputError):
        LinearModel.load(tmp_path / "absent.json")

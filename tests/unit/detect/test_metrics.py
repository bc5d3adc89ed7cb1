from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from synthscope.check._metrics import at_threshold, average_precision, ece, eer, roc_auc, summary


def test_auc_perfect_inverted_and_ties() -> None:
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert roc_auc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5
    assert roc_auc([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9]) == 0.75
    assert math.isnan(roc_auc([1, 1], [0.2, 0.3]))


def test_average_precision_hand_computed() -> None:
    # ranking: 1 (pos), 0.8 (neg), 0.6 (pos) -> AP = (1/1 + 2/3) / 2
    assert average_precision([1, 0, 1], [1.0, 0.8, 0.6]) == pytest.approx((1 + 2 / 3) / 2)


def test_eer_perfect_and_interpolated() -> None:
    assert eer([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 0.0
    assert eer([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9]) == pytest.approx(0.5)


def test_threshold_rates_and_ece() -> None:
    got = at_threshold([0, 0, 1, 1], [0.1, 0.7, 0.4, 0.9], 0.5)
    assert got == {"accuracy": 0.5, "fpr": 0.5, "fnr": 0.5}
    assert ece([0, 1], [0.0, 1.0]) == 0.0
    assert ece([0, 0], [0.95, 0.95]) == pytest.approx(0.95)


@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 100)), min_size=2, max_size=40))
def test_auc_is_rank_based_and_bounded(rows: list[tuple[int, int]]) -> None:
    y = np.array([r[0] for r in rows])
    s = np.array([r[1] for r in rows]) / 100
    auc = roc_auc(y, s)
    if 0 < y.sum() < len(y):
        assert 0.0 <= auc <= 1.0
        assert roc_auc(y, 2 * s + 1) == pytest.approx(auc)
        assert roc_auc(1 - y, s) == pytest.approx(1 - auc)


def test_summary_has_every_metric() -> None:
    out = summary([0, 1, 0, 1], [0.2, 0.9, 0.4, 0.6], 0.5)
    assert set(out) >= {"n", "auc", "ap", "eer", "ece", "accuracy", "fpr", "fnr"}


def test_eer_is_undefined_with_one_class() -> None:
    """With one class there is no false-negative (or no false-positive) rate to meet: NaN, not
    the 1.0 the curve's end point gave."""
    assert math.isnan(eer([0, 0, 0], [0.1, 0.5, 0.9]))
    assert math.isnan(eer([1, 1], [0.1, 0.9]))
    assert math.isnan(summary([0, 0], [0.2, 0.7], 0.5)["eer"])


def test_finite_turns_every_nan_and_infinity_into_none() -> None:
    from synthscope.check._metrics import finite

    value = {"a": [math.nan, 1.5, np.float32(2.0)], "b": (math.inf, {"c": -math.inf}), "d": 3}
    assert finite(value) == {"a": [None, 1.5, 2.0], "b": [None, {"c": None}], "d": 3}

"""Scorer selection by inner leave-one-generator-out, and the one-class nearest-real model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synthscope.check._metrics import roc_auc
from synthscope.check.detectors._linear import LinearModel
from synthscope.check.detectors._select import (
    NearestRealModel,
    SubsetLogistic,
    fit_selected,
    load_model,
)
from synthscope.errors import InputError, UsageError

GROUPS = {"all": [0, 1, 2, 3, 4, 5], "a": [0, 1, 2], "b": [3, 4, 5]}


def generators(
    n_gen: int, seed: int, per: int = 30
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Reals ~ N(0, I); each generator's fakes leave the reals in its own direction within
    columns 0-2 (so no sign learnt from some generators carries over to another), columns 3-5
    are noise. Plus 40 reals of a source without fakes."""
    rng = np.random.default_rng(seed)
    xs, ys, gs = [], [], []
    for k in range(n_gen):
        direction = rng.normal(0, 1, 3)
        direction /= np.linalg.norm(direction)
        reals = rng.normal(0, 1, (per, 6))
        fakes = rng.normal(0, 1, (per, 6))
        fakes[:, :3] += 4.0 * direction
        xs += [reals, fakes]
        ys += [0] * per + [1] * per
        gs += [f"gen{k}"] * (2 * per)
    xs.append(rng.normal(0, 1, (40, 6)))
    ys += [0] * 40
    gs += [f"photo{i}" for i in range(40)]
    x, y = np.vstack(xs), np.array(ys)
    return x, y, gs, np.zeros(len(y), dtype=bool)


def test_one_class_wins_when_generators_disagree_and_transfers() -> None:
    x, y, g, made = generators(6, seed=0)
    model = fit_selected(x, y, g, GROUPS, made)
    assert isinstance(model, NearestRealModel)
    assert model.selection["chosen"] == "nearest-real/a"
    assert set(model.selection["inner_leave_one_generator_out_auc"]) == {
        f"{s}/{n}" for s in ("logistic", "nearest-real") for n in GROUPS
    }
    assert model.platt_a > 0
    xt, yt, _, _ = generators(3, seed=5)  # generators it never saw
    assert roc_auc(yt, model.proba(xt)) > 0.9
    # the threshold holds back most reals of a source without fakes
    photos = np.random.default_rng(9).normal(0, 1, (400, 6))
    assert np.mean(model.proba(photos) >= model.threshold) < 0.15


def test_logistic_wins_when_generators_agree() -> None:
    rng = np.random.default_rng(1)
    n = 40
    x = rng.normal(0, 1, (12 * n, 6))
    y = np.tile(np.r_[np.zeros(n, int), np.ones(n, int)], 6)
    x[y == 1, 4] += 1.5  # every generator shifts column 4 the same way
    g = [f"gen{k}" for k in range(6) for _ in range(2 * n)]
    model = fit_selected(x, y, g, GROUPS, np.zeros(len(y), dtype=bool))
    assert isinstance(model, SubsetLogistic)
    assert model.selection["chosen"] in {"logistic/b", "logistic/all"}
    assert model.threshold >= 0.5


def test_few_generators_fall_back_to_logistic_on_everything() -> None:
    x, y, g, made = generators(2, seed=2)
    model = fit_selected(x, y, g, GROUPS, made)
    assert isinstance(model, SubsetLogistic)
    assert model.selection["chosen"] == "logistic/all"
    assert model.selection["inner_leave_one_generator_out_auc"] == {}


def test_simulated_rows_train_but_do_not_judge() -> None:
    x, y, g, made = generators(4, seed=3)
    # simulated fakes in the photo groups: labelled 1, never make a photo group a generator
    extra = np.random.default_rng(4).normal(0, 1, (40, 6)) + 8.0
    x2 = np.vstack([x, extra])
    y2 = np.r_[y, np.ones(40, int)]
    g2 = [*g, *(f"photo{i}" for i in range(40))]
    made2 = np.r_[made, np.ones(40, dtype=bool)]
    model = fit_selected(x2, y2, g2, GROUPS, made2)
    assert model.selection["generators"] == [f"gen{k}" for k in range(4)]


def test_one_class_data_is_refused() -> None:
    x, y, g, made = generators(3, seed=0)
    with pytest.raises(UsageError):
        fit_selected(x, np.zeros(len(y), dtype=int), g, GROUPS, made)


@pytest.mark.parametrize("agree", [False, True])
def test_save_load_round_trip(tmp_path: Path, agree: bool) -> None:
    x, y, g, made = generators(6, seed=6)
    if agree:
        x[y == 1, 4] += 6.0
        x[y == 1, :3] = np.random.default_rng(0).normal(0, 1, (int(y.sum()), 3))
    model = fit_selected(x, y, g, GROUPS, made)
    model.save(tmp_path / "m.json")
    again = load_model(tmp_path / "m.json")
    assert type(again) is type(model)
    assert np.allclose(again.proba(x), model.proba(x), atol=1e-4)
    assert again.threshold == model.threshold


def test_plain_linear_files_still_load(tmp_path: Path) -> None:
    LinearModel([0.0], [1.0], [2.0], 0.0).save(tmp_path / "old.json")
    assert isinstance(load_model(tmp_path / "old.json"), LinearModel)
    (tmp_path / "bad.json").write_text('{"kind": "nearest-real"}')
    with pytest.raises(InputError):
        load_model(tmp_path / "bad.json")
    with pytest.raises(InputError):
        load_model(tmp_path / "absent.json")

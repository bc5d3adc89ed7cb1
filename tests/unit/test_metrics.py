"""Tests for synthscope.observe.metrics: hand-computed values, invariants and edge cases."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthscope.errors import InputError
from synthscope.observe import metrics as m
from synthscope.observe.items import MODALITIES

NAN = float("nan")


def _json(obj: Any) -> Any:
    """Round-trip through strict JSON: fails on NaN, inf or non-plain types."""
    return json.loads(json.dumps(obj, allow_nan=False))


def _delta_halfwidth(plays: np.ndarray, values: np.ndarray) -> float:
    """Delta-method 95% half-width of 1000 * sum(values) / sum(plays), as a reference."""
    ratio = values.sum() / plays.sum()
    return float(1000 * 1.96 * np.sqrt(((values - ratio * plays) ** 2).sum()) / plays.sum())


# --- years --------------------------------------------------------------------------------------


def test_fill_years_zero_fills_in_order_and_drops_outside() -> None:
    filled = m.fill_years({2019: 5, 2017: 2, 2030: 9}, 2017, 2020)
    assert list(filled.items()) == [(2017, 2), (2018, 0), (2019, 5), (2020, 0)]


def test_fill_years_rejects_reversed_range() -> None:
    with pytest.raises(InputError):
        m.fill_years({}, 2021, 2017)


@given(st.dictionaries(st.integers(2000, 2030), st.integers(0, 10**9)), st.integers(2000, 2030))
def test_fill_years_keeps_given_years(series: dict[int, int], start: int) -> None:
    end = start + 5
    filled = m.fill_years(series, start, end)
    assert list(filled) == list(range(start, end + 1))
    for year, value in filled.items():
        assert value == series.get(year, 0)


def test_year_range() -> None:
    assert m.year_range({2019: 1}, {}, {2015: 0, 2021: 3}) == (2015, 2021)
    assert m.year_range({}, {}) is None
    assert m.year_range() is None


# --- growth -------------------------------------------------------------------------------------


def test_growth_tenfold_over_four_years() -> None:
    result = m.growth({2017: 10, 2019: 50, 2021: 100}, 2017, 2021)
    assert result.multiple == pytest.approx(10.0)
    assert result.cagr == pytest.approx(10**0.25 - 1)
    assert result.to_dict() == {
        "from": 2017,
        "to": 2021,
        "value": 10.0,
        "cagr": 0.7783,
        "start_value": 10,
        "end_value": 100,
    }


def test_growth_from_zero_is_undefined_not_zero() -> None:
    result = m.growth({2018: 4}, 2017, 2018)
    assert result.start_value == 0
    assert result.multiple is None and result.cagr is None
    assert _json(result.to_dict())["value"] is None


def test_growth_to_zero_is_minus_one_hundred_percent() -> None:
    result = m.growth({2017: 8, 2019: 0}, 2017, 2019)
    assert result.multiple == 0
    assert result.cagr == pytest.approx(-1.0)


def test_growth_nan_and_same_year() -> None:
    nan_growth = m.growth({2017: NAN, 2018: 3}, 2017, 2018)
    assert nan_growth.multiple is None and nan_growth.cagr is None
    assert _json(nan_growth.to_dict())["start_value"] is None
    same = m.growth({2020: 3}, 2020, 2020)
    assert same.multiple == 1.0 and same.cagr is None


@pytest.mark.parametrize(("series", "start", "end"), [({}, 2021, 2017), ({2017: -1}, 2017, 2018)])
def test_growth_rejects_bad_input(series: dict[int, float], start: int, end: int) -> None:
    with pytest.raises(InputError):
        m.growth(series, start, end)


# --- log-linear fit -----------------------------------------------------------------------------


def test_loglinear_perfect_exponential() -> None:
    fit = m.loglinear_fit({2017 + i: 5.0 * 3.0**i for i in range(5)})
    assert fit.annual_factor == pytest.approx(3.0)
    assert fit.r2 == pytest.approx(1.0, abs=1e-12)
    assert (fit.years, fit.n_points, fit.excluded_years, fit.quality) == (
        (2017, 2021),
        5,
        (),
        "good",
    )
    assert fit.to_dict()["r2"] == 1.0
    assert fit.to_dict()["annual_factor"] == 3.0


def test_loglinear_excludes_zero_and_nan_years() -> None:
    fit = m.loglinear_fit({2015: NAN, 2016: 0, 2017: 1, 2018: 2, 2019: 4})
    assert fit.excluded_years == (2015, 2016)
    assert fit.years == (2017, 2019) and fit.n_points == 3
    assert fit.annual_factor == pytest.approx(2.0)


def test_loglinear_flags_poor_fit() -> None:
    # ln values 0, 4.6, 0, 4.6, 0 against centred years: no trend at all, R² = 0.
    fit = m.loglinear_fit({2017: 1, 2018: 100, 2019: 1, 2020: 100, 2021: 1})
    assert fit.quality == "poor"
    assert fit.r2 == pytest.approx(0.0, abs=1e-12)
    assert fit.annual_factor == pytest.approx(1.0)


def test_loglinear_fair_fit_by_hand() -> None:
    # ln values 0, 2, 2 on x = -1, 0, 1: slope 1, residuals -1/3, 2/3, -1/3 -> R² = 1 - 6/24.
    fit = m.loglinear_fit({2019: 1.0, 2020: math.e**2, 2021: math.e**2})
    assert fit.r2 == pytest.approx(0.75)
    assert fit.annual_factor == pytest.approx(math.e)
    assert fit.quality == "fair"


def test_loglinear_insufficient_points_give_no_numbers() -> None:
    fit = m.loglinear_fit({2019: 0, 2020: 10, 2021: 100})
    assert (fit.annual_factor, fit.r2, fit.quality) == (None, None, "insufficient")
    assert fit.n_points == 2 and fit.years == (2020, 2021) and fit.excluded_years == (2019,)
    empty = m.loglinear_fit({})
    assert _json(empty.to_dict()) == {
        "annual_factor": None,
        "r2": None,
        "years": None,
        "n": 0,
        "excluded_years": [],
        "quality": "insufficient",
    }


def test_loglinear_constant_series_has_undefined_r2() -> None:
    fit = m.loglinear_fit({2019: 7, 2020: 7, 2021: 7})
    assert fit.annual_factor == pytest.approx(1.0)
    assert fit.r2 is None and fit.quality == "good"


def test_loglinear_rejects_negative() -> None:
    with pytest.raises(InputError):
        m.loglinear_fit({2019: 1, 2020: -2, 2021: 3})


# --- per_thousand -------------------------------------------------------------------------------


def test_per_thousand_uses_only_complete_items_with_plays() -> None:
    plays = [1000, 3000, NAN, 500, 0, None]
    likes = [10, 20, 5, NAN, 7, 3]
    ratio = m.per_thousand(plays, likes, samples=200)
    assert ratio.n == 2
    assert (ratio.numerator, ratio.denominator) == (30.0, 4000.0)
    assert ratio.value == pytest.approx(7.5)
    assert ratio.ci95 is not None
    assert ratio.ci95[0] <= 7.5 <= ratio.ci95[1]
    # Two items: the resampled ratios are 10, 7.5 or 6.667 per 1000.
    assert ratio.ci95[0] == pytest.approx(20 / 3) and ratio.ci95[1] == pytest.approx(10.0)


def test_per_thousand_empty_is_none_not_zero() -> None:
    for plays, likes in (([], []), ([NAN, 5], [3, NAN]), ([0, 0], [1, 2])):
        ratio = m.per_thousand(plays, likes)
        assert ratio.value is None and ratio.n == 0 and ratio.ci95 is None
        assert _json(ratio.to_dict()) == {
            "value": None,
            "n": 0,
            "ci95": None,
            "numerator": 0,
            "denominator": 0,
        }


def test_per_thousand_single_item_has_no_interval() -> None:
    ratio = m.per_thousand([2000], [9])
    assert ratio.value == pytest.approx(4.5) and ratio.n == 1 and ratio.ci95 is None


def test_per_thousand_zero_samples_skip_bootstrap() -> None:
    assert m.per_thousand([10, 20], [1, 2], samples=0).ci95 is None


@pytest.mark.parametrize(
    ("plays", "values", "samples"),
    [
        ([1, 2], [1], 10),
        ([[1, 2]], [[1, 2]], 10),
        ([1, -2], [1, 1], 10),
        ([1, 2], [1, -1], 10),
        ([1, math.inf], [1, 1], 10),
        (["a", "b"], [1, 1], 10),
        ([1, 2], [1, 1], -1),
    ],
)
def test_per_thousand_rejects_bad_input(plays: Any, values: Any, samples: int) -> None:
    with pytest.raises(InputError):
        m.per_thousand(plays, values, samples=samples)


def test_per_thousand_is_deterministic_for_a_seed() -> None:
    rng = np.random.default_rng(5)
    plays = rng.integers(1, 10_000, 300).astype(float)
    likes = rng.binomial(plays.astype(int), 0.01).astype(float)
    first = m.per_thousand(plays, likes, seed=3)
    assert m.per_thousand(plays, likes, seed=3) == first
    assert m.per_thousand(plays, likes, seed=4).ci95 != first.ci95
    assert m.per_thousand(plays, likes, seed=4).value == first.value


def test_per_thousand_exact_bootstrap_matches_delta_method() -> None:
    rng = np.random.default_rng(11)
    plays = np.floor(rng.lognormal(7, 1.5, 5000)) + 1
    likes = rng.binomial(plays.astype(int), rng.beta(2, 200, 5000)).astype(float)
    ratio = m.per_thousand(plays, likes, samples=2000)
    assert ratio.ci95 is not None and ratio.value is not None
    halfwidth = (ratio.ci95[1] - ratio.ci95[0]) / 2
    assert halfwidth == pytest.approx(_delta_halfwidth(plays, likes), rel=0.15)


def test_per_thousand_million_items_fast_and_calibrated() -> None:
    rng = np.random.default_rng(7)
    n = 1_000_000
    plays = np.floor(rng.lognormal(8, 2, n)) + 1
    likes = rng.binomial(plays.astype(np.int64), 0.009).astype(float)
    likes[rng.random(n) < 0.1] = np.nan
    began = time.perf_counter()
    ratio = m.per_thousand(plays, likes, samples=1000)
    elapsed = time.perf_counter() - began
    assert elapsed < 10  # target is < 1.5 s (about 0.3 s measured); loose for slow CI machines
    known = ~np.isnan(likes)
    assert ratio.n == int(known.sum())
    assert ratio.ci95 is not None and ratio.value is not None
    assert ratio.ci95[0] < ratio.value < ratio.ci95[1]
    halfwidth = (ratio.ci95[1] - ratio.ci95[0]) / 2
    assert halfwidth == pytest.approx(_delta_halfwidth(plays[known], likes[known]), rel=0.15)


_counts = st.integers(0, 10**6)
_known_items = st.lists(st.tuples(st.integers(1, 10**6), _counts), min_size=1, max_size=30)
_unknown_items = st.lists(
    st.one_of(
        st.tuples(st.just(NAN), _counts.map(float)),
        st.tuples(_counts.map(float), st.just(NAN)),
        st.tuples(st.just(0.0), _counts.map(float)),
    ),
    max_size=10,
)


@settings(max_examples=60, deadline=None)
@given(_known_items, _unknown_items, st.randoms(use_true_random=False))
def test_per_thousand_ignores_incomplete_items(
    known: list[tuple[int, int]], unknown: list[tuple[float, float]], shuffler: Any
) -> None:
    mixed = [(float(p), float(v)) for p, v in known] + unknown
    shuffler.shuffle(mixed)
    # Order among the known items is kept so the bootstrap draws the same resamples.
    mixed_known = [pair for pair in mixed if not (math.isnan(pair[0]) or pair[0] == 0)]
    mixed_known = [pair for pair in mixed_known if not math.isnan(pair[1])]
    plain = m.per_thousand([p for p, _ in mixed_known], [v for _, v in mixed_known], samples=50)
    noisy = m.per_thousand([p for p, _ in mixed], [v for _, v in mixed], samples=50)
    assert noisy == plain
    assert noisy.n == len(known)
    assert noisy.numerator == sum(v for _, v in known)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 10**5), st.floats(0, 1)).map(lambda t: (t[0], round(t[0] * t[1]))),
        min_size=3,
        max_size=40,
    ),
    st.integers(0, 2**32 - 1),
)
def test_per_thousand_interval_contains_estimate(items: list[tuple[int, int]], seed: int) -> None:
    plays, likes = zip(*items, strict=True)
    ratio = m.per_thousand(plays, likes, samples=300, seed=seed)
    assert ratio.ci95 is not None and ratio.value is not None
    low, high = ratio.ci95
    slack = 1e-9 * max(1.0, ratio.value)
    assert low - slack <= ratio.value <= high + slack
    assert _json(ratio.to_dict())["n"] == len(items)


def test_engagement_per_1000_keeps_each_metric_n() -> None:
    plays = [1000, 2000, 4000]
    result = m.engagement_per_1000(plays, {"likes": [9, 18, NAN], "shares": [4, 7, 10]}, samples=50)
    assert result["likes"].n == 2 and result["likes"].value == pytest.approx(9.0)
    assert result["shares"].n == 3 and result["shares"].value == pytest.approx(3.0)
    assert list(result) == ["likes", "shares"]


# --- shares and rank ----------------------------------------------------------------------------


def test_shares_forced_keys_and_order() -> None:
    result = m.shares({"audio": 1, "image_video": 16, "text": 3}, MODALITIES)
    assert list(result.shares) == list(MODALITIES)
    assert result.shares == {"image_video": 0.8, "audio": 0.05, "text": 0.15}
    assert result.n == 20
    assert result.to_dict() == {
        "image_video": 0.8,
        "audio": 0.05,
        "text": 0.15,
        "n": 20,
        "counts": {"image_video": 16, "audio": 1, "text": 3},
    }


def test_shares_unlisted_keys_follow_in_rank_order() -> None:
    result = m.shares({"zeta": 2, "other": 2, "film_music": 1, "news": 5}, ["film_music"])
    assert list(result.counts) == ["film_music", "news", "other", "zeta"]
    assert result.n == 10


def test_shares_of_nothing_are_none() -> None:
    result = m.shares({}, ["domestic", "foreign"])
    assert result.shares == {"domestic": None, "foreign": None}
    assert result.counts == {"domestic": 0, "foreign": 0}
    assert _json(result.to_dict()) == {
        "domestic": None,
        "foreign": None,
        "n": 0,
        "counts": {"domestic": 0, "foreign": 0},
    }


@pytest.mark.parametrize("counts", [{"a": -1}, {"n": 3}, {"counts": 1}])
def test_shares_rejects_bad_input(counts: dict[str, int]) -> None:
    with pytest.raises(InputError):
        m.shares(counts)


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.integers(0, 10**6), min_size=1))
def test_shares_sum_to_one(counts: dict[str, int]) -> None:
    counts.pop("n", None)
    counts.pop("counts", None)
    result = m.shares(counts)
    assert result.n == sum(counts.values())
    assert result.counts == counts
    if result.n:
        assert sum(s or 0 for s in result.shares.values()) == pytest.approx(1.0)
    else:
        assert all(s is None for s in result.shares.values())


def test_rank_by_count_then_name() -> None:
    assert m.rank({"b": 2, "a": 2, "c": 9, "d": 0}) == [("c", 9), ("a", 2), ("b", 2), ("d", 0)]
    assert m.rank({}) == []


# --- thresholds ---------------------------------------------------------------------------------


def test_threshold_shares_counts_known_values() -> None:
    results, n = m.threshold_shares([50, 100, 5000, 20000, NAN, None])
    assert n == 4
    assert [(r.threshold, r.count, r.share) for r in results] == [
        (100, 3, 0.75),
        (1000, 2, 0.5),
        (10000, 1, 0.25),
    ]
    assert results[0].to_dict() == {"threshold": 100, "count": 3, "share": 0.75}


def test_threshold_shares_tiny_share_keeps_significant_figures() -> None:
    results, n = m.threshold_shares([1] * 999_999 + [20_000], [10_000])
    assert n == 1_000_000 and results[0].to_dict()["share"] == 1e-06


def test_threshold_shares_empty_has_no_share() -> None:
    results, n = m.threshold_shares([NAN], [10])
    assert n == 0 and results[0].count == 0 and results[0].share is None


def test_threshold_shares_rejects_negative() -> None:
    with pytest.raises(InputError):
        m.threshold_shares([5, -1])


# --- star histories -----------------------------------------------------------------------------

_DAY0 = datetime(2019, 1, 1, 12, 0)


def test_cumulative_series_counts_per_day() -> None:
    stars = [
        _DAY0 + timedelta(days=2),
        _DAY0,
        _DAY0 + timedelta(hours=3),
        _DAY0 + timedelta(days=2),
    ]
    assert m.cumulative_series(stars) == [("2019-01-01", 2), ("2019-01-03", 4)]
    assert m.cumulative_series([]) == []


def test_cumulative_series_uses_utc_days() -> None:
    late_evening_new_york = datetime(2021, 1, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    early_utc = datetime(2021, 1, 2, 1, 0, tzinfo=UTC)
    assert m.cumulative_series([late_evening_new_york, early_utc]) == [("2021-01-02", 2)]


def test_cumulative_series_downsamples_with_exact_counts() -> None:
    stars = [_DAY0 + timedelta(days=i) for i in range(100) for _ in range(i % 3 + 1)]
    full = dict(m.cumulative_series(stars, max_points=1000))
    series = m.cumulative_series(stars, max_points=10)
    assert len(series) == 10
    assert series[0] == ("2019-01-01", 1)
    assert series[-1] == ((_DAY0 + timedelta(days=99)).date().isoformat(), len(stars))
    assert all(full[day] == count for day, count in series)
    assert [day for day, _ in series] == sorted(day for day, _ in series)


@given(st.lists(st.datetimes(datetime(2015, 1, 1), datetime(2023, 1, 1))), st.integers(2, 20))
def test_cumulative_series_invariants(stars: list[datetime], max_points: int) -> None:
    series = m.cumulative_series(stars, max_points=max_points)
    assert len(series) <= max_points
    if stars:
        assert series[-1] == (max(stars).date().isoformat(), len(stars))
        assert series[0][0] == min(stars).date().isoformat()
    counts = [count for _, count in series]
    assert counts == sorted(counts)


def test_snapshot_series_keeps_latest_per_day() -> None:
    points = [
        (_DAY0 + timedelta(days=1, hours=6), 50),
        (_DAY0 + timedelta(days=1, hours=-3), 40),
        (_DAY0, 10),
        (_DAY0, 12),
    ]
    assert m.snapshot_series(points) == [("2019-01-01", 12), ("2019-01-02", 50)]


def test_snapshot_series_downsamples() -> None:
    points = [(_DAY0 + timedelta(days=i), 10 * i) for i in range(365)]
    series = m.snapshot_series(points, max_points=60)
    assert len(series) == 60
    assert series[0] == ("2019-01-01", 0) and series[-1] == ("2019-12-31", 3640)
    assert all(
        count == 10 * (datetime.fromisoformat(day) - datetime(2019, 1, 1)).days
        for day, count in series
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: m.snapshot_series([(_DAY0, -1)]),
        lambda: m.snapshot_series([("2019-01-01", 3)]),  # type: ignore[list-item]
        lambda: m.cumulative_series([_DAY0], max_points=1),
        lambda: m.cumulative_series(["yesterday"]),  # type: ignore[list-item]
    ],
)
def test_star_series_reject_bad_input(call: Any) -> None:
    with pytest.raises(InputError):
        call()

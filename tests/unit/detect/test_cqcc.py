"""The CQCC front end: constant-Q bins where they should be, frames where the LFCC frames are."""

from __future__ import annotations

import numpy as np
import pytest

from synthscope.check.detectors import _cqcc
from synthscope.check.detectors._lfcc import FRAME, HOP, RATE, frames


@pytest.mark.parametrize("tone", [180.0, 440.0, 1000.0, 3150.0, 6500.0])
def test_a_tone_peaks_in_the_bin_nearest_its_frequency(tone: float) -> None:
    _, freqs = _cqcc._kernels()
    x = np.sin(2 * np.pi * tone * np.arange(RATE) / RATE)
    power = _cqcc.cqt_power(x, np.arange(40, 50)).mean(axis=0)
    assert freqs[power.argmax()] == freqs[np.abs(np.log(freqs / tone)).argmin()]


def test_bins_are_a_constant_fraction_of_an_octave_apart() -> None:
    _, freqs = _cqcc._kernels()
    ratios = freqs[1:] / freqs[:-1]
    assert np.allclose(ratios, 2 ** (1 / _cqcc.BINS_PER_OCTAVE))
    assert freqs[0] == _cqcc.FMIN and freqs[-1] < RATE / 2


def test_a_frame_is_centred_where_the_lfcc_frame_of_that_index_is() -> None:
    """A click lights the highest (shortest) bins in the frame whose centre is nearest to it."""
    x = np.zeros(RATE)
    click = 37 * HOP + FRAME // 2 + 3
    x[click] = 1.0
    count = len(frames(x))
    top = _cqcc.cqt_power(x, np.arange(count))[:, -12:].sum(axis=1)
    assert int(top.argmax()) == 37


def test_features_have_sixty_columns_and_none_for_no_frames() -> None:
    x = np.random.default_rng(0).standard_normal(RATE // 2)
    feats = _cqcc.cqcc(x, np.arange(10, 30))
    assert feats.shape == (20, 60) and np.isfinite(feats).all()
    assert _cqcc.cqcc(x, np.zeros(0, dtype=int)).shape == (0, 60)


def test_a_louder_copy_changes_only_the_first_coefficient() -> None:
    """Log power: a gain adds a constant to every bin, which the DCT puts in coefficient 0."""
    x = np.random.default_rng(1).standard_normal(RATE // 2)
    idx = np.arange(5, 25)
    quiet, loud = _cqcc.cqcc(x, idx), _cqcc.cqcc(4 * x, idx)
    assert np.allclose(quiet[:, 1:20], loud[:, 1:20], atol=1e-6)
    assert np.allclose(loud[:, 0] - quiet[:, 0], loud[0, 0] - quiet[0, 0])

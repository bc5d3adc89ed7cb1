"""LFCC features (the ASVspoof 2019/2021 baseline front end), framing and resampling.

Linear-frequency cepstral coefficients use a linearly spaced triangular filterbank, so the high
band -- where neural vocoders leave most of their traces -- keeps as much resolution as the low
band (MFCCs compress it). 20 coefficients plus deltas and delta-deltas, 20 ms frames, 10 ms hop,
at 16 kHz.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
RATE, FRAME, HOP, NFFT, FILTERS, COEFFS = 16000, 320, 160, 512, 20, 20


def resample(x: NDArray[np.float32], rate: int, target: int = RATE) -> Array:
    """``x`` at ``target`` Hz by band-limited FFT resampling (no-op when rates match)."""
    if rate == target or len(x) == 0:
        return x.astype(np.float64)
    n = round(len(x) * target / rate)
    if n == 0:  # a sample or two at a higher rate: nothing left at the target rate
        return np.zeros(0)
    spec = np.fft.rfft(x.astype(np.float64))
    keep = min(len(spec), n // 2 + 1)
    out = np.zeros(n // 2 + 1, dtype=complex)
    out[:keep] = spec[:keep]
    return np.asarray(np.fft.irfft(out, n) * (n / len(x)))


def frame_count(samples: int) -> int:
    """How many FRAME-long frames HOP apart fit in ``samples`` samples."""
    return 0 if samples < FRAME else 1 + (samples - FRAME) // HOP


def frames(x: Array) -> Array:
    """Overlapping frames of ``x`` (one per row), Hamming-windowed; empty when ``x`` is short."""
    count = frame_count(len(x))
    if count == 0:
        return np.zeros((0, FRAME))
    idx = np.arange(FRAME)[None, :] + HOP * np.arange(count)[:, None]
    return np.asarray(x[idx] * np.hamming(FRAME))


@lru_cache(maxsize=2)
def _filterbank() -> Array:
    edges = np.linspace(0, NFFT // 2, FILTERS + 2)
    bins = np.arange(NFFT // 2 + 1)
    bank = np.zeros((FILTERS, len(bins)))
    for i in range(FILTERS):
        lo, mid, hi = edges[i : i + 3]
        bank[i] = np.clip(np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)), 0, None)
    return bank


@lru_cache(maxsize=2)
def _dct() -> Array:
    n = np.arange(FILTERS)
    return np.asarray(np.cos(np.pi / FILTERS * (n[None, :] + 0.5) * np.arange(COEFFS)[:, None]))


def with_deltas(ceps: Array) -> Array:
    """``ceps`` with its deltas and delta-deltas (regression over +-2 frames) beside it."""
    d1 = _deltas(ceps)
    return np.hstack([ceps, d1, _deltas(d1)])


def _deltas(c: Array) -> Array:
    p = np.pad(c, ((2, 2), (0, 0)), mode="edge")
    return np.asarray((p[3:-1] - p[1:-3] + 2 * (p[4:] - p[:-4])) / 10.0)


def lfcc(framed: Array) -> Array:
    """LFCC + delta + delta-delta (60 columns) for windowed frames."""
    power = np.abs(np.fft.rfft(framed, NFFT)) ** 2
    ceps = np.log(power @ _filterbank().T + 1e-10) @ _dct().T
    return with_deltas(ceps)

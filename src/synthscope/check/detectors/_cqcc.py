"""CQCC features (Todisco, Delgado and Evans 2016; the second ASVspoof 2019 baseline front end).

Constant-Q cepstral coefficients: a constant-Q transform (geometrically spaced bins, each with a
window of Q periods, so low bins resolve frequency finely and high bins resolve time finely), the
log power of each bin, *uniform resampling* of that log spectrum onto a linear frequency grid
(the first octave cut into ``RESAMPLE`` steps), and a DCT. Here the CQT is Brown and Puckette's
spectral-kernel form: every bin's windowed complex exponential, centred in one long frame, is
transformed once; a frame's CQT is its FFT times each bin's (sparse) kernel spectrum.

Departures from the ASVspoof 2019 configuration (96 bins per octave from 15 Hz): 24 bins per
octave from 125 Hz, so the longest kernel fits a 0.5 s frame and a clip checks faster than real
time in numpy; the band below 125 Hz holds pitch and speaker, not the vocoder traces a detector
wants. Frames are centred where the LFCC front end's 20 ms frames are (same hop), so the same
energy VAD decides which frames vote. Resampling and the DCT are both linear in the log power,
so they are one 20 x bins matrix.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._lfcc import FRAME, HOP, RATE, with_deltas

Array = NDArray[np.float64]
BINS_PER_OCTAVE, FMIN, NFFT, RESAMPLE, COEFFS = 24, 125.0, 8192, 16, 20
CHUNK = 128  # frames per FFT batch: bounds memory on long clips (~17 MB)
KERNEL_FLOOR = 0.005  # spectral-kernel entries below this fraction of the peak are dropped


@lru_cache(maxsize=1)
def _kernels() -> tuple[list[tuple[int, NDArray[np.complex128]]], Array]:
    """Per bin: (first FFT bin, conjugated kernel spectrum over its support); and the bin
    centre frequencies."""
    q = 1.0 / (2 ** (1 / BINS_PER_OCTAVE) - 1)
    octaves = np.log2(RATE / 2 / FMIN)
    freqs = FMIN * 2 ** (np.arange(int(octaves * BINS_PER_OCTAVE)) / BINS_PER_OCTAVE)
    kernels = []
    for f in freqs:
        n = int(np.ceil(q * RATE / f))
        t = np.arange(n)
        temporal = np.zeros(NFFT, dtype=complex)
        start = (NFFT - n) // 2
        temporal[start : start + n] = np.hanning(n) / n * np.exp(2j * np.pi * q * t / n)
        spectrum = np.fft.fft(temporal)[: NFFT // 2 + 1] / NFFT
        keep = np.flatnonzero(np.abs(spectrum) >= KERNEL_FLOOR * np.abs(spectrum).max())
        lo, hi = int(keep[0]), int(keep[-1]) + 1
        kernels.append((lo, np.conj(spectrum[lo:hi])))
    return kernels, freqs


@lru_cache(maxsize=1)
def _cepstrum_matrix() -> Array:
    """Uniform resampling (linear interpolation onto a grid of ``FMIN / RESAMPLE`` Hz) followed
    by a DCT-II, as one (COEFFS x bins) matrix applied to the log power of the bins."""
    _, freqs = _kernels()
    grid = np.arange(freqs[0], freqs[-1], FMIN / RESAMPLE)
    interp = np.zeros((len(grid), len(freqs)))
    upper = np.clip(np.searchsorted(freqs, grid, side="right"), 1, len(freqs) - 1)
    lower = upper - 1
    frac = (grid - freqs[lower]) / (freqs[upper] - freqs[lower])
    rows = np.arange(len(grid))
    interp[rows, lower] = 1 - frac
    interp[rows, upper] += frac
    n = np.arange(len(grid))
    dct = np.cos(np.pi / len(grid) * (n[None, :] + 0.5) * np.arange(COEFFS)[:, None])
    return np.asarray(dct @ interp)


def cqt_power(x: Array, frames: NDArray[np.int_]) -> Array:
    """|CQT|^2 (frames x bins) of the frames of ``x`` with the given indices; frame ``i`` is
    centred on sample ``i * HOP + FRAME / 2`` (zero padding beyond the ends)."""
    kernels, freqs = _kernels()
    out = np.zeros((len(frames), len(freqs)))
    if not len(frames):
        return out
    pad = NFFT // 2
    padded = np.concatenate([np.zeros(pad), x, np.zeros(pad + FRAME)])
    window = np.lib.stride_tricks.sliding_window_view(padded, NFFT)
    for at in range(0, len(frames), CHUNK):
        idx = frames[at : at + CHUNK]
        spectra = np.fft.rfft(window[idx * HOP + FRAME // 2], axis=1)
        for k, (lo, kernel) in enumerate(kernels):
            out[at : at + len(idx), k] = np.abs(spectra[:, lo : lo + len(kernel)] @ kernel) ** 2
    return out


def cqcc(x: Array, frames: NDArray[np.int_]) -> Array:
    """CQCC + delta + delta-delta (60 columns) of the frames of ``x`` with the given indices
    (deltas across the listed frames, as the LFCC front end takes them across voiced frames)."""
    if not len(frames):
        return np.zeros((0, 3 * COEFFS))
    return with_deltas(np.log(cqt_power(x, frames) + 1e-12) @ _cepstrum_matrix().T)

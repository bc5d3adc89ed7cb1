"""Frequency and noise-residual features of an image (numpy only).

Generators up-sample with transposed convolutions or interpolation, which leaves periodic peaks in
the spectrum of the noise residual and a different high-frequency fall-off from a camera pipeline
(demosaicing, lens blur, sensor noise). The features describe those: radial power spectra of the
image and its residual, peak-to-neighbour ratios at the up-sampling frequencies, residual moments,
residual autocorrelation at small lags and cross-channel residual correlation.
"""

from __future__ import annotations

import hashlib
import threading
from functools import cache, lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
CROP, BINS, LAGS = 256, 16, 8
PEAKS = slice(2 * BINS, 2 * BINS + 9)  # where the up-sampling peak log-ratios sit in the vector
# Columns of the vector by what they measure (the order of ``_crop_features``'s parts).
_SIZES = {
    "image-spectrum": BINS,
    "residual-spectrum": BINS,
    "upsampling-peaks": 9,
    "residual-moments": 9,
    "residual-autocorrelation": 2 * LAGS,
    "channel-correlation": 3,
}
_STARTS = np.cumsum([0, *_SIZES.values()])
FEATURE_GROUPS = {
    "all": list(range(int(_STARTS[-1]))),
    **{
        name: list(range(int(start), int(start) + size))
        for (name, size), start in zip(_SIZES.items(), _STARTS, strict=False)
    },
}


def image_features(
    rgb: NDArray[np.float32] | NDArray[np.uint8], groups: frozenset[str] | None = None
) -> Array:
    """A fixed-length feature vector for an RGB image (H, W, 3) of 8-bit or float pixel values;
    sides >= 32 px. The same pixels give the same vector in either type (both are read as float64);
    8-bit ones are cheaper to remember.

    ``groups`` (names of FEATURE_GROUPS) limits the work to those columns; the others are NaN.
    The last few results are remembered by a digest of the pixels: ``spectral`` and
    ``face-swap`` score the same region when an image holds no face, and pay for it once."""
    wanted = frozenset(_SIZES) if groups is None or "all" in groups else groups
    key = (
        hashlib.sha256(np.ascontiguousarray(rgb).data).digest()
        + repr((rgb.shape, rgb.dtype.str, sorted(wanted))).encode()
    )
    with _RECENT_LOCK:
        found = _RECENT.get(key)
    if found is None:
        crops = _crops(rgb)
        found = np.asarray(np.mean([_crop_features(c, wanted) for c in crops], axis=0))
        with _RECENT_LOCK:  # the web service's job threads share this memory
            _RECENT[key] = found
            while len(_RECENT) > RECENT:
                _RECENT.pop(next(iter(_RECENT)))
    return found.copy()


def groups_of(columns: list[int]) -> frozenset[str]:
    """The feature groups that hold ``columns``."""
    return frozenset(
        name
        for name, cols in FEATURE_GROUPS.items()
        if name != "all" and not set(cols).isdisjoint(columns)
    )


RECENT = 4
_RECENT: dict[bytes, Array] = {}
_RECENT_LOCK = threading.Lock()


def _crops(rgb: NDArray[Any]) -> list[NDArray[Any]]:
    h, w = rgb.shape[:2]
    side = min(CROP, h, w) // 8 * 8
    if min(h, w) < 2 * side:
        top, left = (h - side) // 2, (w - side) // 2
        return [rgb[top : top + side, left : left + side]]
    return [rgb[t : t + side, s : s + side] for t in (0, h - side) for s in (0, w - side)]


def _crop_features(rgb: NDArray[Any], wanted: frozenset[str]) -> Array:
    width = rgb.shape[1]
    luma = np.array([0.299, 0.587, 0.114])
    # One pass to three contiguous float64 planes (copying each channel out of the interleaved
    # pixels on its own reads the whole picture three times).
    planes = np.ascontiguousarray(np.moveaxis(rgb, -1, 0), dtype=np.float64)
    res_rgb = [_residual(plane) for plane in planes]

    @cache
    def res() -> Array:
        # the residual is linear: the grey of the channel residuals is the residual of the grey
        return _clipped(sum(w * r for w, r in zip(luma, res_rgb, strict=True)))

    @cache
    def res_power() -> Array:
        return _power(res())

    parts = {
        "image-spectrum": lambda: _radial(_power(rgb.astype(np.float64) @ luma), width),
        "residual-spectrum": lambda: _radial(res_power(), width),
        "upsampling-peaks": lambda: _peaks(res_power(), width),
        "residual-moments": lambda: _moments(res()),
        "residual-autocorrelation": lambda: _autocorr(res()),
        "channel-correlation": lambda: _channel_corr(res_rgb),
    }
    return np.concatenate(
        [
            parts[name]() if name in wanted else np.full(size, np.nan)
            for name, size in _SIZES.items()
        ]
    )


def _residual(x: Array) -> Array:
    """Image minus its 3x3 mean: the noise and fine texture a camera or generator leaves.

    Edges are mirrored without repeating the edge pixel (numpy's "reflect"), OpenCV's default."""
    import cv2

    return np.asarray(x - cv2.blur(x, (3, 3), borderType=cv2.BORDER_REFLECT_101))


def median(values: NDArray[Any]) -> float:
    """``np.median`` of values without NaN, less its general-purpose overhead (it is called
    thousands of times per image batch): the middle of a partition, or the mean of the two."""
    flat = values.ravel()
    k = flat.size // 2
    if flat.size % 2:
        return float(np.partition(flat, k)[k])
    low, high = np.partition(flat, (k - 1, k))[k - 1 : k + 1]
    return float((low + high) / 2)


def _clipped(res: Array) -> Array:
    """The residual with outliers (strong edges) clipped at four robust standard deviations."""
    mad = median(np.abs(res[::2, ::2])) * 1.4826 + 1e-6
    return np.clip(res, -4 * mad, 4 * mad)


def _power(x: Array) -> Array:
    """Normalised power spectrum of the windowed image, as the half plane ``np.fft.rfft2`` gives
    (columns 0..w//2): a real image's spectrum is symmetric, so the other half holds nothing new.
    Normalised by the sum over the full plane, where every column but 0 (and w/2 for an even w)
    appears twice."""
    h, w = x.shape
    f = np.fft.rfft2((x - x.mean()) * _window(h, w))
    half = f.real * f.real + f.imag * f.imag
    total = float(half @ _column_counts(w) @ np.ones(h)) if h else 0.0
    return np.asarray(half / (total + 1e-12))


@lru_cache(maxsize=8)
def _column_counts(w: int) -> Array:
    """How often each column of a half spectrum appears in the full one (1 or 2)."""
    counts = np.full(w // 2 + 1, 2.0)
    counts[0] = 1.0
    if w % 2 == 0:
        counts[-1] = 1.0
    return counts


@lru_cache(maxsize=8)
def _window(h: int, w: int) -> Array:
    return np.outer(np.hanning(h), np.hanning(w))


def _radial(half: Array, w: int) -> Array:
    """Log mean power in BINS rings of radius (full plane), from a half spectrum of width ``w``."""
    idx, weights, counts = _rings(half.shape[0], w)
    sums = np.bincount(idx, half.ravel() * weights, BINS)
    return np.log(sums / counts + 1e-12)


@lru_cache(maxsize=8)
def _rings(h: int, w: int) -> tuple[NDArray[np.intp], Array, Array]:
    """For each half-spectrum cell: its ring, how often it appears in the full plane; and each
    ring's cell count in the full plane."""
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.rfftfreq(w), indexing="ij")
    r = np.sqrt(fx * fx + fy * fy) / 0.5
    idx = np.clip((r * BINS).astype(np.intp), 0, BINS - 1).ravel()
    weights = np.tile(_column_counts(w), h)
    counts = np.bincount(idx, weights, minlength=BINS)
    return idx, weights, np.maximum(counts, 1)


def _peaks(half: Array, w: int) -> Array:
    """Log ratio of power at 1/2, 1/4 and 1/8 of the sampling rate to the median of its 7x7
    neighbourhood, read from a half spectrum of width ``w`` (mirrored cells by symmetry)."""
    centres, rows, cols = _peak_cells(half.shape[0], w)
    ring = half[rows, cols]
    middle = ring.shape[1] // 2  # 49 cells: the median is the 25th smallest
    medians = np.partition(ring, middle, axis=1)[:, middle]
    return np.asarray(np.log((half[centres] + 1e-12) / (medians + 1e-12)))


@lru_cache(maxsize=8)
def _peak_cells(
    h: int, w: int
) -> tuple[tuple[NDArray[np.intp], NDArray[np.intp]], NDArray[np.intp], NDArray[np.intp]]:
    """Half-spectrum (row, column) of each peak and of each cell of its 7x7 neighbourhood (the
    full plane's cell (y, x) is the half plane's (-y, -x) where x is past w // 2)."""
    points: list[tuple[int, int]] = []  # in the feature order: 1/2, 1/4, 1/8 of the rate
    for div in (2, 4, 8):
        k = h // div
        points += [(k, 0), (0, k), (k, k)]
    cy, cx = np.array(points).T
    dy, dx = (d.ravel() for d in np.meshgrid(np.arange(-3, 4), np.arange(-3, 4), indexing="ij"))
    ys, xs = (cy[:, None] + dy) % h, (cx[:, None] + dx) % h
    return _to_half(cy, cx % h, h, w), *_to_half(ys, xs, h, w)


def _to_half(
    ys: NDArray[np.intp], xs: NDArray[np.intp], h: int, w: int
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    mirrored = xs > w // 2
    return np.where(mirrored, (-ys) % h, ys), np.where(mirrored, (-xs) % w, xs)


def _moments(res: Array) -> Array:
    """Quantile shape of the residual and its derivatives (robust: a few edges cannot dominate)."""
    out = []
    for r in (res, np.diff(res, axis=0), np.diff(res, axis=1)):
        q05, q25, q50, q75, q90, q95, q99 = np.percentile(r[::2, ::2], (5, 25, 50, 75, 90, 95, 99))
        spread = q75 - q25 + 1e-6
        out += [
            np.log(spread),
            (q95 + q05 - 2 * q50) / (q95 - q05 + 1e-6),
            np.log((q99 - q90) / spread + 1e-6),
        ]
    return np.array(out)


def _autocorr(res: Array) -> Array:
    var = (res * res).mean() + 1e-12
    out = [(res[:, :-lag] * res[:, lag:]).mean() / var for lag in range(1, LAGS + 1)]
    out += [(res[:-lag] * res[lag:]).mean() / var for lag in range(1, LAGS + 1)]
    return np.array(out)


def _channel_corr(res_rgb: list[Array]) -> Array:
    centred = []
    for r in res_rgb:
        v = _clipped(r).ravel()
        centred.append(v - v.mean())
    power = [float((v * v).sum()) for v in centred]
    return np.array(
        [_corr(centred[a], centred[b], power[a], power[b]) for a, b in ((0, 1), (1, 2), (0, 2))]
    )


def _corr(a: Array, b: Array, power_a: float, power_b: float) -> float:
    """Pearson correlation of centred vectors with the given sums of squares; 1.0 for a flat
    channel pair (grey images have identical channels)."""
    denom = float(np.sqrt(power_a * power_b))
    return float((a * b).sum() / denom) if denom > 1e-9 else 1.0

"""Signal-processing vocoders that turn real speech into training fakes (numpy only).

Neural vocoders rebuild a waveform from a mel spectrogram: the smooth envelope survives, the fine
structure between harmonics and the phase are invented. Two cheap imitations give a detector
vocoded speech of every speaker in the packs, not only the one speaker the MelGAN pack has:

* ``griffin_lim``: the mel spectrogram back to a linear magnitude (filterbank transpose) and a
  phase found by Griffin-Lim iterations (phasiness, smeared harmonics);
* ``mel_smoothed``: the magnitude replaced by its mel-smoothed version, the original phase kept
  (fine spectral structure lost, timing intact).

Both work at 16 kHz with a 1024-point STFT and 256-sample hop, the analysis settings of common
neural vocoders.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
RATE, NFFT, HOP, MELS = 16000, 1024, 256, 80


def stft(x: Array) -> NDArray[np.complex128]:
    """Frames x bins STFT with a periodic Hann window (centred, reflect-padded)."""
    padded = np.pad(x, NFFT // 2, mode="reflect") if len(x) > NFFT // 2 else np.pad(x, NFFT // 2)
    count = 1 + (len(padded) - NFFT) // HOP
    idx = np.arange(NFFT)[None, :] + HOP * np.arange(max(count, 0))[:, None]
    return np.asarray(np.fft.rfft(padded[idx] * _window(), axis=1))


def istft(spec: NDArray[np.complex128], length: int) -> Array:
    """Overlap-add inverse of :func:`stft`, trimmed to ``length`` samples."""
    frames = np.fft.irfft(spec, NFFT, axis=1) * _window()
    parts, count = NFFT // HOP, len(frames)
    out = np.zeros((count + parts - 1, HOP))
    norm = np.zeros_like(out)
    blocks, weights = frames.reshape(count, parts, HOP), (_window() ** 2).reshape(parts, HOP)
    for k in range(parts):  # HOP divides NFFT: frame block k lands on output block i + k
        out[k : k + count] += blocks[:, k]
        norm[k : k + count] += weights[k]
    flat = (out / np.maximum(norm, 1e-8)).reshape(-1)
    return np.asarray(flat[NFFT // 2 : NFFT // 2 + length])


@lru_cache(maxsize=1)
def _window() -> Array:
    return np.asarray(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(NFFT) / NFFT))


@lru_cache(maxsize=1)
def mel_filterbank() -> Array:
    """MELS x bins triangular filters on the HTK mel scale, 0 Hz to Nyquist, area-normalised."""

    def mel(f: Any) -> Any:
        return 2595 * np.log10(1 + np.asarray(f) / 700)

    def hz(m: Any) -> Any:
        return 700 * (10 ** (np.asarray(m) / 2595) - 1)

    edges = hz(np.linspace(0, mel(RATE / 2), MELS + 2))
    freqs = np.fft.rfftfreq(NFFT, 1 / RATE)
    bank = np.zeros((MELS, len(freqs)))
    for i in range(MELS):
        lo, mid, hi = edges[i : i + 3]
        rise = (freqs - lo) / max(mid - lo, 1e-9)
        fall = (hi - freqs) / max(hi - mid, 1e-9)
        bank[i] = np.clip(np.minimum(rise, fall), 0, None)
        bank[i] /= max(bank[i].sum(), 1e-9)
    return bank


def _mel_to_linear(magnitude: Array) -> Array:
    """Project a magnitude onto the mel basis and back: the envelope a mel spectrogram keeps."""
    bank = mel_filterbank()
    mel = magnitude @ bank.T
    back = mel @ bank
    # Each bin gets its filters' average level; bins under no filter keep a floor, not zero.
    weight = bank.sum(axis=0)
    return np.asarray(back / np.maximum(weight, 1e-9) * (weight > 0) + 1e-7)


def griffin_lim(x: Array, rng: np.random.Generator, iterations: int = 24) -> Array:
    """``x`` (16 kHz) rebuilt from its mel spectrogram with Griffin-Lim phase."""
    target = _mel_to_linear(np.abs(stft(x)))
    phase = np.exp(2j * np.pi * rng.random(target.shape))
    y = istft(target * phase, len(x))
    for _ in range(iterations):
        spec = stft(y)
        y = istft(target * spec / np.maximum(np.abs(spec), 1e-12), len(x))
    return _level_like(y, x)


def mel_smoothed(x: Array) -> Array:
    """``x`` (16 kHz) with its magnitude replaced by the mel-smoothed one, phase kept."""
    spec = stft(x)
    magnitude = np.abs(spec)
    y = istft(_mel_to_linear(magnitude) * spec / np.maximum(magnitude, 1e-12), len(x))
    return _level_like(y, x)


def _level_like(y: Array, x: Array) -> Array:
    """``y`` scaled to ``x``'s RMS level, clipped to [-1, 1]."""
    ry, rx = np.sqrt(np.mean(y * y) + 1e-12), np.sqrt(np.mean(x * x) + 1e-12)
    return np.asarray(np.clip(y * (rx / ry), -1.0, 1.0))

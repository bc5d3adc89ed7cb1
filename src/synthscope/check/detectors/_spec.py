"""Spectro-temporal input for the spec-cnn audio detector, and simple vocoders that make fakes.

The input is a log-power spectrogram of 16 kHz speech (512-point FFT, 16 ms hop, the 256 bins
above DC averaged in pairs to 128), cut into windows of WINDOW frames (about one second). Only
the window's mean level is removed: the shape across frequency and the fine structure between
neighbouring bins and frames are what a vocoder gets wrong, so they stay.

Training fakes beyond the packs' MelGAN clips come from real speech passed through two
signal-processing vocoders: Griffin-Lim phase reconstruction of the true magnitude, and the same
after the magnitude went through an 80-band mel filterbank and back (the envelope survives, the
harmonic fine structure is smeared) -- roughly what a neural vocoder is given to work from.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
RATE, NFFT, HOP, BINS, WINDOW, STRIDE = 16000, 512, 256, 128, 64, 32


def _stft(x: Array, nfft: int = NFFT, hop: int = HOP) -> NDArray[np.complex128]:
    n = 1 + max(0, (len(x) - nfft) // hop)
    idx = np.arange(nfft)[None, :] + hop * np.arange(n)[:, None]
    return np.fft.rfft(x[idx] * np.hanning(nfft), axis=1)


def spectrogram(x: Array) -> NDArray[np.float32]:
    """(frames, BINS) log10 power of 16 kHz samples; empty when shorter than one FFT."""
    if len(x) < NFFT:
        return np.zeros((0, BINS), np.float32)
    power = np.abs(_stft(x)) ** 2
    pairs = power[:, 1:].reshape(len(power), BINS, 2).mean(axis=2)
    return np.asarray(np.log10(pairs + 1e-10), np.float32)


def windows(spec: NDArray[np.float32]) -> tuple[NDArray[np.float32], NDArray[np.intp]]:
    """(N, 1, BINS, WINDOW) network inputs every STRIDE frames, each less its mean, and the first
    frame of each; none when the spectrogram is shorter than one window."""
    if len(spec) < WINDOW:
        return np.zeros((0, 1, BINS, WINDOW), np.float32), np.zeros(0, np.intp)
    starts = np.arange(0, len(spec) - WINDOW + 1, STRIDE)
    wins = np.stack([spec[s : s + WINDOW].T for s in starts])
    wins = wins - wins.mean(axis=(1, 2), keepdims=True)
    return np.ascontiguousarray(wins[:, None], np.float32), starts


def _istft(spec: NDArray[np.complex128], length: int, hop: int) -> Array:
    """Windowed overlap-add (hop must divide NFFT), normalised by the summed squared window."""
    frames = np.fft.irfft(spec, NFFT, axis=1) * np.hanning(NFFT)
    parts, n = NFFT // hop, len(frames)
    out, norm = np.zeros((n + parts - 1, hop)), np.zeros((n + parts - 1, hop))
    square = (np.hanning(NFFT) ** 2).reshape(parts, hop)
    for k in range(parts):
        out[k : k + n] += frames[:, k * hop : (k + 1) * hop]
        norm[k : k + n] += square[k]
    flat = (out / np.maximum(norm, 1e-8)).reshape(-1)
    return np.pad(flat, (0, max(0, length - len(flat))))[:length]


def griffin_lim(magnitude: Array, length: int, rng: np.random.Generator, iters: int = 16) -> Array:
    """A waveform whose STFT magnitude (hop NFFT/4) approximates ``magnitude``."""
    hop = NFFT // 4
    phase = np.exp(2j * np.pi * rng.random(magnitude.shape))
    x = _istft(magnitude * phase, length, hop)
    for _ in range(iters):
        spec = _stft(np.pad(x, (0, NFFT)), NFFT, hop)[: len(magnitude)]
        x = _istft(magnitude * np.exp(1j * np.angle(spec)), length, hop)
    return x


def _mel_matrix(bands: int = 80) -> Array:
    freqs = np.fft.rfftfreq(NFFT, 1 / RATE)
    mel = 2595 * np.log10(1 + freqs / 700)
    edges = np.linspace(0, mel[-1], bands + 2)
    out = np.zeros((bands, len(freqs)))
    for b in range(bands):
        lo, mid, hi = edges[b : b + 3]
        out[b] = np.clip(np.minimum((mel - lo) / (mid - lo), (hi - mel) / (hi - mid)), 0, None)
    return out


def vocoded(x: Array, rng: np.random.Generator) -> Array:
    """Real speech through one of the two simple vocoders (chosen at random), same level."""
    if len(x) < NFFT * 2:
        return x
    magnitude = np.abs(_stft(np.pad(x, (0, NFFT)), NFFT, NFFT // 4))
    if rng.random() < 0.5:
        mel = _mel_matrix()
        magnitude = np.maximum(magnitude @ mel.T @ np.linalg.pinv(mel.T), 0)
    y = griffin_lim(magnitude, len(x), rng)
    return y * (np.std(x) / max(float(np.std(y)), 1e-8))

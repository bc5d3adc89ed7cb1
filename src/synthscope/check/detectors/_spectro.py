"""The spectro-temporal front end of the spectro-cnn detector (numpy; shared by training and
checking).

16 kHz audio -> log power spectrogram (512-point FFT, 10 ms hop, Hann), 256 bins averaged in pairs
to 128 bands of 31.25 Hz (linear, so the high band where vocoders leave their traces keeps its
resolution) -> consecutive 2 s chunks (200 frames; the last one ends with the clip); a clip of
1-2 s is one chunk of its own length. Each chunk is normalised on its own: its per-band mean is
removed (what the microphone, room and speaker's timbre add to every frame) and it is scaled to
unit variance, so the network sees fine spectro-temporal texture, not loudness or channel colour.
Only chunks that voice activity detection (Silero) finds to be mostly speech are scored: silence
is trimmed first.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._vad import speech_at

Array = NDArray[np.float64]
RATE, NFFT, HOP, BANDS = 16000, 512, 160, 128
CHUNK, STRIDE = 200, 200  # frames: 2 s chunks, one after another
MIN_FRAMES = 100  # a clip of 1-2 s is one chunk of its own length (the network is convolutional)
MIN_SPEECH = 0.5  # share of a chunk's frames that must be speech


@lru_cache(maxsize=1)
def _window() -> Array:
    return np.asarray(np.hanning(NFFT))


def log_spectrogram(x: Array) -> NDArray[np.float32]:
    """Frames x BANDS log10 power of 16 kHz samples ``x`` (empty when shorter than one FFT)."""
    if len(x) < NFFT:
        return np.zeros((0, BANDS), np.float32)
    count = 1 + (len(x) - NFFT) // HOP
    idx = np.arange(NFFT)[None, :] + HOP * np.arange(count)[:, None]
    power = np.abs(np.fft.rfft(x[idx] * _window(), axis=1)[:, : 2 * BANDS]) ** 2
    bands = power.reshape(count, BANDS, 2).mean(axis=2)
    return np.asarray(np.log10(bands + 1e-10), np.float32)


def normalise(chunk: NDArray[np.float32]) -> NDArray[np.float32]:
    """A chunk without its per-band mean, at unit variance (frames x bands)."""
    centred = chunk - chunk.mean(axis=0, keepdims=True)
    return np.asarray(centred / (centred.std() + 1e-6), np.float32)


def frame_speech(x: Array, frames: int) -> NDArray[np.bool_]:
    """Whether each spectrogram frame of ``x`` is speech, from the VAD's 32 ms windows."""
    return speech_at(x, np.arange(frames) * HOP + NFFT // 2)


def chunk_width(frames: int) -> int:
    """Frames per chunk for a spectrogram of ``frames`` frames: CHUNK, or all of a short clip."""
    return min(frames, CHUNK)


def chunk_starts(frames: int) -> list[int]:
    """Start frames of the chunks of a spectrogram with ``frames`` frames (none under 1 s)."""
    if frames < MIN_FRAMES:
        return []
    if frames <= CHUNK:
        return [0]
    starts = list(range(0, frames - CHUNK + 1, STRIDE))
    if starts[-1] != frames - CHUNK:  # the tail gets a chunk of its own
        starts.append(frames - CHUNK)
    return starts


def speech_chunks(x: Array) -> tuple[NDArray[np.float32], list[int], NDArray[np.bool_]]:
    """Normalised chunks (N x 1 x BANDS x width), their start frames, and which are speech."""
    spec = log_spectrogram(x)
    starts, width = chunk_starts(len(spec)), chunk_width(len(spec))
    if not starts:
        return np.zeros((0, 1, BANDS, CHUNK), np.float32), [], np.zeros(0, bool)
    speech = frame_speech(x, len(spec))
    chunks = np.stack([normalise(spec[s : s + width]).T[None] for s in starts])
    voiced = np.array([speech[s : s + width].mean() >= MIN_SPEECH for s in starts])
    return chunks, starts, voiced

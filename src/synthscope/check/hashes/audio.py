"""Acoustic fingerprint after Haitsma and Kalker (Philips, 2002), compared by bit error rate.

The audio is resampled to 5,512 Hz mono; every 128 samples (23 ms) a 2,048-sample Hann window
gives the energies of 33 log-spaced bands between 300 and 2,000 Hz, and each sub-fingerprint has
32 bits: bit m is 1 when the energy difference of bands m and m+1 grew since the previous frame.
Those signs survive lossy re-encoding, resampling, volume changes and amplitude clipping. Two
fingerprints are compared at every time offset (so an excerpt matches its source) and the
distance is the smallest bit error rate in percent over an overlap of at least 5 seconds (or the
whole shorter one). Unrelated audio sits near 50%; the match threshold is 35% (as Philips).

The value is the sub-fingerprints as 8-digit hex words joined without separator. The quality is
the share of frames that are not near silence (silence has no reliable bits).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from synthscope.check.hashes import _decode
from synthscope.check.hashes.base import Hasher, Signal, Source
from synthscope.errors import InputError

RATE = 5512
WINDOW = 2048
HOP = 128
MIN_OVERLAP = int(5 * RATE / HOP)  # 5 seconds of frames
MAX_SECONDS = 600
_EDGES = np.geomspace(300.0, 2000.0, 34)
_SILENCE = 1e-7
Words = np.ndarray[Any, np.dtype[np.uint32]]


class AudioHasher(Hasher):
    """Philips-style 32-bit sub-fingerprints every 23 ms; BER (percent) <= 35 is a match."""

    threshold = 35
    min_quality = 50

    def hash(self, source: Source) -> Signal:
        """The fingerprint of the first audio stream (at most the first 10 minutes).

        Raises:
            InputError: unreadable, no audio stream, or shorter than one window (0.37 s).
        """
        samples = _decode.audio_samples(source, RATE, max_seconds=MAX_SECONDS)
        if len(samples) < WINDOW + HOP:
            name = _decode.describe(source)
            raise InputError(
                f"{name} is too short to fingerprint.", zh=f"{name} 太短，无法提取指纹。"
            )
        words, quality = fingerprint(samples)
        return Signal(self.name, words.astype(">u4").tobytes().hex(), quality)

    def distance(self, a: str, b: str) -> int:
        """Smallest bit error rate (percent) over all offsets with enough overlap.

        Raises:
            InputError: a value is not a fingerprint.
        """
        return round(100 * best_ber(_words(a), _words(b)))

    def validate(self, value: str) -> str:
        """Lower-case hex of whole 32-bit words.

        Raises:
            InputError: empty, not hexadecimal or not whole words.
        """
        return _words(value.strip()).astype(">u4").tobytes().hex()

    @classmethod
    def examples(cls) -> list[tuple[bytes, bytes, bytes]]:
        """A 12-second melody as WAV, the same as 64 kbit/s MP3, and another melody."""
        first = melody(1, 12.0)
        return [(wav_bytes(first), encode(first, "mp3"), wav_bytes(melody(2, 12.0)))]


def fingerprint(samples: np.ndarray[Any, np.dtype[np.float32]]) -> tuple[Words, int]:
    """(sub-fingerprints, quality) of mono samples at ``RATE``."""
    count = 1 + (len(samples) - WINDOW) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(samples, WINDOW)[::HOP][:count]
    power = np.abs(np.fft.rfft(frames * np.hanning(WINDOW), axis=1)) ** 2
    freqs = np.fft.rfftfreq(WINDOW, 1 / RATE)
    band_of = np.digitize(freqs, _EDGES) - 1
    energy = np.stack([power[:, band_of == b].sum(axis=1) for b in range(33)], axis=1)
    diff = energy[:, :-1] - energy[:, 1:]
    bits = (diff[1:] - diff[:-1]) > 0
    words = np.packbits(bits, axis=1).view(">u4").reshape(-1).astype(np.uint32)
    loud = energy.sum(axis=1)[1:] > _SILENCE * WINDOW
    return words, round(100 * float(loud.mean())) if len(loud) else 0


def best_ber(a: Words, b: Words) -> float:
    """The smallest bit error rate between ``a`` and ``b`` over all offsets."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    need = min(len(short), MIN_OVERLAP)
    best = 1.0
    for offset in range(need - len(short), len(long_) - need + 1):
        lo, hi = max(0, offset), min(len(long_), offset + len(short))
        errors = np.bitwise_count(short[lo - offset : hi - offset] ^ long_[lo:hi]).sum()
        best = min(best, float(errors) / (32 * (hi - lo)))
    return best


def _words(value: str) -> Words:
    if not value or len(value) % 8:
        raise InputError(
            "An audio fingerprint is hex in whole 8-digit words.",
            zh="音频指纹应为若干个 8 位十六进制字。",
        )
    try:
        return np.frombuffer(bytes.fromhex(value), ">u4").astype(np.uint32)
    except ValueError:
        raise InputError(
            "An audio fingerprint must be hexadecimal.", zh="音频指纹必须是十六进制。"
        ) from None


def melody(seed: int, seconds: float, rate: int = 22050) -> np.ndarray[Any, np.dtype[np.float32]]:
    """A deterministic tune: random notes with decaying envelopes and harmonics, plus noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    out = np.zeros_like(t)
    for start in np.arange(0, seconds, 0.25):
        freq = 220 * 2 ** (rng.integers(0, 24) / 12)
        env = np.where(t >= start, np.exp(-(t - start) * 4), 0.0)
        out += env * (np.sin(2 * np.pi * freq * t) + 0.4 * np.sin(4 * np.pi * freq * t))
    out += 0.02 * rng.standard_normal(len(t))
    tune: np.ndarray[Any, np.dtype[np.float32]] = (0.3 * out / np.abs(out).max()).astype(np.float32)
    return tune


def wav_bytes(samples: np.ndarray[Any, np.dtype[np.float32]], rate: int = 22050) -> bytes:
    """16-bit mono WAV."""
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return out.getvalue()


def encode(samples: np.ndarray[Any, np.dtype[np.float32]], fmt: str, rate: int = 22050) -> bytes:
    """Lossy re-encode with PyAV: ``mp3`` (64 kbit/s) or ``ogg`` (Opus, 32 kbit/s, 48 kHz)."""
    import av

    codec, bit_rate, out_rate = {
        "mp3": ("libmp3lame", 64000, rate),
        "ogg": ("libopus", 32000, 48000),
    }[fmt]
    out = io.BytesIO()
    with av.open(out, mode="w", format=fmt) as container:
        stream: Any = container.add_stream(codec, rate=out_rate)
        stream.bit_rate, stream.layout = bit_rate, "mono"
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=out_rate)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        for chunk in resampler.resample(frame) + resampler.resample(None):
            container.mux(stream.encode(chunk))
        container.mux(stream.encode(None))
    return out.getvalue()

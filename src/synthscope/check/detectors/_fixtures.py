"""Small inputs generated in code for ``examples()`` and tests (no files, no downloads)."""

from __future__ import annotations

import io

import numpy as np


def noise_png(side: int = 128, seed: int = 0) -> bytes:
    """A smooth gradient plus sensor-like noise, as PNG bytes."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side]
    base = np.stack([xx, yy, (xx + yy) / 2], axis=-1) * (200.0 / side)
    pixels = np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    return buf.getvalue()


def face_images() -> list[tuple[bytes, str]]:
    """Inputs for face detectors' contract examples: a crop-sized image and a large image, both
    without a face (no score, with the reason), and one too small to score."""
    return [
        (noise_png(160, seed=3), "crop.png"),
        (noise_png(640, seed=4), "no-face.png"),
        (tiny_png(), "tiny.png"),
    ]


def tiny_png() -> bytes:
    """A 16x16 image: too small for any image detector to score."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 20, 30)).save(buf, "PNG")
    return buf.getvalue()


def tone_wav(seconds: float = 2.0, rate: int = 16000, seed: int = 0, silent: bool = False) -> bytes:
    """A speech-like signal (harmonics with a syllable envelope plus noise), as WAV bytes."""
    import soundfile

    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    f0 = 120 + 20 * np.sin(2 * np.pi * 0.5 * t)
    voice = sum(np.sin(2 * np.pi * k * np.cumsum(f0) / rate) / k for k in range(1, 8))
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t) ** 2
    signal = 0.2 * voice * env + 0.01 * rng.standard_normal(len(t))
    if silent:
        signal = np.zeros_like(t)
    buf = io.BytesIO()
    soundfile.write(buf, signal.astype(np.float32), rate, format="WAV")
    return buf.getvalue()


def moving_mp4(frames: int = 24, side: int = 96, fps: int = 12, seed: int = 0) -> bytes:
    """A short H.264 clip of a moving textured square on noise."""
    import av

    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width = stream.height = side
        stream.pix_fmt = "yuv420p"
        for i in range(frames):
            img = rng.integers(60, 90, (side, side, 3), dtype=np.uint8)
            img[20 + i : 50 + i, 20:50] = 200
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


# F1, F2, F3 (Hz) of five vowels (a, i, u, e, o): the syllables of :func:`speech_wav`.
VOWELS = (
    (730, 1090, 2440),
    (270, 2290, 3010),
    (300, 870, 2240),
    (530, 1840, 2480),
    (570, 840, 2410),
)


def speech_samples(seconds: float = 3.0, rate: int = 16000, seed: int = 0) -> np.ndarray:
    """Formant-synthesised babble: a gliding pitch, a vowel per 250 ms syllable (harmonics shaped
    by three formant peaks), syllable envelopes and consonant-like noise bursts. Silero VAD hears
    most of it as speech, which pure tones are not."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    f0 = 110 + 25 * np.sin(2 * np.pi * 0.7 * t) + 8 * np.sin(2 * np.pi * 5.1 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    syllable = (t // 0.25).astype(int)
    vowel = rng.integers(0, len(VOWELS), syllable.max() + 1)[syllable]
    formants = np.array(VOWELS, dtype=np.float64)[vowel]
    pos = (t % 0.25) / 0.25
    env = np.sin(np.pi * np.clip((pos - 0.1) / 0.8, 0, 1)) ** 0.5
    voice = np.zeros_like(t)
    for k in range(1, 36):
        f = k * f0
        peaks = sum(
            1 / (1 + ((f - formants[:, j]) / (60 + 30 * j)) ** 2) / (j + 1) for j in range(3)
        )
        voice += peaks * np.sin(k * phase) * (f < rate / 2)
    bursts = (pos < 0.1) * (vowel % 2) * rng.standard_normal(len(t)) * 0.15
    return np.asarray(
        voice / np.abs(voice).max() * 0.5 * env + bursts + 0.002 * rng.standard_normal(len(t))
    )


def speech_wav(seconds: float = 3.0, rate: int = 16000, seed: int = 0) -> bytes:
    """:func:`speech_samples` as WAV bytes."""
    import soundfile

    buf = io.BytesIO()
    soundfile.write(buf, speech_samples(seconds, rate, seed).astype(np.float32), rate, format="WAV")
    return buf.getvalue()

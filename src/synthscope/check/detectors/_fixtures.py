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

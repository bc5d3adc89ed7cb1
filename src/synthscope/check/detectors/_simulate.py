"""Simulated generator artifacts and platform degradations for training (Zhang et al. 2019 idea).

A real image halved and then up-sampled by a transposed convolution (zero insertion followed by a
random 4x4 kernel) carries the periodic up-sampling trace that GAN and diffusion decoders leave,
while keeping real content. Such images are extra training fakes that make the classifier look at
the trace rather than at the content of a few generators. Degradations (JPEG, resize, blur, crop)
are the platform operations a detector must survive and are used both to augment and to test.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

BINOMIAL = np.outer([1.0, 3.0, 3.0, 1.0], [1.0, 3.0, 3.0, 1.0])


def simulated_fake(img: Any, rng: np.random.Generator) -> Any:
    """A real RGB ``PIL.Image`` through a random transposed-convolution up-sampler."""
    from PIL import Image

    w, h = img.size
    small = np.asarray(img.resize((w // 2, h // 2), Image.Resampling.BILINEAR), dtype=np.float32)
    up = np.zeros((small.shape[0] * 2, small.shape[1] * 2, 3), np.float32)
    up[::2, ::2] = small
    kernel = BINOMIAL * (1 + 0.3 * rng.standard_normal((4, 4)))
    padded = np.pad(up, ((1, 2), (1, 2), (0, 0)), mode="reflect")
    windows = sliding_window_view(padded, (4, 4), axis=(0, 1))
    out = np.einsum("hwcij,ij->hwc", windows, kernel) * (4.0 / kernel.sum())
    return jpeg(Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)), 75)


def jpeg(img: Any, quality: int) -> Any:
    """``img`` saved as JPEG at ``quality`` and decoded again."""
    from PIL import Image

    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def resize(img: Any, factor: float) -> Any:
    """``img`` scaled by ``factor`` with bicubic interpolation."""
    from PIL import Image

    w, h = img.size
    return img.resize(
        (max(1, round(w * factor)), max(1, round(h * factor))), Image.Resampling.BICUBIC
    )


def blur(img: Any, radius: float = 1.0) -> Any:
    """``img`` through a Gaussian blur of ``radius`` pixels."""
    from PIL import ImageFilter

    return img.filter(ImageFilter.GaussianBlur(radius))


def crop(img: Any, keep: float = 0.75) -> Any:
    """The centre ``keep`` fraction of ``img`` (per side)."""
    w, h = img.size
    cw, ch = round(w * keep), round(h * keep)
    left, top = (w - cw) // 2, (h - ch) // 2
    return img.crop((left, top, left + cw, top + ch))


def mp3_roundtrip(x: np.ndarray, rate: int, kbps: int) -> np.ndarray:
    """Mono float samples through an MP3 encoder at ``kbps`` and back (PyAV's libmp3lame)."""
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=rate, layout="mono")
        stream.bit_rate = kbps * 1000
        frame = av.AudioFrame.from_ndarray(
            x[None, :].astype(np.float32), format="flt", layout="mono"
        )
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    buf.seek(0)
    with av.open(buf, "r") as inp:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks = [
            o.to_ndarray().reshape(-1) for f in inp.decode(audio=0) for o in resampler.resample(f)
        ]
    return np.concatenate(chunks)[: len(x)] if chunks else x


def add_noise(x: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """``x`` plus white noise at ``snr_db`` below its mean power."""
    power = float(np.mean(x * x)) or 1e-8
    return np.asarray(x + rng.normal(0, np.sqrt(power / 10 ** (snr_db / 10)), len(x)))

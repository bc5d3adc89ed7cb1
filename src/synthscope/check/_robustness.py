"""Platform degradations applied to a decoded sample before scoring: the robustness sweep.

Images: JPEG 95/75/50, resize to half, Gaussian blur, centre crop. Audio: MP3 at 64 kbps, a round
trip through 8 kHz, added white noise at 20 dB SNR. Each returns a new :class:`Loaded` holding the
degraded file's bytes, so the detector decodes it as it would a real upload.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np

from synthscope.check.detectors._load import Loaded
from synthscope.check.detectors._simulate import (
    add_noise,
    blur,
    crop,
    jpeg,
    mp3_roundtrip,
    resize,
)


def _image(op: Callable[..., object]) -> Callable[[Loaded], Loaded]:
    def apply(media: Loaded) -> Loaded:
        buf = io.BytesIO()
        img = op(media.image())
        img.save(buf, "PNG")  # type: ignore[attr-defined]
        return Loaded(buf.getvalue(), media.name)

    return apply


def _wav(samples: np.ndarray, rate: int, name: str) -> Loaded:
    import soundfile

    buf = io.BytesIO()
    soundfile.write(buf, np.clip(samples, -1, 1).astype(np.float32), rate, format="WAV")
    return Loaded(buf.getvalue(), name)


def _resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    n = round(len(x) * dst / src)
    return np.asarray(np.interp(np.linspace(0, len(x) - 1, n), np.arange(len(x)), x))


def _eight_khz(media: Loaded) -> Loaded:
    x, rate = media.audio()
    return _wav(_resample(_resample(x, rate, 8000), 8000, rate), rate, media.name)


def _noise(media: Loaded) -> Loaded:
    x, rate = media.audio()
    return _wav(add_noise(x, 20.0, np.random.default_rng(0)), rate, media.name)


def _mp3(media: Loaded) -> Loaded:
    x, rate = media.audio()
    return _wav(mp3_roundtrip(x, rate, 64), rate, media.name)


SWEEPS: dict[str, dict[str, Callable[[Loaded], Loaded]]] = {
    "image": {
        "jpeg95": _image(lambda im: jpeg(im, 95)),
        "jpeg75": _image(lambda im: jpeg(im, 75)),
        "jpeg50": _image(lambda im: jpeg(im, 50)),
        "resize0.5": _image(lambda im: resize(im, 0.5)),
        "blur1": _image(lambda im: blur(im, 1.0)),
        "crop0.75": _image(lambda im: crop(im, 0.75)),
    },
    "audio": {"mp3_64k": _mp3, "resample8k": _eight_khz, "noise20db": _noise},
}

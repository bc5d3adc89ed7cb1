"""Labelled folders generated in code: 'real' images are noisy gradients, 'fake' ones the same
content up-sampled 2x by pixel repetition (a strong periodic trace); audio is speech-like tones
and the same tones with a buzzy, band-limited 'vocoder' imitation."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PIL import Image

from synthscope.check.detectors._fixtures import noise_png, tone_wav


def fake_png(seed: int) -> bytes:
    half = Image.open(io.BytesIO(noise_png(64, seed=seed)))
    buf = io.BytesIO()
    half.resize((128, 128), Image.NEAREST).save(buf, "PNG")
    return buf.getvalue()


def vocoded_wav(seed: int) -> bytes:
    x, rate = soundfile.read(io.BytesIO(tone_wav(2.0, seed=seed)), dtype="float32")
    spec = np.fft.rfft(x)
    spec[len(spec) // 3 :] = 0  # vocoders often lose the top band
    y = np.fft.irfft(spec, len(x)) + 0.003 * np.sign(np.sin(np.arange(len(x)) * 0.9))
    buf = io.BytesIO()
    soundfile.write(buf, y.astype(np.float32), rate, format="WAV")
    return buf.getvalue()


@pytest.fixture(scope="session")
def image_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("images")
    for split in ("real", "fake"):
        (root / split).mkdir()
    for i in range(8):
        (root / "real" / f"r{i}.png").write_bytes(noise_png(128, seed=100 + i))
        (root / "fake" / f"f{i}.png").write_bytes(fake_png(200 + i))
    return root


@pytest.fixture(scope="session")
def audio_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("audio")
    for split in ("real", "fake"):
        (root / split).mkdir()
    for i in range(6):
        (root / "real" / f"u{i}.wav").write_bytes(tone_wav(2.0, seed=i))
        (root / "fake" / f"u{i}_gen.wav").write_bytes(vocoded_wav(i))
    return root

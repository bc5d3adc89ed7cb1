"""Training the spectro-cnn network with PyTorch (the ``train`` extra) and exporting ONNX.

Only ``synthscope train spectro-cnn`` (and cross-validation) imports this module; checking runs the
exported graph with onnxruntime. Training material per clip: the clip, an MP3 round trip (48 or
96 kbps) and a noisy copy (25-35 dB SNR); every real clip also yields two vocoded fakes
(``_vocode``: Griffin-Lim and mel-smoothed), each with one random degradation, so the fakes cover
every speaker in the data, not only the speaker of the MelGAN pack. The degradations differ from the
robustness sweep's (MP3 64 kbps, 20 dB noise, 8 kHz) so the sweep still tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._spectro import BANDS, CHUNK, normalise
from synthscope.check.detectors._torch_train import export_calibrated, require_torch, train_step
from synthscope.check.detectors._vocode import griffin_lim, mel_smoothed
from synthscope.errors import UsageError

EPOCHS, CHUNKS_PER_CLIP, BATCH = 14, 4, 32
Spectrogram = NDArray[np.float32]


def build_network(torch: Any) -> Any:
    """Four 3x3 conv blocks (the first strided) -> global average -> one logit."""
    nn = torch.nn

    def block(cin: int, cout: int, stride: int = 1, pool: bool = False) -> list[Any]:
        layers = [nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout), nn.ReLU()]
        return layers + ([nn.MaxPool2d(2)] if pool else [])

    return nn.Sequential(
        *block(1, 12, stride=2), *block(12, 24, pool=True), *block(24, 32, pool=True),
        *block(32, 48), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(48, 1),
    )  # fmt: skip


def variants(x: NDArray[np.float64], label: int, rng: np.random.Generator) -> list[tuple[Any, int]]:
    """(16 kHz samples, label) pairs a training clip contributes (see the module docstring)."""
    from synthscope.check.detectors._simulate import add_noise, mp3_roundtrip

    def degraded(y: NDArray[np.float64]) -> list[NDArray[np.float64]]:
        mp3 = mp3_roundtrip(y.astype(np.float32), 16000, int(rng.choice([48, 96])))
        noisy = add_noise(y, float(rng.uniform(25, 35)), rng)
        return [y, np.asarray(mp3, np.float64)[: len(y)], noisy]

    out = [(v, label) for v in degraded(x)]
    if label == 0:
        for fake in (griffin_lim(x, rng), mel_smoothed(x)):
            out.append((fake, 1))
            out.append((degraded(fake)[int(rng.integers(1, 3))], 1))
    return out


def _random_chunks(
    spec: Spectrogram, speech: NDArray[np.bool_], count: int, rng: np.random.Generator
) -> list[Spectrogram]:
    """Up to ``count`` chunks at random offsets, preferring offsets that are mostly speech."""
    if len(spec) < CHUNK:
        return []
    offsets = np.arange(len(spec) - CHUNK + 1)
    share = np.convolve(speech.astype(float), np.ones(CHUNK), "valid") / CHUNK
    good = offsets[share >= 0.5]
    pool = good if len(good) else offsets
    picks = rng.choice(pool, size=min(count, len(pool)), replace=False)
    return [normalise(spec[p : p + CHUNK]).T[None] for p in picks]


def train_network(
    clips: list[tuple[Spectrogram, NDArray[np.bool_], int]], epochs: int = EPOCHS
) -> Any:
    """Fit the network on (spectrogram, speech frames, label) triples; label 1 is synthetic.

    Raises:
        UsageError: PyTorch is not installed, or one class is missing.
    """
    torch = require_torch("spectro-cnn")
    labels = [y for _, _, y in clips]
    if len(set(labels)) < 2:
        raise UsageError(
            "Training needs both real and synthetic audio.", zh="训练需要真实和合成两类音频。"
        )
    rng = np.random.default_rng(0)
    net = build_network(torch)
    steps_per_epoch = max(1, len(clips) * CHUNKS_PER_CLIP // BATCH)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=epochs * steps_per_epoch)
    pos_weight = torch.tensor([labels.count(0) / max(1, labels.count(1))])
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    for _ in range(epochs):
        xs, ys = [], []
        for spec, speech, y in clips:
            chunks = _random_chunks(spec, speech, CHUNKS_PER_CLIP, rng)
            xs += chunks
            ys += [float(y)] * len(chunks)
        x, t = np.stack(xs), np.array(ys, np.float32)
        order = rng.permutation(len(x))
        net.train()
        for step in range(steps_per_epoch):
            idx = order[step * BATCH : (step + 1) * BATCH]
            if len(idx) < 2:
                break
            train_step(net, opt, sched, loss_fn, x[idx], t[idx])
    return net.eval()


def export_onnx(net: Any, calibration: dict[str, float]) -> bytes:
    """The network as ONNX bytes (input ``chunks`` N x 1 x 128 x frames, 200 in training; output
    ``logit``), with ``calibration`` (Platt a, b and the threshold) in the model's metadata."""
    return export_calibrated(net, (2, 1, BANDS, CHUNK), "chunks", calibration, {3: "t"})

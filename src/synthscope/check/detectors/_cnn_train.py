"""Training the small residual-patch CNN with PyTorch (the ``train`` extra) and exporting ONNX.

Only ``synthscope train cnn-image`` imports this module; checking runs the exported graph with
onnxruntime. The network sees 64x64 patches of the image after a fixed high-pass filter (image
minus its 3x3 mean), so it must learn from noise and fine texture, not from content. Every epoch
draws 8 patches at random offsets from freshly degraded copies (JPEG 60-95, resize, blur) of up
to 640 randomly chosen images (80 steps of 64 patches; the learning-rate schedule spans them),
and each real image also yields a simulated fake: the image passed through a small up-sampling
autoencoder trained on the training reals (Zhang et al. 2019's AutoGAN, with a reconstruction
loss only). Its transposed convolution leaves the periodic up-sampling trace of GAN decoders on
real content, so the network learns the trace rather than the content of six generators.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthscope.check.detectors._simulate import blur, jpeg, resize
from synthscope.check.detectors._torch_train import export_calibrated, require_torch, train_step
from synthscope.errors import UsageError

PATCH, EPOCHS, PATCHES_PER_IMAGE, BATCH, STEPS_PER_EPOCH = 64, 12, 8, 64, 80
AE_STEPS, AE_BATCH, AE_SIDE = 300, 16, 384


def build_network(torch: Any) -> Any:
    """High-pass (fixed) -> five 3x3 conv layers -> global average -> one logit."""
    nn = torch.nn

    class HighPass(nn.Module):  # type: ignore[misc,name-defined]
        def forward(self, x: Any) -> Any:
            return (x - nn.functional.avg_pool2d(x, 3, 1, 1, count_include_pad=False)) * 8.0

    def block(cin: int, cout: int, stride: int) -> list[Any]:
        return [nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout), nn.ReLU()]

    return nn.Sequential(
        HighPass(), *block(3, 16, 1), *block(16, 32, 2), *block(32, 32, 1),
        *block(32, 64, 2), *block(64, 64, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(64, 1),
    )  # fmt: skip


def build_autoencoder(torch: Any) -> Any:
    """Encoder halves the resolution (stride-2 conv); decoder doubles it (transposed conv)."""
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, 1, 1), nn.ReLU(), nn.Conv2d(16, 48, 4, 2, 1), nn.ReLU(),
        nn.ConvTranspose2d(48, 16, 4, 2, 1), nn.ReLU(), nn.Conv2d(16, 3, 3, 1, 1),
    )  # fmt: skip


def train_autoencoder(torch: Any, reals: list[Any], rng: np.random.Generator) -> Any:
    """The up-sampling autoencoder fitted (L1 reconstruction) on patches of ``reals``."""
    net = build_autoencoder(torch)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    for _ in range(AE_STEPS):
        img = reals[int(rng.integers(len(reals)))]
        x = torch.from_numpy(_patches(img, AE_BATCH, rng)) - 0.5
        if len(x) == 0:
            continue
        opt.zero_grad()
        loss = (net(x) - x).abs().mean()
        loss.backward()
        opt.step()
    return net.eval()


def autoencoded(torch: Any, net: Any, img: Any) -> Any:
    """``img`` (centre crop of at most AE_SIDE px) through the autoencoder, as an RGB PIL image."""
    from PIL import Image

    w, h = img.size
    cw, ch = min(w, AE_SIDE) // 2 * 2, min(h, AE_SIDE) // 2 * 2
    left, top = (w - cw) // 2, (h - ch) // 2
    a = np.asarray(img.crop((left, top, left + cw, top + ch)), dtype=np.float32) / 255.0
    with torch.no_grad():
        out = net(torch.from_numpy(a.transpose(2, 0, 1)[None] - 0.5))[0].numpy() + 0.5
    out = _match_colours(out.transpose(1, 2, 0), a)
    return Image.fromarray((np.clip(out, 0, 1) * 255).round().astype(np.uint8))


def _match_colours(out: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``out`` through the affine colour map (least squares) that best matches ``ref``: a briefly
    trained autoencoder shifts colours, and the fakes should differ in texture, not in colour."""
    x = np.concatenate([out.reshape(-1, 3), np.ones((out.size // 3, 1), np.float32)], axis=1)
    coef = np.linalg.lstsq(x, ref.reshape(-1, 3), rcond=None)[0]
    return np.asarray(x @ coef, dtype=np.float32).reshape(out.shape)


def training_crop(img: Any, side: int = 512) -> Any:
    """A centre crop of at most ``side`` px: large photos keep their pixel statistics (a crop, not
    a resize) at a cost per epoch like the small images'."""
    w, h = img.size
    cw, ch = min(w, side), min(h, side)
    left, top = (w - cw) // 2, (h - ch) // 2
    return img if (cw, ch) == (w, h) else img.crop((left, top, left + cw, top + ch))


def _degrade(img: Any, rng: np.random.Generator) -> Any:
    """Platform processing applied whatever the label: shrinking, enlarging by interpolation (an
    up-sampled real photo, e.g. a face crop from a video, is still real), blur, JPEG."""
    roll = rng.random()
    if roll < 0.2:
        img = resize(img, float(rng.uniform(0.5, 0.95)))
    elif roll < 0.4:
        img = resize(img, float(rng.uniform(1.2, 2.0)))
    elif roll < 0.55:
        img = blur(img, float(rng.uniform(0.3, 1.2)))
    return jpeg(img, int(rng.integers(60, 96))) if rng.random() < 0.7 else img


def _patches(img: Any, count: int, rng: np.random.Generator) -> np.ndarray:
    a = np.asarray(img, dtype=np.float32) / 255.0
    h, w = a.shape[:2]
    if min(h, w) < PATCH:
        return np.zeros((0, 3, PATCH, PATCH), np.float32)
    ys, xs = rng.integers(0, h - PATCH + 1, count), rng.integers(0, w - PATCH + 1, count)
    return np.stack(
        [a[y : y + PATCH, x : x + PATCH].transpose(2, 0, 1) for y, x in zip(ys, xs, strict=True)]
    )


def _epoch_data(
    images: list[tuple[Any, int]], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for img, label in images:
        p = _patches(_degrade(img, rng), PATCHES_PER_IMAGE, rng)
        xs.append(p)
        ys.append(np.full(len(p), label, np.float32))
    return np.concatenate(xs), np.concatenate(ys)


def train_network(images: list[Any], labels: list[int], epochs: int = EPOCHS) -> Any:
    """Fit the network on RGB PIL images (label 1 synthetic); reals add autoencoded fakes.

    Raises:
        UsageError: PyTorch is not installed, or one class is missing.
    """
    torch = require_torch("cnn-image")
    rng = np.random.default_rng(0)
    data = [(training_crop(img), y) for img, y in zip(images, labels, strict=True)]
    reals = [img for img, y in data if y == 0]
    if reals:
        auto = train_autoencoder(torch, reals, rng)
        data += [(autoencoded(torch, auto, img), 1) for img in reals]
    if len({y for _, y in data}) < 2:
        raise UsageError(
            "Training needs both real and synthetic images.", zh="训练需要真实和合成两类图像。"
        )
    net = build_network(torch)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=epochs * STEPS_PER_EPOCH)
    pos_weight = torch.tensor([sum(1 for _, y in data if y == 0) / max(1, sum(y for _, y in data))])
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    per_epoch = STEPS_PER_EPOCH * BATCH // PATCHES_PER_IMAGE  # images drawn and degraded
    for _ in range(epochs):
        x, y = _epoch_data([data[i] for i in rng.permutation(len(data))[:per_epoch]], rng)
        order = rng.permutation(len(x))
        net.train()
        for start in range(0, min(len(x), STEPS_PER_EPOCH * BATCH), BATCH):
            idx = order[start : start + BATCH]
            train_step(net, opt, sched, loss_fn, x[idx], y[idx])
    return net.eval()


def export_onnx(net: Any, calibration: dict[str, float]) -> bytes:
    """The network as ONNX bytes (input ``patches`` N x 3 x 64 x 64 in [0, 1]; output ``logit``),
    with ``calibration`` (Platt a, b and the threshold) in the model's metadata."""
    return export_calibrated(net, (2, 3, PATCH, PATCH), "patches", calibration)

"""Training the small residual-patch CNN with PyTorch (the ``train`` extra) and exporting ONNX.

Only ``synthscope train cnn-image`` imports this module; checking runs the exported graph with
onnxruntime. The network sees 64x64 patches of the image after a fixed high-pass filter (image
minus its 3x3 mean), so it must learn from noise and fine texture, not from content. Every epoch
re-draws patches at random offsets from freshly degraded copies (JPEG 60-95, resize, blur), and
each real image also yields a simulated fake (see ``_simulate``).
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

from synthscope.check.detectors._simulate import blur, jpeg, resize, simulated_fake
from synthscope.errors import UsageError

PATCH, EPOCHS, PATCHES_PER_IMAGE, BATCH = 64, 12, 8, 64


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise UsageError(
            "Training cnn-image needs PyTorch: pip install 'synthscope[train]'.",
            zh="训练 cnn-image 需要 PyTorch：pip install 'synthscope[train]'。",
        ) from exc
    torch.set_num_threads(1)
    torch.manual_seed(0)
    return torch


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
    """Fit the network on RGB PIL images (label 1 synthetic); reals add simulated fakes.

    Raises:
        UsageError: PyTorch is not installed, or one class is missing.
    """
    torch = _torch()
    rng = np.random.default_rng(0)
    data = [(img, y) for img, y in zip(images, labels, strict=True)]
    data += [(simulated_fake(img, rng), 1) for img, y in zip(images, labels, strict=True) if y == 0]
    if len({y for _, y in data}) < 2:
        raise UsageError(
            "Training needs both real and synthetic images.", zh="训练需要真实和合成两类图像。"
        )
    net = build_network(torch)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=epochs * 200)
    pos_weight = torch.tensor([sum(1 for _, y in data if y == 0) / max(1, sum(y for _, y in data))])
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    for _ in range(epochs):
        x, y = _epoch_data(data, rng)
        order = rng.permutation(len(x))
        net.train()
        for start in range(0, min(len(x), 200 * BATCH), BATCH):
            idx = order[start : start + BATCH]
            opt.zero_grad()
            loss = loss_fn(net(torch.from_numpy(x[idx]))[:, 0], torch.from_numpy(y[idx]))
            loss.backward()
            opt.step()
            if sched.last_epoch < sched.total_steps - 1:
                sched.step()
    return net.eval()


def export_onnx(net: Any, calibration: dict[str, float]) -> bytes:
    """The network as ONNX bytes (input ``patches`` N x 3 x 64 x 64 in [0, 1]; output ``logit``),
    with ``calibration`` (Platt a, b and the threshold) in the model's metadata."""
    torch = _torch()
    import onnx

    buf = io.BytesIO()
    dummy = torch.zeros(2, 3, PATCH, PATCH)
    torch.onnx.export(
        net,
        (dummy,),
        buf,
        input_names=["patches"],
        output_names=["logit"],
        dynamic_axes={"patches": {0: "n"}, "logit": {0: "n"}},
        dynamo=False,
        opset_version=17,
    )
    model = onnx.load_from_string(buf.getvalue())
    entry = model.metadata_props.add()
    entry.key, entry.value = "synthscope.calibration", json.dumps(calibration)
    return bytes(model.SerializeToString())

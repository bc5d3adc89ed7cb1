"""Training the face-blend network with PyTorch (the ``train`` extra) and exporting it to ONNX.

Only ``synthscope train face-blend`` imports this module. Every step draws a fresh batch: each real
face crop appears once as itself and once self-blended (``_blend.self_blend``), both then degraded
the way video degrades faces, so the only difference between the classes is the blend seam.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthscope.check.detectors._blend import INPUT, Array, Box, degrade, self_blend, to_input
from synthscope.check.detectors._torch_train import export_calibrated, require_torch, train_step

STEPS, BATCH = 1000, 32


def build_network(torch: Any) -> Any:
    """Six 3x3 conv layers (four with stride 2), global average and max pooling, one logit."""
    nn = torch.nn

    def block(cin: int, cout: int, stride: int) -> list[Any]:
        return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

    class Pool(nn.Module):  # type: ignore[misc,name-defined]
        def forward(self, x: Any) -> Any:
            return torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)

    return nn.Sequential(
        *block(3, 16, 2), *block(16, 32, 1), *block(32, 48, 2), *block(48, 64, 1),
        *block(64, 96, 2), *block(96, 128, 2), Pool(), nn.Dropout(0.2),
        nn.Linear(256, 1),
    )  # fmt: skip


def batch(faces: list[tuple[Array, Box]], rng: np.random.Generator) -> tuple[Array, Array]:
    """BATCH inputs: half real faces, half self-blends of other draws, all degraded alike."""
    xs, ys = [], []
    for k in range(BATCH):
        a, box = faces[int(rng.integers(len(faces)))]
        fake = k % 2
        img = self_blend(a, box, rng) if fake else a
        xs.append(to_input(degrade(img, rng)))
        ys.append(float(fake))
    return np.stack(xs), np.array(ys, np.float32)


def train_network(faces: list[tuple[Array, Box]], steps: int = STEPS) -> Any:
    """Fit the network on real face crops (with their boxes); returns it in eval mode.

    Raises:
        UsageError: PyTorch is not installed.
    """
    torch = require_torch("face-blend")
    rng = np.random.default_rng(0)
    net = build_network(torch)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=steps, pct_start=0.15)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    net.train()
    for step in range(steps):
        x, y = batch(faces, rng)
        loss = train_step(net, opt, sched, loss_fn, x, y)
        if step % 50 == 0:
            print(f"face-blend step {step}/{steps} loss {float(loss.detach()):.3f}", flush=True)
    return net.eval()


def export_onnx(net: Any, calibration: dict[str, float]) -> bytes:
    """ONNX bytes: input ``faces`` N x 3 x INPUT x INPUT, output ``logit``; calibration in the
    metadata."""
    return export_calibrated(net, (2, 3, INPUT, INPUT), "faces", calibration)

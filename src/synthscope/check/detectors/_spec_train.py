"""Training the spec-cnn network with PyTorch (the ``train`` extra) and exporting it to ONNX.

Only ``synthscope train spec-cnn`` imports this module. Each step draws a balanced batch of
one-second windows at random offsets from the training spectrograms (real, vocoded by the packs'
generators, vocoded by ``_spec.vocoded``; clean, MP3 and noisy copies of each).
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._cnn_train import _torch
from synthscope.check.detectors._spec import BINS, WINDOW

STEPS, BATCH = 300, 32
Spec = NDArray[np.float32]


def build_network(torch: Any) -> Any:
    """Five 3x3 conv layers (four with stride 2) over (1, BINS, WINDOW), mean and max pooled."""
    nn = torch.nn

    def block(cin: int, cout: int, stride: int) -> list[Any]:
        return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

    class Pool(nn.Module):  # type: ignore[misc,name-defined]
        def forward(self, x: Any) -> Any:
            return torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)

    return nn.Sequential(
        *block(1, 8, 1), *block(8, 16, 2), *block(16, 32, 2), *block(32, 48, 2),
        *block(48, 64, 2), Pool(), nn.Dropout(0.2), nn.Linear(128, 1),
    )  # fmt: skip


def _window(spec: Spec, rng: np.random.Generator) -> Spec:
    start = int(rng.integers(0, len(spec) - WINDOW + 1))
    win = spec[start : start + WINDOW].T
    return np.asarray((win - win.mean())[None], np.float32)


def train_network(items: list[tuple[Spec, int]], steps: int = STEPS) -> Any:
    """Fit the network on (spectrogram, label) items at least one window long.

    Raises:
        UsageError: PyTorch is not installed.
    """
    torch = _torch()
    rng = np.random.default_rng(0)
    by_class = [[s for s, y in items if y == c and len(s) >= WINDOW] for c in (0, 1)]
    net = build_network(torch)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=steps)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    y = torch.from_numpy(np.array([k % 2 for k in range(BATCH)], np.float32))
    net.train()
    for _ in range(steps):
        pool = [by_class[k % 2] for k in range(BATCH)]
        x = np.stack([_window(p[int(rng.integers(len(p)))], rng) for p in pool])
        opt.zero_grad()
        loss = loss_fn(net(torch.from_numpy(x))[:, 0], y)
        loss.backward()
        opt.step()
        sched.step()
    return net.eval()


def export_onnx(net: Any, calibration: dict[str, float]) -> bytes:
    """ONNX bytes: input ``windows`` N x 1 x BINS x WINDOW, output ``logit``; calibration in the
    metadata."""
    torch = _torch()
    import onnx

    buf = io.BytesIO()
    torch.onnx.export(
        net,
        (torch.zeros(2, 1, BINS, WINDOW),),
        buf,
        input_names=["windows"],
        output_names=["logit"],
        dynamic_axes={"windows": {0: "n"}, "logit": {0: "n"}},
        dynamo=False,
        opset_version=17,
    )
    model = onnx.load_from_string(buf.getvalue())
    entry = model.metadata_props.add()
    entry.key, entry.value = "synthscope.calibration", json.dumps(calibration)
    return bytes(model.SerializeToString())

"""The cnn-image detector: a small CNN on high-pass residual patches, run with onnxruntime.

The network (see ``_cnn_train``) is trained from scratch with PyTorch and shipped as ONNX; its
Platt calibration and threshold travel in the ONNX metadata, fitted on groups held out from
training (a generator, and some of the groups of real images from other sources). Flat bars and
borders are cut first (see ``_borders``: the training pack's padding colour is a class shortcut).
At inference the mean logit over a grid of up to 16 patches (multi-crop) is calibrated into the
score; evidence is the per-patch score grid, a coarse heatmap.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from synthscope.check._datasets import EXTRA_REAL
from synthscope.check.detectors._borders import cut_flat_borders
from synthscope.check.detectors._linear import platt_calibration
from synthscope.check.detectors._load import PALETTE_REASON, Loaded
from synthscope.check.detectors._onnx import CalibratedOnnx
from synthscope.check.detectors.base import MODELS, Detector, DetectorFinding, Trainable
from synthscope.errors import UsageError

PATCH, GRID, FPR_TARGET = 64, 4, 0.05


def grid_patches(img: Any) -> tuple[NDArray[np.float32], int, int]:
    """Up to GRID x GRID evenly spaced 64 px patches (N, 3, 64, 64) in [0, 1] and the grid shape."""
    a = np.asarray(img)  # uint8; only the patches become floats (a 12 MP photo stays cheap)
    h, w = a.shape[:2]
    rows, cols = min(GRID, h // PATCH), min(GRID, w // PATCH)
    ys = np.linspace(0, h - PATCH, rows).astype(int)
    xs = np.linspace(0, w - PATCH, cols).astype(int)
    patches = np.stack([a[y : y + PATCH, x : x + PATCH] for y in ys for x in xs])
    return np.ascontiguousarray(patches.transpose(0, 3, 1, 2), dtype=np.float32) / 255.0, rows, cols


class CnnImageDetector(Detector, Trainable):
    """Model in ``models/cnn-image.onnx`` (calibration in its metadata)."""

    version = "3"
    kinds = frozenset({"image"})
    model_file = "cnn-image.onnx"

    def __init__(self, model_path: Path | None = None) -> None:
        self.model_path = model_path or MODELS / self.model_file
        self.model = CalibratedOnnx(self.model_path)

    @property
    def threshold(self) -> float:
        return self.model.threshold

    def logit(self, img: Any) -> tuple[float, NDArray[np.float32], int, int]:
        """Mean logit over the patch grid, the per-patch logits and the grid shape."""
        patches, rows, cols = grid_patches(img)
        out = self.model.session().run(["logit"], {"patches": patches})[0][:, 0]
        return float(out.mean()), out, rows, cols

    def predict(self, media: Loaded) -> DetectorFinding:
        if media.is_palette():
            return self.finding(None, *PALETTE_REASON)
        img = cut_flat_borders(media.image())
        if min(img.size) < PATCH:
            return self.finding(
                None,
                f"the image is smaller than {PATCH} px on a side",
                zh=f"图像边长小于 {PATCH} 像素",
            )
        mean, per_patch, rows, cols = self.logit(img)
        heat = self.model.proba(per_patch).reshape(rows, cols).round(3).tolist()
        return self.finding(
            float(self.model.proba(mean)), threshold=self.threshold, patch_score_grid=heat
        )

    def fit(
        self, samples: Sequence[Loaded], labels: list[int], groups: list[str] | None = None
    ) -> CnnImageDetector:
        from synthscope.check.detectors._cnn_train import export_onnx, train_network

        images = [cut_flat_borders(s.image()) for s in samples]
        held = _calibration_part(groups or [str(i) for i in range(len(samples))])
        train = [i for i in range(len(samples)) if i not in held]
        net = train_network([images[i] for i in train], [labels[i] for i in train])
        self.model = CalibratedOnnx(
            export_onnx(net, {"platt_a": 1.0, "platt_b": 0.0, "threshold": 0.5})
        )
        logits = np.array([self.logit(images[i])[0] for i in sorted(held)])
        y = np.array([labels[i] for i in sorted(held)])
        if len(set(y.tolist())) < 2:
            raise UsageError(
                "The calibration part needs both classes.", zh="校准部分需要两类样本。"
            )
        self.model = CalibratedOnnx(export_onnx(net, platt_calibration(logits, y, FPR_TARGET)))
        return self

    def save(self, path: Path) -> None:
        self.model.save(path)

    @classmethod
    def examples(cls) -> list[tuple[Detector, Loaded]]:
        from synthscope.check.detectors._fixtures import noise_png, tiny_png

        return [
            (cls(), Loaded(noise_png(200, seed=5), "noise.png")),
            (cls(), Loaded(tiny_png(), "t.png")),
        ]


def _calibration_part(groups: list[str]) -> set[int]:
    """Indices held out for calibration: the last pack group when there are 3-12 (else every 5th
    pack sample), and a quarter of the extra-real groups (by a hash of the name), so the threshold
    is set on real images from sources the network did not train on."""
    pack = [i for i, g in enumerate(groups) if not g.startswith(EXTRA_REAL)]
    names = sorted({groups[i] for i in pack})
    one = 3 <= len(names) <= 12
    held = {i for i in pack if groups[i] == names[-1]} if one else set(pack[::5])
    extra = {i for i, g in enumerate(groups) if g.startswith(EXTRA_REAL)}
    return held | {i for i in extra if zlib.crc32(groups[i].encode()) % 4 == 0}

"""The face-blend detector: a small CNN that looks for the seam where a face was blended in.

Trained on real faces only, with self-blended copies as fakes (see ``_blend``), so it never learns
one generator's look and transfers to face swaps it has not seen -- the reason it, not the
DFDC-trained ``face-swap`` model, scores the faces in videos (``video-face``). The network is
trained with PyTorch (``_blend_train``) and shipped as ONNX with its Platt calibration and
threshold in the metadata. A face crop is scored as itself and mirrored (mean logit).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._blend import to_input, training_face
from synthscope.check.detectors._linear import platt_calibration
from synthscope.check.detectors._load import Loaded
from synthscope.check.detectors._onnx import CalibratedOnnx
from synthscope.check.detectors.base import MODELS, Detector, DetectorFinding, Trainable
from synthscope.errors import UsageError

MIN_SIDE, FPR_TARGET, HOLD_EVERY = 64, 0.05, 7


class FaceBlendDetector(Detector, Trainable):
    """Model in ``models/face-blend.onnx`` (calibration in its metadata)."""

    version = "2"
    kinds = frozenset({"image"})
    model_file = "face-blend.onnx"

    def __init__(self, model_path: Path | None = None) -> None:
        self.model_path = model_path or MODELS / self.model_file
        self.model = CalibratedOnnx(self.model_path)

    @property
    def threshold(self) -> float:
        """The calibrated score at or above which a face counts as blended."""
        return self.model.threshold

    def logits(self, crops: list[NDArray[np.float32]]) -> NDArray[np.float64]:
        """Mean of the plain and mirrored logits of CROP_SIDE RGB float crops."""
        if not crops:
            return np.zeros(0)
        x = np.stack([to_input(c) for c in crops])
        both = np.concatenate([x, x[..., ::-1]])
        session = self.model.session()
        out = session.run(["logit"], {"faces": np.ascontiguousarray(both)})[0][:, 0]
        return np.asarray((out[: len(crops)] + out[len(crops) :]) / 2, np.float64)

    def proba(self, logits: NDArray[np.float64]) -> NDArray[np.float64]:
        """Calibrated probabilities of ``logits``."""
        return self.model.proba(logits)

    def score_region(self, crop: Any) -> float:
        """Calibrated score of one face crop (an RGB PIL image, CROP_SIDE square)."""
        return float(self.proba(self.logits([np.asarray(crop, np.float32)]))[0])

    def predict(self, media: Loaded) -> DetectorFinding:
        img = media.image()
        if min(img.size) < MIN_SIDE:
            return self.finding(
                None,
                f"the image is smaller than {MIN_SIDE} px, too small for a face",
                zh=f"图像小于 {MIN_SIDE} 像素，太小，无法容纳人脸",
            )
        # Training trusts that its real pictures hold faces; scoring does not (a small scene
        # without a face would otherwise be scored as a face crop).
        face = training_face(img, confirm=True)
        if face is None:
            return self.finding(None, "no face found in the image", zh="图中未找到人脸")
        crop, box = face
        return self.finding(
            self.score_region(crop),
            threshold=self.threshold,
            face_box_in_crop=[round(v, 1) for v in box],
        )

    def fit(
        self, samples: Sequence[Loaded], labels: list[int], groups: list[str] | None = None
    ) -> FaceBlendDetector:
        """Train on the real faces among ``samples`` (fakes are made, not read; given fakes are
        ignored). Every HOLD_EVERY-th face is held out to calibrate.

        Raises:
            UsageError: fewer than 10 real faces, or PyTorch missing.
        """
        from synthscope.check.detectors._blend_train import export_onnx, train_network

        faces = [_face_array(s) for s, y in zip(samples, labels, strict=True) if y == 0]
        found = [f for f in faces if f is not None]
        if len(found) < 10:
            raise UsageError(
                "face-blend needs at least 10 real pictures with a face.",
                zh="face-blend 至少需要 10 张含人脸的真实图片。",
            )
        held = found[::HOLD_EVERY]
        train = [f for i, f in enumerate(found) if i % HOLD_EVERY]
        net = train_network(train)
        self.model = CalibratedOnnx(
            export_onnx(net, {"platt_a": 1.0, "platt_b": 0.0, "threshold": 0.5})
        )
        self.model = CalibratedOnnx(export_onnx(net, self.calibration(held)))
        return self

    def calibration(self, held: list[tuple[NDArray[np.float32], Any]]) -> dict[str, float]:
        """Platt scaling on held-out real faces against their self-blends (degraded alike)."""
        from synthscope.check.detectors._blend import degrade, self_blend

        rng = np.random.default_rng(1)
        reals = [degrade(a, rng) for a, _ in held for _ in range(3)]
        fakes = [degrade(self_blend(a, box, rng), rng) for a, box in held for _ in range(3)]
        logits = self.logits(reals + fakes)
        y = np.array([0] * len(reals) + [1] * len(fakes))
        return platt_calibration(logits, y, FPR_TARGET)

    def save(self, path: Path) -> None:
        self.model.save(path)

    @classmethod
    def examples(cls) -> list[tuple[Detector, Loaded]]:
        from synthscope.check.detectors._fixtures import face_images

        return [(cls(), Loaded(data, name)) for data, name in face_images()]


def _face_array(sample: Loaded) -> tuple[NDArray[np.float32], Any] | None:
    face = training_face(sample.image())
    if face is None:
        return None
    crop, box = face
    return np.asarray(crop, np.float32), box

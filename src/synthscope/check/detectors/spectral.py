"""The spectral detector: frequency/residual features with a calibrated logistic regression.

Training adds one simulated fake per real image (see :mod:`._simulate`) and JPEG-re-saved copies of
every sample, so the classifier learns up-sampling traces rather than "this generator's content" or
"re-compressed means real". Evidence is a residual-energy heatmap (8x8 grid) and the strongest
up-sampling peak, so a person can see where the high-frequency energy sits.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._borders import cut_flat_borders
from synthscope.check.detectors._features import (
    FEATURE_GROUPS,
    PEAKS,
    groups_of,
    image_features,
)
from synthscope.check.detectors._linear import fit_calibrated
from synthscope.check.detectors._load import PALETTE_REASON, Loaded
from synthscope.check.detectors._select import (
    ScoreModel,
    columns_read,
    fit_selected,
    load_model,
)
from synthscope.check.detectors._simulate import blur, jpeg, resize, simulated_fake
from synthscope.check.detectors.base import MODELS, Detector, DetectorFinding, Trainable
from synthscope.errors import InputError, UsageError

MIN_SIDE = 64
# The share of real pictures the threshold lets through on out-of-fold scores. Below the 5%
# the issue allows: a threshold fitted at exactly 5% gave 5.8% on held-out real pictures.
FPR_TARGET = 0.03


class SpectralDetector(Detector, Trainable):
    """Power-spectrum and noise-residual statistics; model in ``models/spectral.json``."""

    version = "5"
    kinds = frozenset({"image"})
    model_file = "spectral.json"
    simulate = True
    select = True  # choose scorer and feature group by inner leave-one-generator-out

    def __init__(self, model_path: Path | None = None) -> None:
        self.model_path = model_path or MODELS / self.model_file

    @property
    def threshold(self) -> float:
        """The calibrated score at or above which the shipped model calls an image synthetic."""
        return self.model().threshold

    def prepare(self, img: Any) -> tuple[Any, dict[str, Any]]:
        """The region to score (flat bars cut) and evidence about it; subclasses crop (e.g. to a
        face).

        Raises:
            NoScore: nothing in this image can be scored.
        """
        img = cut_flat_borders(img)
        if min(img.size) < MIN_SIDE:
            raise NoScore(
                f"the image is smaller than {MIN_SIDE} px on a side",
                f"图像边长小于 {MIN_SIDE} 像素",
            )
        return img, {}

    def score_region(self, img: Any) -> float:
        """Calibrated score of an already prepared region."""
        return self._score_features(self._features(np.asarray(img)))

    def _features(self, rgb: NDArray[np.uint8]) -> NDArray[np.float64]:
        """The features the model reads and the up-sampling peaks shown as evidence (only
        those are computed: the shipped model reads 3 of 69)."""
        columns = columns_read(self.model())
        if columns is None:
            return image_features(rgb)
        return image_features(rgb, groups_of(columns) | {"upsampling-peaks"})

    def _reads_only_identical_channels(self, feats: NDArray[np.float64]) -> bool:
        """Whether the model reads nothing but the channel-residual correlation and the picture's
        R, G and B residuals are identical (correlation exactly 1: a greyscale or flat picture).
        The model would then score the same constant (0.41) for every such picture."""
        columns = columns_read(self.model())
        channel = FEATURE_GROUPS["channel-correlation"]
        return (
            columns is not None
            and set(columns) <= set(channel)
            and bool(np.all(feats[channel] == 1.0))
        )

    def _score_features(self, feats: NDArray[np.float64]) -> float:
        return float(self.model().proba(feats)[0])

    def model(self) -> ScoreModel:
        """The fitted model (loaded from ``model_path`` on first use)."""
        if not hasattr(self, "model_"):
            self.model_ = load_model(self.model_path)
        return self.model_

    def predict(self, media: Loaded) -> DetectorFinding:
        if media.is_palette():
            return self.finding(None, *PALETTE_REASON)
        try:
            region, evidence = self.prepare(media.image())
        except NoScore as why:
            return self.finding(None, why.en, zh=why.zh)
        rgb = np.asarray(region)
        feats = self._features(rgb)
        if self._reads_only_identical_channels(feats):
            return self.finding(None, *SAME_CHANNELS_REASON)
        evidence.update(_evidence(rgb, feats))
        score = self._score_features(feats)
        return self.finding(score, threshold=self.model().threshold, **evidence)

    def fit(
        self, samples: Sequence[Loaded], labels: list[int], groups: list[str] | None = None
    ) -> SpectralDetector:
        feats, ys, gs, made = self._training_rows(samples, labels, groups or [""] * len(samples))
        if len(set(ys)) < 2:
            raise UsageError(
                "Training needs both real and synthetic images.", zh="训练需要真实和合成两类图像。"
            )
        x, y = np.array(feats), np.array(ys)
        if self.select:
            self.model_ = fit_selected(x, y, gs, FEATURE_GROUPS, np.array(made), FPR_TARGET)
        else:
            self.model_ = fit_calibrated(x, y, gs)
        return self

    def save(self, path: Path) -> None:
        self.model().save(path)

    @classmethod
    def examples(cls) -> list[tuple[Detector, Loaded]]:
        from synthscope.check.detectors._fixtures import noise_png, tiny_png

        return [
            (cls(), Loaded(noise_png(128, seed=1), "noise.png")),
            (cls(), Loaded(tiny_png(), "t.png")),
        ]

    def _training_rows(
        self, samples: Sequence[Loaded], labels: list[int], groups: list[str]
    ) -> tuple[list[NDArray[np.float64]], list[int], list[str], list[bool]]:
        """Feature rows, labels, groups, and whether each row is a simulated fake."""
        rng = np.random.default_rng(0)
        feats, ys, gs, made = [], [], [], []
        for media, label, group in zip(samples, labels, groups, strict=True):
            try:
                img = self.prepare(media.image())[0]
            except (NoScore, InputError):
                continue
            for variant, y in _variants(img, label, rng, self.simulate):
                feats.append(image_features(_shifted(variant, rng)))
                ys.append(y)
                gs.append(group)
                made.append(y != label)
        return feats, ys, gs, made


SAME_CHANNELS_REASON = (
    "the red, green and blue channels carry the same fine detail (a greyscale or flat picture), "
    "and the model compares exactly that between them",
    "红、绿、蓝三个通道的细节完全相同（灰度或纯色图片），而本模型比较的正是通道之间的差异",
)


class NoScore(Exception):
    """Raised by :meth:`SpectralDetector.prepare` when an image holds nothing to score; says why
    in English and Chinese."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en, self.zh = en, zh


def _variants(
    img: Any, label: int, rng: np.random.Generator, simulate: bool
) -> list[tuple[Any, int]]:
    """The sample, a JPEG re-save, a resized or blurred copy, and (for reals) a simulated fake."""
    out = [
        (img, label),
        (jpeg(img, int(rng.integers(60, 96))), label),
        (_degraded(img, rng), label),
    ]
    if simulate and label == 0:
        out.append((simulated_fake(img, rng), 1))
    return out


def _degraded(img: Any, rng: np.random.Generator) -> Any:
    """A resized or blurred copy (then JPEG), so platform processing alone does not look fake."""
    if rng.random() < 0.5:
        img = resize(img, float(rng.uniform(0.5, 0.9)))
    else:
        img = blur(img, float(rng.uniform(0.4, 1.2)))
    return jpeg(img, int(rng.integers(70, 96)))


def _shifted(img: Any, rng: np.random.Generator) -> NDArray[np.float32]:
    """Pixels with 0-7 rows and columns dropped, so no feature can lean on the JPEG grid phase."""
    dy, dx = rng.integers(0, 8, 2)
    return np.asarray(img, dtype=np.float32)[dy:, dx:]


HEATMAP = 8  # cells per side


def residual_heatmap(rgb: NDArray[np.uint8]) -> list[list[float]]:
    """Mean absolute fine residual (grey minus its 3x3 mean) in an 8x8 grid, scaled so the
    largest cell is 1; the picture's last rows and columns beyond a multiple of 8 are left out.

    Worked one band of grid rows at a time in float32 (each band read with one row of context
    on either side, so the residual is the same as over the whole picture): a 48-megapixel
    photo would otherwise take several float64 copies of itself, over a gigabyte."""
    import cv2

    h, w = rgb.shape[:2]
    band, cols = h // HEATMAP, w // HEATMAP * HEATMAP
    luma = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    grid = np.empty((HEATMAP, HEATMAP))
    for i in range(HEATMAP):
        top = i * band
        lo, hi = max(0, top - 1), min(h, top + band + 1)
        gray = np.ascontiguousarray(rgb[lo:hi].astype(np.float32) @ luma)
        res = np.abs(gray - cv2.blur(gray, (3, 3), borderType=cv2.BORDER_REFLECT_101))
        cells = res[top - lo : top - lo + band, :cols].reshape(band, HEATMAP, cols // HEATMAP)
        grid[i] = cells.mean(axis=(0, 2), dtype=np.float64)
    return (grid / (grid.max() + 1e-9)).round(3).tolist()  # type: ignore[no-any-return]


def _evidence(rgb: NDArray[np.uint8], feats: NDArray[np.float64]) -> dict[str, Any]:
    """A residual-energy heatmap of the region, its strongest up-sampling peak and how alike the
    fine residuals of its R, G and B channels are (both taken from the features; camera
    pictures' channel residuals are nearly identical, about 0.9-1.0, and the shipped model
    scores how far these three sit from the real pictures it knows)."""
    return {
        "residual_heatmap_8x8": residual_heatmap(rgb),
        "max_upsampling_peak_log_ratio": round(float(feats[PEAKS].max()), 3),
        "channel_residual_correlation_rg_gb_rb": [
            round(float(v), 3) for v in feats[FEATURE_GROUPS["channel-correlation"]]
        ],
    }

"""Flat-border cutting, extra reals in cross-validation, autoencoder colours, ROC SVG."""

from __future__ import annotations

import io
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from synthscope.check._datasets import real_images
from synthscope.check._roc_plot import roc_svg, write_roc_plots
from synthscope.check.detectors import _borders
from synthscope.check.detectors._borders import (
    SHARE,
    TOLERANCE,
    border_box,
    cut_flat_borders,
    flat_run,
)
from synthscope.check.detectors._cnn_train import _match_colours, training_crop
from synthscope.check.detectors._fixtures import noise_png
from synthscope.check.detectors.cnn_image import _calibration_part
from synthscope.check.evaluate import cross_validate
from synthscope.cli import main


def _padded(bar: int, colour: tuple[int, int, int]) -> Image.Image:
    inner = Image.open(io.BytesIO(noise_png(128, seed=3))).convert("RGB")
    out = Image.new("RGB", (128 + 2 * bar, 128 + 2 * bar), colour)
    out.paste(inner, (bar, bar))
    return out


def test_flat_bars_are_cut_with_a_margin_for_ringing() -> None:
    left, top, right, bottom = border_box(_padded(40, (30, 30, 30)))
    assert 40 <= left <= 46 and 40 <= top <= 46
    assert 162 <= right <= 168 and 162 <= bottom <= 168


@given(
    rows=st.integers(1, 90),
    bar=st.integers(0, 90),
    noisy=st.integers(0, 3),
    seed=st.integers(0, 2**16),
)
def test_flat_run_equals_testing_every_row(rows: int, bar: int, noisy: int, seed: int) -> None:
    """The chunked early stop finds the same run as testing every row of the quarter."""
    rng = np.random.default_rng(seed)
    lines = rng.uniform(0, 255, (rows, 20)).astype(np.float32)
    lines[: min(bar, rows)] = 40 + rng.uniform(-5, 5, (min(bar, rows), 20))
    lines[: min(bar, rows), :noisy] = 200  # a few off pixels: a row may still count as flat
    flat = np.mean(np.abs(lines - float(np.median(lines[0]))) <= TOLERANCE, axis=1) >= SHARE
    expected = len(flat) if flat.all() else int(np.argmin(flat))
    assert flat_run(lines) == expected


@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60),
    st.sampled_from([np.float64, np.float32]),
)
def test_median_equals_numpys(values: list[float], dtype: type) -> None:
    from synthscope.check.detectors._features import median

    array = np.array(values, dtype=dtype)
    assert median(array) == float(np.median(array))


def test_the_last_pictures_bars_are_found_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(_borders, "border_box", lambda img: calls.append(img) or (40, 40, 168, 168))
    img = _padded(40, (30, 30, 30))
    first, again = cut_flat_borders(img), cut_flat_borders(img)  # the next detector, same picture
    assert len(calls) == 1 and first.size == again.size == (128, 128)
    assert np.array_equal(np.asarray(first), np.asarray(again))
    cut_flat_borders(_padded(40, (30, 30, 30)))  # another picture: found again
    assert len(calls) == 2
    assert all(ref() is None or ref() is not img for ref, _ in _borders._LAST)


def test_images_without_bars_are_left_alone() -> None:
    img = Image.open(io.BytesIO(noise_png(96, seed=1))).convert("RGB")
    assert cut_flat_borders(img) is img


def test_a_flat_image_keeps_at_least_half_of_each_side() -> None:
    img = Image.new("RGB", (200, 100), (120, 10, 10))
    w, h = cut_flat_borders(img).size
    assert w >= 100 and h >= 50


def test_training_crop_keeps_pixels_instead_of_resizing() -> None:
    img = Image.open(io.BytesIO(noise_png(128, seed=2))).convert("RGB")
    big = Image.new("RGB", (900, 700))
    big.paste(img, (386, 286))
    crop = training_crop(big, side=128)
    assert crop.size == (128, 128)
    assert np.array_equal(np.asarray(crop), np.asarray(img))


def test_colour_matching_undoes_an_affine_colour_shift() -> None:
    rng = np.random.default_rng(0)
    ref = rng.random((32, 32, 3)).astype(np.float32)
    shifted = ref @ np.array([[0.8, 0.1, 0.0], [0.2, 0.7, 0.1], [0.0, 0.1, 0.9]], np.float32) + 0.1
    assert np.abs(_match_colours(shifted.astype(np.float32), ref) - ref).max() < 1e-3


def test_real_images_group_crops_by_source_and_other_folders_whole(tmp_path: Path) -> None:
    crops, photos = tmp_path / "faces" / "real", tmp_path / "photos"
    crops.mkdir(parents=True)
    (photos / "sub").mkdir(parents=True)
    for name in ("a_0.png", "a_1.png", "b_0.png"):
        (crops / name).write_bytes(noise_png(64, seed=len(name)))
    for name in ("x.png", "sub/x-rotated.png"):
        (photos / name).write_bytes(noise_png(64, seed=9))
    samples = real_images([crops, photos])
    groups = {s.path.name: s.group for s in samples}
    assert all(s.label == 0 for s in samples) and len(samples) == 5
    assert groups["a_0.png"] == groups["a_1.png"] != groups["b_0.png"]
    assert groups["x.png"] == groups["x-rotated.png"] and groups["x.png"].startswith("real:")


def test_calibration_holds_out_a_generator_and_some_extra_groups() -> None:
    groups = ["biggan"] * 3 + ["crn"] * 3 + ["imle"] * 3
    groups += [f"real:pack/id{i}" for i in range(40)]
    held = _calibration_part(groups)
    assert {groups[i] for i in held if not groups[i].startswith("real:")} == {"imle"}
    extra_held = {groups[i] for i in held if groups[i].startswith("real:")}
    assert 0 < len(extra_held) < 40


def test_cross_validation_scores_extra_reals_out_of_fold(
    image_folder: Path, tmp_path: Path
) -> None:
    extra = tmp_path / "others"
    extra.mkdir()
    for i in range(6):
        (extra / f"photo{i}.png").write_bytes(noise_png(128, seed=300 + i))
    report = cross_validate("spectral", image_folder, extra_real=[extra])
    clean = report["conditions"]["clean"]
    assert clean["n"] == 16 and len(report["labels"]) == 16  # metrics are the pack's
    extra_clean = report["extra_real"]["conditions"]["clean"]
    assert extra_clean["n"] == 6 and 0.0 <= extra_clean["fpr"] <= 1.0
    assert all(s is not None for s in extra_clean["scores"])


def _report() -> dict[str, object]:
    labels = [0, 0, 0, 1, 1, 1]
    return {
        "detector": "spectral",
        "mode": "cross-validation",
        "labels": labels,
        "conditions": {
            "clean": {"scores": [0.1, 0.2, 0.6, 0.5, 0.8, 0.9]},
            "jpeg75": {"scores": [0.1, None, 0.3, 0.4, 0.7, 0.2]},
        },
    }


def test_roc_svg_has_one_curve_per_condition_and_the_auc() -> None:
    svg = roc_svg(_report())
    root = ElementTree.fromstring(svg)
    lines = root.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 2
    assert "clean AUC 0.889" in svg and "误报率" in svg


def test_cli_writes_roc_plots(image_folder: Path, tmp_path: Path) -> None:
    plots = tmp_path / "plots"
    assert main(["evaluate", "--data", str(image_folder), "--detector", "spectral",
                 "--plots", str(plots)]) == 0  # fmt: skip
    assert (plots / "spectral-roc.svg").read_text().startswith("<svg")
    assert write_roc_plots([], tmp_path / "none") == []


def test_cli_extra_real_needs_cv(image_folder: Path) -> None:
    assert main(["evaluate", "--data", str(image_folder), "--extra-real", str(image_folder)]) == 2


def test_residual_is_the_image_minus_its_3x3_mean() -> None:
    from synthscope.check.detectors._features import _residual

    x = np.random.default_rng(1).random((20, 17))
    p = np.pad(x, 1, mode="reflect")
    mean = sum(p[i : i + 20, j : j + 17] for i in range(3) for j in range(3)) / 9.0
    assert np.allclose(_residual(x), x - mean)


def test_spectral_evidence_peak_comes_from_the_scored_features() -> None:
    from synthscope.check.detectors import Loaded
    from synthscope.check.detectors._features import PEAKS, image_features
    from synthscope.check.detectors.spectral import SpectralDetector

    media = Loaded(noise_png(160, seed=7), "n.png")
    finding = SpectralDetector().predict(media)
    feats = image_features(np.asarray(media.image(), dtype=np.float32))
    assert finding.evidence["max_upsampling_peak_log_ratio"] == round(float(feats[PEAKS].max()), 3)


def test_power_spectrum_from_the_half_plane_equals_the_full_fft() -> None:
    from synthscope.check.detectors._features import _power

    for shape in ((16, 16), (15, 15), (12, 9)):
        x = np.random.default_rng(2).random(shape)
        win = np.outer(np.hanning(shape[0]), np.hanning(shape[1]))
        f = np.fft.fft2((x - x.mean()) * win)
        spec = f.real**2 + f.imag**2
        assert np.allclose(_power(x), (spec / spec.sum())[:, : shape[1] // 2 + 1], atol=1e-15)


@pytest.mark.parametrize("side", [64, 65])
def test_rings_and_peaks_from_the_half_plane_equal_the_full_plane(side: int) -> None:
    """The radial spectrum and the up-sampling peaks read the half plane; they must equal the
    same measures taken over the full plane."""
    from synthscope.check.detectors._features import BINS, _peaks, _power, _radial

    x = np.random.default_rng(side).random((side, side))
    win = np.outer(np.hanning(side), np.hanning(side))
    f = np.fft.fft2((x - x.mean()) * win)
    full = f.real**2 + f.imag**2
    full /= full.sum()
    fy, fx = np.meshgrid(np.fft.fftfreq(side), np.fft.fftfreq(side), indexing="ij")
    ring = np.clip((np.sqrt(fx**2 + fy**2) / 0.5 * BINS).astype(int), 0, BINS - 1)
    radial = [np.log(full[ring == b].mean() + 1e-12) if (ring == b).any() else np.log(1e-12)
              for b in range(BINS)]  # fmt: skip
    peaks = []
    for div in (2, 4, 8):
        k = side // div
        for ky, kx in ((k, 0), (0, k), (k, k)):
            near = full[np.ix_((ky + np.arange(-3, 4)) % side, (kx + np.arange(-3, 4)) % side)]
            peaks.append(np.log((full[ky, kx] + 1e-12) / (np.median(near) + 1e-12)))
    half = _power(x)
    assert np.allclose(_radial(half, side), radial, atol=1e-9)
    assert np.allclose(_peaks(half, side), peaks, atol=1e-9)


def test_residual_heatmap_by_bands_matches_the_whole_picture() -> None:
    """The evidence heatmap, worked one band of grid rows at a time in float32, equals the
    float64 computation over the whole picture to its 3 decimals (one unit at a rounding edge)."""
    from synthscope.check.detectors._features import _residual
    from synthscope.check.detectors.spectral import residual_heatmap

    rng = np.random.default_rng(4)
    rgb = rng.integers(0, 256, (203, 171, 3), dtype=np.uint8)
    rgb[:60] //= 8  # a quiet top, so the cells differ
    gray = rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    res = np.abs(_residual(gray))[:200, :168].reshape(8, 25, 8, 21).mean(axis=(1, 3))
    expected = (res / res.max()).round(3)
    got = np.array(residual_heatmap(rgb))
    assert got.shape == (8, 8) and got.max() == 1.0
    assert np.abs(got - expected).max() <= 0.0011

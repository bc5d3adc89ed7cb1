"""Watermarks: SD XL / SD 1.x detection matches the invisible-watermark package bit for bit;
synthscope's own payload survives mild JPEG and is never read from an unmarked image."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from synthscope.check.labels import _dwtdct
from synthscope.check.labels import _examples as ex
from synthscope.check.labels.watermark import (
    SD1_BITS,
    SDXL_BITS,
    WatermarkLabeler,
    detect_own,
    payload_bits,
)
from synthscope.media import Media


def _photo(size: int = 320, seed: int = 3) -> np.ndarray:  # BGR uint8, smooth with texture
    rgb = ex.gradient(size, size, seed).astype(np.float64)
    rgb = (rgb + np.roll(rgb, 7, axis=0) + np.roll(rgb, 5, axis=1)) / 3
    return np.ascontiguousarray(rgb.astype(np.uint8)[:, :, ::-1])


def _package_max_dct() -> ModuleType:
    """The package's own dwtDct module, loaded by path so its __init__ (and torch) never runs."""
    spec = importlib.util.find_spec("imwatermark")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("invisible-watermark not installed (scripts/test.sh installs it without deps)")
    path = Path(next(iter(spec.submodule_search_locations))) / "maxDct.py"
    module_spec = importlib.util.spec_from_file_location("_imwatermark_maxdct", path)
    assert module_spec and module_spec.loader
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("message", [SDXL_BITS, SD1_BITS], ids=["sdxl", "sd1"])
def test_decoding_matches_the_package_exactly(message: np.ndarray) -> None:
    package = _package_max_dct()
    for image in (_photo(), _package_encoded(package, _photo(seed=5), message)):
        theirs = package.EmbedMaxDct(watermarks=[], wmLen=len(message)).decode(image)
        assert np.array_equal(_dwtdct.max_dct_decode(image, len(message)), theirs)


def _package_encoded(package: ModuleType, image: np.ndarray, message: np.ndarray) -> np.ndarray:
    encoder = package.EmbedMaxDct(watermarks=list(message), wmLen=len(message))
    encoded: np.ndarray = encoder.encode(image.copy())
    return encoded


def test_our_encoder_matches_the_package_encoder() -> None:
    package = _package_max_dct()
    image = _photo()
    ours = _dwtdct.max_dct_encode(image, SDXL_BITS)
    theirs = _package_encoded(package, image, SDXL_BITS)
    assert np.mean(ours == theirs) > 0.99


def test_sdxl_mark_is_detected_and_plain_image_is_not() -> None:
    marked = _dwtdct.max_dct_encode(_photo(), SDXL_BITS)
    png = io.BytesIO()
    Image.fromarray(marked[:, :, ::-1]).save(png, "PNG")
    finding = WatermarkLabeler().read(Media.open(png.getvalue(), name="sdxl.png"))
    sdxl = next(m for m in finding.data if m["scheme"] == "sdxl-dwtdct")
    assert sdxl["found"] and sdxl["bits_matched"] > 35 and finding.claim == "likely_synthetic"
    plain = WatermarkLabeler().read(Media.open(ex.image_bytes("PNG", 320, 320), name="p.png"))
    assert plain.claim == "none" and not any(m["found"] for m in plain.data)


@settings(max_examples=8, deadline=None)
@given(payload=st.integers(0, 2**32 - 1))
def test_own_payload_round_trips(payload: int) -> None:
    media = Media.open(ex.image_bytes("PNG", 256, 256), name="a.png")
    out = media.replace(WatermarkLabeler().apply(media, payload))
    finding = WatermarkLabeler().read(out)
    assert finding.claim == "synthetic" and finding.data[0]["payload"] == payload


def test_own_payload_survives_jpeg_90_and_a_crop_with_search() -> None:
    marked = _dwtdct.svd_encode(_photo(384), payload_bits(77))
    buffer = io.BytesIO()
    Image.fromarray(marked[:, :, ::-1]).save(buffer, "JPEG", quality=90)
    jpeg = np.asarray(Image.open(buffer).convert("RGB"))[:, :, ::-1].copy()
    assert detect_own(jpeg)["payload"] == 77
    cropped = np.ascontiguousarray(marked[19:-21, 13:-27])
    assert detect_own(cropped)["found"] is False or detect_own(cropped)["payload"] == 77
    assert detect_own(cropped, search=True)["payload"] == 77


def test_unmarked_images_never_decode() -> None:
    for seed in range(4):
        assert detect_own(_photo(256, seed), search=False)["found"] is False
    assert detect_own(np.full((256, 256, 3), 128, np.uint8))["found"] is False


def test_reading_strip_by_strip_equals_reading_the_whole_picture(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # strips of 16 rows against one strip for the whole picture (odd sizes, a marked picture,
    # grid offsets): every block vote and fit must be the same
    marked = _dwtdct.svd_encode(_photo(200, seed=5)[:197, :181], np.arange(96) % 3 == 0)
    whole = {}
    for strip in (10**6, 16):
        monkeypatch.setattr(_dwtdct, "STRIP", strip)
        whole[strip] = [_dwtdct.max_dct_votes(marked)] + [
            v for off in ((0, 0), (3, 5)) for v in _dwtdct.svd_soft_bits(marked, off)
        ]
    for a, b in zip(whole[10**6], whole[16], strict=True):
        assert np.array_equal(a, b)
    assert len(_dwtdct._strips(197)) == 13

"""PDQ: the reference pipeline on every image mode, EXIF-rotated copies, bad input."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from synthscope.check.hashes import _decode
from synthscope.check.hashes._pdqcore import pdq, reference_pixels
from synthscope.check.hashes.pdq import PdqHasher, _picture
from synthscope.errors import InputError

PDQ = PdqHasher()


def encode(image: Image.Image, fmt: str = "PNG", **kw: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kw)
    return out.getvalue()


@pytest.fixture(scope="module")
def picture() -> Image.Image:
    return _picture(7)


@pytest.mark.parametrize("mode", ["P", "LA", "RGBA", "CMYK", "L"])
def test_every_mode_hashes_like_its_rgb(picture: Image.Image, mode: str) -> None:
    converted = picture.convert(mode)
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    sig = PDQ.hash(encode(converted, fmt, quality=95) if fmt == "JPEG" else encode(converted))
    rgb = PDQ.hash(encode(converted.convert("RGB")))
    assert PDQ.distance(sig.value, rgb.value) <= (8 if fmt == "JPEG" else 0)


def test_palette_is_converted_before_hashing(picture: Image.Image) -> None:
    # Hashing palette indices as if they were grey levels is the classic mistake (~42 bits off).
    pal = picture.convert("P")
    right = PDQ.hash(encode(pal)).value
    wrong, _ = pdq(np.ascontiguousarray(np.stack([np.asarray(pal)] * 3, axis=2)))
    assert PDQ.distance(right, wrong) > 31


def test_large_images_are_resized_by_nearest_neighbour_to_512() -> None:
    image = _picture(3).resize((1500, 900))
    pixels = reference_pixels(image)
    assert pixels.shape == (512, 512, 3)
    source = np.asarray(image)
    assert (pixels[5, 7] == source[5 * 900 // 512, 7 * 1500 // 512]).all()
    small = reference_pixels(_picture(3).resize((500, 300)))
    assert small.shape == (300, 500, 3)


def test_exif_rotated_copy_matches_through_dihedral_variants(picture: Image.Image) -> None:
    # Orientation 6: pixels stored rotated, viewers turn them upright. The stored grid is hashed
    # (as Meta's reference does), so the plain hash differs; a dihedral variant matches.
    stored = picture.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    rotated = encode(stored, "JPEG", quality=90, exif=exif.tobytes())
    original = PDQ.hash(encode(picture))
    assert PDQ.distance(PDQ.hash(rotated).value, original.value) > 31
    variants, quality = PDQ.dihedral(rotated)
    assert quality >= 50 and len(variants) == 8
    assert min(PDQ.distance(v, original.value) for v in variants) <= 31


def test_flat_image_has_low_quality() -> None:
    flat = Image.new("RGB", (300, 200), (120, 130, 140))
    assert PDQ.hash(encode(flat)).quality < PDQ.min_quality


def test_decompression_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_decode, "MAX_PIXELS", 10_000)
    with pytest.raises(InputError, match="too large"):
        PDQ.hash(encode(Image.new("RGB", (200, 200))))


def test_zero_length_file_names_the_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.jpg is empty"):
        PDQ.hash(empty)


def test_truncated_image_is_an_input_error(picture: Image.Image) -> None:
    data = encode(picture, "JPEG", quality=90)
    with pytest.raises(InputError, match="cannot be decoded"):
        PDQ.hash(data[: len(data) // 3])


@given(st.binary(min_size=32, max_size=32))
def test_hex_round_trip(raw: bytes) -> None:
    value = raw.hex()
    assert PDQ.validate(value.upper()) == value
    assert PDQ.distance(value, value) == 0

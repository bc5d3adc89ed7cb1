"""PDQ image hashing (Meta), with the C++ reference pipeline and dihedral variants.

EXIF orientation: like Meta's reference hasher, PDQ hashes the pixel grid as stored and ignores
the EXIF orientation tag, so synthscope's hashes equal those of other platforms using Meta's tools.
A copy that is displayed rotated or flipped (EXIF orientations 2-8 are exactly the 8 dihedral
transforms) is still found: matching compares the query's 8 dihedral variants
(:meth:`PdqHasher.dihedral`) with the bank.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from synthscope.check.hashes import _decode, _pdqcore
from synthscope.check.hashes.base import Hasher, Signal, Source, Variants
from synthscope.check.hashes.index import HammingIndex


class PdqHasher(Hasher, Variants):
    """Meta's PDQ: 256-bit hash, match at Hamming distance <= 31, quality below 50 not banked."""

    threshold = 31
    min_quality = 50
    index_cls = HammingIndex

    def hash(self, source: Source) -> Signal:
        """The PDQ signal of an image file or its bytes.

        Raises:
            InputError: unreadable, empty, not an image, or a decompression bomb.
        """
        value, quality = _pdqcore.pdq(_pdqcore.reference_pixels(_decode.open_image(source)))
        return Signal(self.name, value, quality)

    def dihedral(self, source: Source) -> tuple[list[str], int]:
        """The hashes of the image's 8 rotations and flips (original first) and its quality.

        Raises:
            InputError: as :meth:`hash`.
        """
        return _pdqcore.pdq_dihedral(_pdqcore.reference_pixels(_decode.open_image(source)))

    def variants(self, source: Source) -> tuple[list[str], int]:
        """The 8 dihedral hashes (see :meth:`dihedral`).

        Raises:
            InputError: as :meth:`hash`.
        """
        return self.dihedral(source)

    def distance(self, a: str, b: str) -> int:
        """Hamming distance between two PDQ hex strings.

        Raises:
            InputError: a value is not 64 hex digits.
        """
        return _pdqcore.hamming(_pdqcore.hex_to_bytes(a), _pdqcore.hex_to_bytes(b))

    def validate(self, value: str) -> str:
        """Lower-case 64-digit hex.

        Raises:
            InputError: wrong length or not hexadecimal.
        """
        return _pdqcore.hex_to_bytes(value.strip()).hex()

    @classmethod
    def examples(cls) -> list[tuple[bytes, bytes, bytes]]:
        """A textured picture, its resized JPEG re-encode, and another picture."""
        first, other = _picture(1), _picture(2)
        return [
            (
                _encode(first, "PNG"),
                _encode(first.resize((300, 220)), "JPEG"),
                _encode(other, "PNG"),
            )
        ]


def _picture(seed: int) -> Image.Image:
    """A deterministic photo-like picture: soft blobs and hard-edged patches at random places."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:480, 0:640].astype(np.float32)
    canvas = np.zeros((480, 640, 3), np.float32)
    for _ in range(24):
        cy, cx, r = rng.uniform(0, 480), rng.uniform(0, 640), rng.uniform(10, 80)
        blob = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))
        canvas += blob[..., None] * rng.uniform(-120, 120, 3)
    for _ in range(16):
        top, left = int(rng.uniform(0, 440)), int(rng.uniform(0, 600))
        canvas[top : top + int(rng.uniform(20, 120)), left : left + int(rng.uniform(20, 160))] += (
            rng.uniform(-90, 90, 3)
        )
    return Image.fromarray(np.clip(canvas + 128, 0, 255).astype(np.uint8))


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, quality=75) if fmt == "JPEG" else image.save(out, fmt)
    return out.getvalue()

"""Meta's PDQ reference pipeline on decoded pixels, and 256-bit hash helpers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pdqhash  # type: ignore[import-untyped]
from PIL import Image

from synthscope.errors import InputError

HASH_HEX = 64
_SIDE = 512
_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def reference_pixels(image: Image.Image) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """RGB pixels as Meta's C++ reference hashes them.

    Every mode (palette, grey-alpha, CMYK, ...) is converted to RGB first; when a side exceeds
    512 px the image becomes 512x512 by nearest neighbour with source index floor(i*src/512).
    """
    rgb = np.asarray(image.convert("RGB"))
    height, width = rgb.shape[:2]
    if width > _SIDE or height > _SIDE:
        rows = (np.arange(_SIDE) * height) // _SIDE
        cols = (np.arange(_SIDE) * width) // _SIDE
        rgb = rgb[rows][:, cols]
    return np.ascontiguousarray(rgb, dtype=np.uint8)


def bits_to_hex(bits: Any) -> str:
    """pdqhash's 256 bits (most significant first) as Meta's 64-digit hex."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq(pixels: np.ndarray[Any, np.dtype[np.uint8]]) -> tuple[str, int]:
    """(hex, quality) of RGB pixels."""
    bits, quality = pdqhash.compute(pixels)
    return bits_to_hex(bits), int(quality)


def pdq_dihedral(pixels: np.ndarray[Any, np.dtype[np.uint8]]) -> tuple[list[str], int]:
    """The hashes of the 8 rotations and flips (original first) and the quality."""
    hashes, quality = pdqhash.compute_dihedral(pixels)
    return [bits_to_hex(h) for h in hashes], int(quality)


def hex_to_bytes(value: str) -> bytes:
    """The 32 bytes of a PDQ hex string.

    Raises:
        InputError: not 64 hexadecimal digits.
    """
    if len(value) != HASH_HEX:
        raise InputError(
            f"A PDQ hash has 64 hex digits, not {len(value)}.",
            zh=f"PDQ 哈希应为 64 位十六进制数字，而不是 {len(value)} 位。",
        )
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise InputError("A PDQ hash must be hexadecimal.", zh="PDQ 哈希必须是十六进制。") from None


def hamming(a: bytes, b: bytes) -> int:
    """Bits that differ between two equally long byte strings."""
    x = np.bitwise_xor(np.frombuffer(a, np.uint8), np.frombuffer(b, np.uint8))
    return int(_POPCOUNT[x].sum())

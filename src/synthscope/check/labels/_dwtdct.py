"""Invisible-watermark algorithms on numpy arrays, vectorised, without importing torch.

``max_dct_*`` follow the ``dwtDct`` method of the invisible-watermark package (v0.2.0), which
Stable Diffusion 1.x and XL use: BGR -> YUV (OpenCV), Haar DWT of the U channel, 4x4 blocks of the
approximation band; each block's largest non-DC coefficient is quantised with step ``scale`` so
that its remainder sits at 1/4 (bit 0) or 3/4 (bit 1); bit ``k`` repeats in every block whose index
is ``k`` modulo the message length, and decoding averages the votes. Same inputs, same bits as the
package's decoder (a test checks this against the package's own module when it is installed).

``svd_*`` are synthscope's own scheme, the ``dwtDctSvd`` idea made crop-tolerant: the largest
singular value of each block is quantised (the DCT is orthonormal, so the singular values of the
DCT block are those of the block itself), on the U and V channels, and bit ``k`` lives in the
blocks at ``(row % 8, col % 12)`` of a 2-D tile, so a cropped image still holds whole tiles; the
decoder searches the 8x8 pixel grid offsets and the tile shift.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pywt
from numpy.typing import NDArray

Array = NDArray[Any]
TILE = (8, 12)  # blocks per tile: 96 bits
# quantiser step for our scheme: ~35 dB PSNR on photos (SD XL's mark: ~33 dB), survives JPEG 75
SVD_SCALE = 64.0


def _blocks(band: Array, block: int = 4) -> Array:
    """(n_rows, n_cols, block, block) view of the whole blocks of a 2-D band."""
    rows, cols = band.shape[0] // block, band.shape[1] // block
    cut = band[: rows * block, : cols * block]
    return cut.reshape(rows, block, cols, block).transpose(0, 2, 1, 3)


def _approx(channel: Array) -> Array:
    """The Haar approximation band (what ``pywt.dwt2(x, "haar")[0]`` gives), computed directly."""
    x = channel[: channel.shape[0] // 2 * 2, : channel.shape[1] // 2 * 2].astype(np.float64)
    band: Array = (x[0::2, 0::2] + x[0::2, 1::2] + x[1::2, 0::2] + x[1::2, 1::2]) / 2
    return band


def _top_singular(blocks: Array) -> Array:
    """Largest singular value of each block: sqrt of the top eigenvalue of its Gram matrix, by
    power iteration from the flat vector (chroma centred on 128 makes that eigenvalue dominate,
    so a few steps reach it to well under a quantiser step)."""
    gram = np.einsum("...ji,...jk->...ik", blocks, blocks)
    vector = np.full(gram.shape[:-1], 0.5)
    for _ in range(6):
        vector = np.einsum("...ij,...j->...i", gram, vector)
        vector /= np.linalg.norm(vector, axis=-1, keepdims=True) + 1e-12
    top: Array = np.sqrt(np.einsum("...i,...ij,...j->...", vector, gram, vector))
    return top


def _unblocks(blocks: Array) -> Array:
    rows, cols, b, _ = blocks.shape
    return blocks.transpose(0, 2, 1, 3).reshape(rows * b, cols * b)


def max_dct_votes(bgr: Array, scale: float = 36.0) -> NDArray[np.bool_]:
    """One vote per block, in the order a ``dwtDct`` encoder (default scales) cycles its bits.

    Read in strips of whole blocks: every step is local to an 8x8 pixel block (colour
    conversion per pixel, the Haar band per 2x2, the DCT per block), so the votes are those of
    the whole picture without its float copies."""
    rows, cols = bgr.shape[0] // 4 * 4, bgr.shape[1] // 4 * 4
    votes = [_max_dct_strip(bgr[strip, :cols], scale) for strip in _strips(rows)]
    return np.concatenate(votes)


def _max_dct_strip(bgr: Array, scale: float) -> NDArray[np.bool_]:
    yuv = cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2YUV)
    # pywt's own rounding decides ties at the quantiser's midpoint: the package's bits need it
    approx, _ = pywt.dwt2(yuv[:, :, 1], "haar")
    flat = _blocks(approx).reshape(-1, 16)
    pos = np.argmax(np.abs(flat[:, 1:]), axis=1) + 1
    votes: NDArray[np.bool_] = (np.abs(flat[np.arange(len(flat)), pos]) % scale) > 0.5 * scale
    return votes


STRIP = 512  # pixel rows per strip when reading (a multiple of 8: whole blocks)


def _strips(rows: int) -> list[slice]:
    """Row ranges of at most STRIP rows covering ``rows`` (one empty range when there are none)."""
    return [slice(top, min(top + STRIP, rows)) for top in range(0, max(rows, 1), STRIP)]


def max_dct_bits(votes: NDArray[np.bool_], n_bits: int) -> NDArray[np.bool_]:
    """The ``n_bits`` message from the block votes (mean vote per bit, as the package decides)."""
    index = np.arange(len(votes)) % n_bits
    means = np.bincount(index, weights=votes, minlength=n_bits) / np.bincount(
        index, minlength=n_bits
    )
    result: NDArray[np.bool_] = means * 255 > 127
    return result


def max_dct_decode(bgr: Array, n_bits: int, scale: float = 36.0) -> NDArray[np.bool_]:
    """The ``n_bits`` message a ``dwtDct`` encoder (default scales) put into a uint8 BGR image."""
    return max_dct_bits(max_dct_votes(bgr, scale), n_bits)


def max_dct_encode(bgr: Array, bits: Array, scale: float = 36.0) -> Array:
    """A uint8 BGR image carrying ``bits`` the way the ``dwtDct`` encoder writes them."""
    rows, cols = bgr.shape[0] // 4 * 4, bgr.shape[1] // 4 * 4
    yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV)
    approx, (h, v, d) = pywt.dwt2(yuv[:rows, :cols, 1], "haar")
    blocks = _blocks(approx).copy()
    flat = blocks.reshape(-1, 16)
    at = np.arange(len(flat))
    pos = np.argmax(np.abs(flat[:, 1:]), axis=1) + 1
    wanted = np.asarray(bits)[at % len(bits)]
    value = flat[at, pos]
    flat[at, pos] = (
        np.sign(value + (value == 0)) * (np.abs(value) // scale + 0.25 + 0.5 * wanted) * scale
    )
    approx[: blocks.shape[0] * 4, : blocks.shape[1] * 4] = _unblocks(flat.reshape(blocks.shape))
    # the package passes the detail bands back as (v, h, d); kept for identical output
    yuv[:rows, :cols, 1] = np.clip(pywt.idwt2((approx, (v, h, d)), "haar"), 0, 255)
    out: Array = cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR)
    return out


def _bit_index(rows: int, cols: int, shift: tuple[int, int] = (0, 0)) -> Array:
    r = (np.arange(rows)[:, None] + shift[0]) % TILE[0]
    c = (np.arange(cols)[None, :] + shift[1]) % TILE[1]
    index: Array = r * TILE[1] + c
    return index


def _yuv(bgr: Array) -> Array:
    """Float YUV with chroma centred on 128 as for 8-bit images (so block energy stays in s0)."""
    yuv: Array = cv2.cvtColor(np.ascontiguousarray(bgr, dtype=np.float32), cv2.COLOR_BGR2YUV)
    yuv[..., 1:] += 127.5
    return yuv


def _bgr(yuv: Array) -> Array:
    shifted = yuv.astype(np.float32)
    shifted[..., 1:] -= 127.5
    out: Array = np.clip(np.rint(cv2.cvtColor(shifted, cv2.COLOR_YUV2BGR)), 0, 255)
    return out.astype(np.uint8)


def svd_encode(bgr: Array, bits: Array, scale: float = SVD_SCALE) -> Array:
    """A uint8 BGR image carrying 96 ``bits`` in the singular values of U and V blocks."""
    yuv = _yuv(bgr).astype(np.float64)
    rows, cols = bgr.shape[0] // 8 * 8, bgr.shape[1] // 8 * 8
    for channel in (1, 2):
        approx, details = pywt.dwt2(yuv[:rows, :cols, channel], "haar")
        blocks = _blocks(approx)
        u, s, vt = np.linalg.svd(blocks)
        wanted = np.asarray(bits)[_bit_index(*blocks.shape[:2])]
        target = (s[..., 0] // scale + 0.25 + 0.5 * wanted) * scale
        delta = (target - s[..., 0])[..., None, None]
        blocks = blocks + delta * u[..., :, :1] * vt[..., :1, :]
        yuv[:rows, :cols, channel] = pywt.idwt2((_unblocks(blocks), details), "haar")
    return _bgr(yuv)


def svd_soft_bits(
    bgr: Array, offset: tuple[int, int], scale: float = SVD_SCALE
) -> tuple[Array, float]:
    """Per-block votes (rows x cols, in [-1, 1], positive = 1) at a pixel ``offset``, and how
    well the grid fits (mean distance of the remainders from 1/4 or 3/4; 0 = perfect fit)."""
    view = bgr[offset[0] :, offset[1] :]
    rows, cols = view.shape[0] // 8 * 8, view.shape[1] // 8 * 8
    # Strip by strip (each block's value is its own), so no float copy of the whole picture.
    tops: dict[int, list[Array]] = {1: [], 2: []}
    for strip in _strips(rows):
        yuv = _yuv(view[strip, :cols])
        for channel in (1, 2):
            tops[channel].append(_top_singular(_blocks(_approx(yuv[:, :, channel]))))
    votes, misfit = [], []
    for channel in (1, 2):
        s0 = np.concatenate(tops[channel])
        frac = (s0 % scale) / scale
        votes.append(np.where(frac > 0.5, 1.0, -1.0) * (1 - 4 * np.abs(np.abs(frac - 0.5) - 0.25)))
        misfit.append(np.minimum(np.abs(frac - 0.25), np.abs(frac - 0.75)))
    return votes[0] + votes[1], float(np.mean(misfit))


def svd_decode(votes: Array, shift: tuple[int, int]) -> Array:
    """96 soft bits (sum of votes per tile position) for a tile ``shift``."""
    index = _bit_index(votes.shape[0], votes.shape[1], shift)
    soft: Array = np.bincount(index.ravel(), weights=votes.ravel(), minlength=TILE[0] * TILE[1])
    return soft

"""Benchmark: invisible-watermark robustness on real photos.

Embeds synthscope's 32-bit payload (96 coded bits) into N real photos (default 40, the JPEGs under
``$SYNTHSCOPE_REFERENCE_DATA/media/images``), applies JPEG 90/75/50, resize 0.5, a 10% crop and a
PNG round trip, and prints per attack: raw bit accuracy (at the alignment the detector picks,
best tile shift), the share of photos whose payload decodes exactly, and the PSNR of the mark.
The anchor row is the Stable Diffusion XL mark (invisible-watermark's ``dwtDct``, 48 bits) under
the same attacks, reported as bits matched and as the share over Stability's 35-bit threshold.
Usage: ``python benchmarks/watermark.py [--photos N]``.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from synthscope.check.labels import _dwtdct
from synthscope.check.labels.watermark import (
    SDXL_BITS,
    detect_own,
    own_candidates,
    payload_bits,
    tile_shifts,
)

REPO = Path(__file__).resolve().parents[1]
Array = np.ndarray[Any, Any]


def _reencode(bgr: Array, fmt: str, **options: Any) -> Array:
    buffer = io.BytesIO()
    Image.fromarray(bgr[:, :, ::-1]).save(buffer, fmt, **options)
    return np.ascontiguousarray(np.asarray(Image.open(buffer).convert("RGB"))[:, :, ::-1])


def _crop(bgr: Array) -> Array:
    dy, dx = bgr.shape[0] // 20, bgr.shape[1] // 20  # 5% off each side: 10% of each dimension
    return np.ascontiguousarray(bgr[dy + 3 : -dy, dx + 1 : -dx])


ATTACKS: dict[str, Callable[[Array], Array]] = {
    "none": lambda b: b,
    "PNG round trip": lambda b: _reencode(b, "PNG"),
    "JPEG 90": lambda b: _reencode(b, "JPEG", quality=90),
    "JPEG 75": lambda b: _reencode(b, "JPEG", quality=75),
    "JPEG 50": lambda b: _reencode(b, "JPEG", quality=50),
    "resize 0.5": lambda b: cv2.resize(b, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA),
    "crop 10%": _crop,
}


def _own_accuracy(bgr: Array, bits: Array) -> float:
    """Bit accuracy at the best of the alignments the detector tries."""
    return max(
        float(np.mean((_dwtdct.svd_decode(votes, shift) > 0) == bits))
        for votes in own_candidates(bgr, search=True)
        for shift in tile_shifts(search=True)
    )


def _psnr(a: Array, b: Array) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255**2 / mse) if mse else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=40)
    args = parser.parse_args()
    data = Path(os.environ.get("SYNTHSCOPE_REFERENCE_DATA", REPO.parent / "shared" / "data"))
    paths = sorted((data / "media" / "images" / "cnndetection").rglob("*.jpg"))[: args.photos]
    if not paths:
        sys.exit(f"no photos under {data / 'media' / 'images'}")
    rows: dict[str, list[tuple[float, bool, float, int]]] = {name: [] for name in ATTACKS}
    psnr_own, psnr_sdxl = [], []
    for i, path in enumerate(paths):
        bgr = np.ascontiguousarray(np.asarray(Image.open(path).convert("RGB"))[:, :, ::-1])
        payload = 0x5EED0000 + i
        bits = payload_bits(payload)
        ours, sdxl = _dwtdct.svd_encode(bgr, bits), _dwtdct.max_dct_encode(bgr, SDXL_BITS)
        psnr_own.append(_psnr(bgr, ours))
        psnr_sdxl.append(_psnr(bgr, sdxl))
        for name, attack in ATTACKS.items():
            attacked = attack(ours)
            found = detect_own(attacked, search=True)
            matched = int(
                np.sum(_dwtdct.max_dct_decode(attack(sdxl), 48) == SDXL_BITS.astype(bool))
            )
            ok = found["payload"] == payload
            rows[name].append(
                (_own_accuracy(attacked, bits), ok, found["found"] and not ok, matched)
            )
    _print(rows, len(paths), float(np.mean(psnr_own)), float(np.mean(psnr_sdxl)))


def _print(
    rows: dict[str, list[tuple[float, bool, float, int]]], n: int, own: float, sdxl: float
) -> None:
    print(
        f"{n} real photos; PSNR of the mark: synthscope {own:.1f} dB, SDXL dwtDct {sdxl:.1f} dB\n"
    )
    print(
        "| attack | synthscope bit accuracy | payload exact | wrong payload | "
        "SDXL bits matched /48 (anchor) | SDXL > 35 bits |"
    )
    print("|---|---|---|---|---|---|")
    for name, results in rows.items():
        acc = np.mean([r[0] for r in results])
        exact = np.mean([r[1] for r in results])
        wrong = int(sum(bool(r[2]) for r in results))
        matched = [r[3] for r in results]
        over = np.mean([m > 35 for m in matched])
        print(
            f"| {name} | {acc:.3f} | {exact:.0%} | {wrong} | {np.mean(matched):.1f} | {over:.0%} |"
        )


if __name__ == "__main__":
    main()

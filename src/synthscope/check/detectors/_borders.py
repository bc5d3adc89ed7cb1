"""Cutting flat (constant-colour) bars and borders off an image before it is scored or trained on.

Padding carries no trace of how the picture was made, but it can carry the dataset's habits: the
CNNDetection pack pads every 256 px picture with ~50 px bars whose colour depends on the class
(dark for reals, one colour per generator), and a network learns that colour as a shortcut.
Letterboxed photos and screenshots have such bars too. A side's bar is the run of rows (columns)
from the edge whose pixels nearly all sit within a few levels of that edge's median colour; the cut
adds a few pixels for JPEG ringing along the bar's edge and never leaves less than half a side.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._features import median

TOLERANCE, SHARE, RINGING, MIN_BAR = 6.0, 0.97, 4, 4


def flat_run(lines: NDArray[np.uint8] | NDArray[np.float32]) -> int:
    """How many of ``lines`` (rows of a grey image, edge first) belong to a flat bar.

    Rows are tested in growing chunks from the edge and the test stops at the first chunk with
    a row that is not flat: most pictures have no bar, and their first row already ends it.
    Only the rows tested are turned into floats."""
    if len(lines) == 0:  # a side of under 4 px has no quarter to search
        return 0
    edge = median(lines[0].astype(np.float32))
    start, step = 0, 8
    while start < len(lines):
        chunk = lines[start : start + step].astype(np.float32)
        flat = np.mean(np.abs(chunk - edge) <= TOLERANCE, axis=1) >= SHARE
        if not flat.all():
            return start + int(np.argmin(flat))
        start, step = start + len(chunk), step * 2
    return len(lines)


def border_box(img: Any) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of ``img`` (a PIL image) without its flat bars."""
    gray = np.asarray(img.convert("L"))  # 8-bit: a float copy of a large picture is 4x its size
    h, w = gray.shape
    cut_y, cut_x = h // 4, w // 4  # at most a quarter per side, so half of each side remains
    runs = [
        flat_run(gray[:cut_y]),
        flat_run(gray[::-1][:cut_y]),
        flat_run(gray.T[:cut_x]),
        flat_run(gray.T[::-1][:cut_x]),
    ]
    top, bottom, left, right = (
        min(r + RINGING, limit) if r >= MIN_BAR else 0
        for r, limit in zip(runs, (cut_y, cut_y, cut_x, cut_x), strict=True)
    )
    return left, top, w - right, h - bottom


def cut_flat_borders(img: Any) -> Any:
    """``img`` without flat bars along its edges (the same image when there are none).

    The last image's bars are remembered by identity while that image lives (a weak reference:
    nothing is kept alive): ``check``'s image detectors each cut the same decoded picture, and
    Pillow images are not changed in place here."""
    box = next((box for ref, box in _LAST if ref() is img), None)
    if box is None:
        box = border_box(img)
        _LAST[:] = [(weakref.ref(img), box)]
    return img if box == (0, 0, *img.size) else img.crop(box)


_LAST: list[tuple[weakref.ref[Any], tuple[int, int, int, int]]] = []

"""Self-blended faces (after Shiohara & Yamasaki, CVPR 2022): training fakes made from real faces.

A face swap or reenactment pastes a generated face into a real frame through a soft, face-shaped
mask; what every method leaves is the seam: a colour, sharpness or alignment mismatch along a
blurred oval. A real face blended with a slightly altered copy of itself (colour and sharpness
jitter, a shift of a few pixels) through such a mask has exactly that seam and nothing else, so a
network trained to tell it from the untouched face learns seams rather than one generator's look.
Only real faces are needed. Crops, masks and degradations here are numpy/OpenCV; the network that
learns from them lives in ``_blend_train`` (torch, training only).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._faces import CROP_SIDE, MARGIN, is_face_crop, largest_face

Box = tuple[float, float, float, float]
Array = NDArray[np.float32]
INPUT = 128  # the network's input side
SMALL_CROP = 320  # a picture this small with no detectable face is taken to be a face crop


def face_crop_box(img: Any, box: tuple[int, int, int, int]) -> tuple[Any, Box]:
    """The CROP_SIDE square around ``box`` (as in ``_faces.face_crop``) and the box inside it."""
    x, y, w, h = box
    side = round(max(w, h) * (1 + 2 * MARGIN))
    cx, cy = x + w / 2, y + h / 2
    left = int(min(max(0, cx - side / 2), max(0, img.width - side)))
    top = int(min(max(0, cy - side / 2), max(0, img.height - side)))
    cw, ch = min(side, img.width), min(side, img.height)
    crop = img.crop((left, top, left + cw, top + ch)).resize((CROP_SIDE, CROP_SIDE))
    sx, sy = CROP_SIDE / cw, CROP_SIDE / ch
    return crop, ((x - left) * sx, (y - top) * sy, w * sx, h * sy)


def training_face(img: Any, confirm: bool = False) -> tuple[Any, Box] | None:
    """A face crop and its face box from a picture; a small picture with no detectable face
    counts as a crop already (face in the middle) -- with ``confirm``, only when
    ``_faces.is_face_crop`` finds it to be one; a large one with no face gives None."""
    box = largest_face(img)
    if box is not None:
        return face_crop_box(img, box)
    if max(img.size) > SMALL_CROP or (confirm and not is_face_crop(img)):
        return None
    inner = CROP_SIDE * 0.85  # the face crops in the packs are tight
    offset = (CROP_SIDE - inner) / 2
    return img.resize((CROP_SIDE, CROP_SIDE)), (offset, offset, inner, inner)


def face_mask(box: Box, rng: np.random.Generator, side: int = CROP_SIDE) -> Array:
    """A soft, irregular oval over the face: random size, tilt, wobble and edge blur, in [0, 1]."""
    import cv2

    x, y, w, h = box
    center = (x + w * rng.uniform(0.45, 0.55), y + h * rng.uniform(0.52, 0.62))
    axes = (w * rng.uniform(0.32, 0.48), h * rng.uniform(0.4, 0.56))
    mask = np.zeros((side, side), np.float32)
    cv2.ellipse(
        mask,
        (round(center[0]), round(center[1])),
        (max(2, round(axes[0])), max(2, round(axes[1]))),
        float(rng.uniform(-12, 12)),
        0,
        360,
        1.0,
        -1,
    )
    mask = _wobble(mask, rng)
    sigma = float(rng.uniform(1.5, 10.0))
    soft: Any = cv2.GaussianBlur(mask, (0, 0), sigma)
    soft *= float(rng.choice([0.25, 0.5, 0.75, 1.0, 1.0, 1.0]))  # some blends stop short
    return np.asarray(np.clip(soft, 0, 1), np.float32)


def _wobble(mask: Array, rng: np.random.Generator) -> Array:
    """Low-frequency random displacement of the mask, so its edge is not a perfect ellipse."""
    import cv2

    side = mask.shape[0]
    coarse = rng.normal(0, side * 0.02, (2, 5, 5)).astype(np.float32)
    dx = cv2.resize(coarse[0], (side, side), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(coarse[1], (side, side), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    return np.asarray(cv2.remap(mask, xx + dx, yy + dy, cv2.INTER_LINEAR), np.float32)


def _altered(a: Array, rng: np.random.Generator) -> Array:
    """The face's altered copy: colour (RGB shift, hue, saturation, brightness, contrast),
    sharpness (down-and-up scaling or unsharp masking) and a shift or scale of a few pixels."""
    import cv2

    out: Any = a + rng.uniform(-20, 20, 3).astype(np.float32)
    if rng.random() < 0.5:
        hsv = cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV)
        hsv = hsv.astype(np.float32)
        hsv[..., 0] = (hsv[..., 0] + rng.uniform(-6, 6)) % 180
        hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(0.8, 1.2), 0, 255)
        out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
    mean = out.mean()
    out = (out - mean) * rng.uniform(0.9, 1.1) + mean + rng.uniform(-15, 15)
    side = a.shape[0]
    if rng.random() < 0.5:
        small = max(16, round(side * rng.uniform(0.25, 0.6)))
        down = cv2.resize(out, (small, small), interpolation=cv2.INTER_AREA)
        out = cv2.resize(down, (side, side), interpolation=cv2.INTER_LINEAR)
    else:
        soft = cv2.GaussianBlur(out, (0, 0), 1.0)
        out = out + (out - soft) * float(rng.uniform(0.5, 1.5))
    matrix = cv2.getRotationMatrix2D((side / 2, side / 2), 0.0, rng.uniform(0.95, 1.05))
    matrix[:, 2] += rng.uniform(-0.03, 0.03, 2) * side
    out = cv2.warpAffine(out, matrix, (side, side), borderMode=cv2.BORDER_REFLECT)
    return np.asarray(np.clip(out, 0, 255), np.float32)


def self_blend(a: Array, box: Box, rng: np.random.Generator) -> Array:
    """A training fake: the face blended with its altered copy through a random face mask."""
    mask = face_mask(box, rng, a.shape[0])[..., None]
    src, dst = (_altered(a, rng), a) if rng.random() < 0.5 else (a, _altered(a, rng))
    return (src * mask + dst * (1 - mask)).astype(np.float32)


def degrade(a: Array, rng: np.random.Generator) -> Array:
    """What a video does to every face, real or not: low resolution, blur, JPEG-like coding."""
    import cv2

    side = a.shape[0]
    out: Any = a
    if rng.random() < 0.3:  # tighter framing than the usual crop
        keep = round(side * rng.uniform(0.7, 1.0))
        y0, x0 = rng.integers(0, side - keep + 1, 2)
        out = cv2.resize(out[y0 : y0 + keep, x0 : x0 + keep], (side, side))
    if rng.random() < 0.3:
        small = max(48, round(side * rng.uniform(0.5, 0.9)))
        out = cv2.resize(
            cv2.resize(out, (small, small), interpolation=cv2.INTER_AREA), (side, side)
        )
    if rng.random() < 0.7:
        bgr = cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR)
        quality = [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(20, 96))]  # to low-bitrate
        _, buf = cv2.imencode(".jpg", bgr, quality)
        decoded: Any = cv2.imdecode(buf, cv2.IMREAD_COLOR)
        out = cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB).astype(np.float32)
    if rng.random() < 0.5:
        out = out[:, ::-1]
    return np.ascontiguousarray(out, dtype=np.float32)


def to_input(a: Array) -> Array:
    """A CROP_SIDE RGB float array -> the network's (3, INPUT, INPUT) input, centred on 0."""
    import cv2

    small = cv2.resize(a, (INPUT, INPUT), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(small.transpose(2, 0, 1) / 255.0 - 0.5, dtype=np.float32)

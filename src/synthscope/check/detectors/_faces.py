"""Faces: OpenCV's Haar cascades (weights ship inside the opencv-python-headless wheel, so nothing
downloads at run time), the largest face per image, a square crop with context around it, and the
two eyes of a face (landmarks whose movement inside the face box video evidence reports)."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

DETECT_SIDE, CROP_SIDE, MARGIN, MIN_BOX = 480, 224, 0.3, 40

# One cascade per thread: an OpenCV CascadeClassifier keeps scratch state while it searches, and
# the web service's job threads sharing one failed about a third of concurrent checks
# ("0 <= scaleIdx && scaleIdx < (int)scaleData->size()").
_PER_THREAD = threading.local()


def _cascade() -> Any:
    return _thread_cascade("face", "haarcascade_frontalface_default.xml")


def _eye_cascade() -> Any:
    return _thread_cascade("eye", "haarcascade_eye.xml")


def _thread_cascade(key: str, name: str) -> Any:
    found = getattr(_PER_THREAD, key, None)
    if found is None:
        found = _load_cascade(name)
        setattr(_PER_THREAD, key, found)
    return found


def _load_cascade(name: str) -> Any:
    import cv2

    return cv2.CascadeClassifier(cv2.data.haarcascades + name)  # type: ignore[attr-defined]


def largest_face(img: Any, min_face: int | None = None) -> tuple[int, int, int, int] | None:
    """(left, top, width, height) of the largest frontal face in an RGB PIL image, or None.

    ``min_face`` (px) skips smaller faces by searching a shrunk copy, which costs less time."""
    import cv2

    scale = min(1.0, DETECT_SIDE / max(img.size), MIN_BOX / (min_face or MIN_BOX))
    small = img.resize((round(img.width * scale), round(img.height * scale))) if scale < 1 else img
    gray = cv2.cvtColor(np.asarray(small), cv2.COLOR_RGB2GRAY)
    found = _cascade().detectMultiScale(
        gray, scaleFactor=1.2, minNeighbors=5, minSize=(MIN_BOX, MIN_BOX)
    )
    if len(found) == 0:
        return None
    x, y, w, h = max(found, key=lambda b: int(b[2]) * int(b[3]))
    return round(x / scale), round(y / scale), round(w / scale), round(h / scale)


CROP_CHECK_SIDE, CROP_PAD, CROP_MIN_FACE, CROP_QUICK_FACE = 240, 0.5, 0.3, 0.45


def is_face_crop(img: Any) -> bool:
    """Whether a small picture is a tight crop of one frontal face.

    The cascade needs context around a face, so a tight crop (forehead to chin, like the DFDC
    crops) is rarely found as it is; padded by half its side with its own edge pixels it is
    (70 of 83 real and 70 of 83 fake DFDC crops), while pictures without a face stay without one
    (0 of the 200 CNNDetection pictures that hold no face).

    A tight crop's face spans half the padded picture or more (0.50-0.62 of its side on the DFDC
    crops). So a quick test runs first: does the cascade fire on any window of at least
    CROP_QUICK_FACE of the side (raw windows, no grouping)? Most pictures without a face fire on
    none and skip the full search, which costs about three times as much (its smaller windows
    are many more). The full search then starts at CROP_MIN_FACE: the cascade's minNeighbors
    needs the smaller detections around a face too (from 40% one DFDC crop is lost). A face
    spanning 60-90% of the picture's side can fire only below CROP_QUICK_FACE; such a face has
    context around it and ``largest_face`` finds it, which the face detectors ask first (all 27
    such stargan pictures in the packs)."""
    gray = padded_grey(img)
    return fires(gray, CROP_QUICK_FACE, neighbours=0) and fires(gray, CROP_MIN_FACE, neighbours=5)


def padded_grey(img: Any) -> Any:
    """The grey picture is_face_crop searches: padded by CROP_PAD of its side with its own edge
    pixels, at most CROP_CHECK_SIDE px."""
    import cv2

    gray = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2GRAY)
    pad = int(max(gray.shape) * CROP_PAD)
    # Grey first, then pad: the same pixels as padding the colour picture (a replicated edge
    # pixel converts to the same grey), on a third of the bytes.
    gray = cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    scale = min(1.0, CROP_CHECK_SIDE / max(gray.shape))
    if scale < 1:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return gray


def fires(gray: Any, share: float, neighbours: int) -> bool:
    """Whether the face cascade finds a face of at least ``share`` of the picture's shorter side
    with at least ``neighbours`` overlapping detections (0: any single window)."""
    side = int(min(gray.shape) * share)
    found = _cascade().detectMultiScale(
        gray, scaleFactor=1.1, minNeighbors=neighbours, minSize=(side, side)
    )
    return len(found) > 0


def face_crop(img: Any, box: tuple[int, int, int, int]) -> Any:
    """A CROP_SIDE square around ``box`` with MARGIN context on each side (clamped to the image)."""
    x, y, w, h = box
    side = round(max(w, h) * (1 + 2 * MARGIN))
    cx, cy = x + w / 2, y + h / 2
    left = int(min(max(0, cx - side / 2), max(0, img.width - side)))
    top = int(min(max(0, cy - side / 2), max(0, img.height - side)))
    crop = img.crop((left, top, left + min(side, img.width), top + min(side, img.height)))
    return crop.resize((CROP_SIDE, CROP_SIDE))


EYE_SIDE, EYE_BAND = 96, 0.6  # px the face is searched at; the top share of the box searched


def eyes_in(face: Any) -> list[tuple[float, float]] | None:
    """Centres of the two eyes of a face (an RGB PIL image cut to the face box), as fractions of
    its width and height, the one on the image's left first; None unless one is found in each
    half of the upper part of the face (about 60% of DFDC's tight face crops)."""
    import cv2

    w, h = face.size
    small = face.resize((EYE_SIDE, max(1, round(h * EYE_SIDE / w))))
    gray = cv2.cvtColor(np.asarray(small), cv2.COLOR_RGB2GRAY)
    band = gray[: max(1, int(gray.shape[0] * EYE_BAND))]
    found = _eye_cascade().detectMultiScale(
        band, scaleFactor=1.1, minNeighbors=3, minSize=(10, 10), maxSize=(40, 40)
    )
    halves: list[list[Any]] = [[], []]
    for b in found:
        halves[int(b[0] + b[2] / 2 >= EYE_SIDE / 2)].append(b)
    if not all(halves):
        return None
    eyes = [max(half, key=lambda b: int(b[2]) * int(b[3])) for half in halves]
    return [
        (round((x + bw / 2) / EYE_SIDE, 4), round((y + bh / 2) / gray.shape[0], 4))
        for x, y, bw, bh in eyes
    ]

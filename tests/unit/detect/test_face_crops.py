"""A small picture without a found face is scored by the face detectors only when it is a tight
face crop (``_faces.is_face_crop``); a scene or noise gets no score and says why."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from synthscope.check.detectors import Loaded, detect
from synthscope.check.detectors._blend import training_face
from synthscope.check.detectors._faces import is_face_crop
from synthscope.check.detectors._fixtures import noise_png


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def scene() -> Image.Image:
    """A 256 px 'street': sky gradient, grey road, a few boxes -- no face."""
    y = np.mgrid[0:256, 0:256][0]
    rgb = np.dstack([120 + y // 4, 160 + y // 6, 220 - y // 3]).astype(np.uint8)
    rgb[170:] = 90
    for left in (20, 110, 190):
        rgb[100:170, left : left + 40] = (150, 60 + left // 4, 40)
    return Image.fromarray(rgb)


@pytest.mark.parametrize(
    "picture", [scene(), Image.open(__import__("io").BytesIO(noise_png(160, seed=3)))]
)
def test_small_pictures_without_faces_get_no_face_score(picture: Image.Image) -> None:
    assert not is_face_crop(picture.convert("RGB"))
    findings = {
        f["name"]: f for f in detect(Loaded(_png(picture), "p.png"), ["face-swap", "face-blend"])
    }
    for name in ("face-swap", "face-blend"):
        assert findings[name]["score"] is None
        assert "no face" in findings[name]["reason"]


def test_training_still_takes_small_pictures_as_crops() -> None:
    # training reads pictures the user says hold faces; only scoring asks for confirmation
    assert training_face(scene()) is not None
    assert training_face(scene(), confirm=True) is None


def test_a_detector_without_a_score_says_why_in_both_languages() -> None:
    tiny = Image.new("RGB", (20, 20), (1, 2, 3))
    findings = {f["name"]: f for f in detect(Loaded(_png(tiny), "t.png"), ["spectral"])}
    assert findings["spectral"]["score"] is None
    assert "64 px" in findings["spectral"]["reason"]
    assert "64 像素" in findings["spectral"]["reason_zh"]

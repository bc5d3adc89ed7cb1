"""The face-swap detector: the spectral/residual classifier applied to the face and its boundary.

Face swaps and reenactments change only the face, then blend it back; the rest of the frame is
untouched camera content that would dilute any whole-image score. So the image is cut to the
largest face with 30% context on each side (where blending seams live), resized to 224 px like
the training crops. A small image in which no face is found is scored as it is only when it is a
tight face crop (the DFDC training crops are such crops; ``_faces.is_face_crop``); any other image
with no face gets no score. Flat bars
are cut first, and faces under 64 px are not searched for (too small to judge).
"""

from __future__ import annotations

from typing import Any

from synthscope.check.detectors._borders import cut_flat_borders
from synthscope.check.detectors._faces import face_crop, is_face_crop, largest_face
from synthscope.check.detectors._load import Loaded
from synthscope.check.detectors.base import Detector
from synthscope.check.detectors.spectral import MIN_SIDE, NoScore, SpectralDetector

CROP_MAX_SIDE = 320
MIN_FACE = 64  # px; a smaller face holds too little to judge, and skipping it halves the search


class FaceSwapDetector(SpectralDetector):
    """Model in ``models/face-swap.json``, trained on face crops without simulated fakes."""

    version = "3"
    model_file = "face-swap.json"
    simulate = False
    select = False  # DFDC's groups are videos, not generators: nothing to choose between

    def prepare(self, img: Any) -> tuple[Any, dict[str, Any]]:
        if min(img.size) < MIN_SIDE:
            raise NoScore(
                f"the image is smaller than {MIN_SIDE} px on a side, too small for a face",
                f"图像边长小于 {MIN_SIDE} 像素，太小，无法容纳人脸",
            )
        img = cut_flat_borders(img)
        box = largest_face(img, min_face=MIN_FACE)
        if box is not None:
            return face_crop(img, box), {"face_box": list(box)}
        if max(img.size) <= CROP_MAX_SIDE and is_face_crop(img):
            return img, {"face_box": None, "note": "the image is a tight face crop"}
        raise NoScore("no face found in the image", "图中未找到人脸")

    @classmethod
    def examples(cls) -> list[tuple[Detector, Loaded]]:
        from synthscope.check.detectors._fixtures import face_images

        return [(cls(), Loaded(data, name)) for data, name in face_images()]

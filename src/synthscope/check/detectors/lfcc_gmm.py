"""The LFCC-GMM audio detector (the ASVspoof baseline): two mixtures, a likelihood ratio, Platt.

One GMM models real speech frames and one synthetic; a clip's raw score is the mean per-frame
log-likelihood ratio over the frames voice activity detection hears as speech (Silero, ``_vad``;
silence and noise between words do not vote). A Platt sigmoid fitted on out-of-fold scores
(utterance groups never straddle folds) makes it a probability. Evidence lists a score per 2 s of
speech, timed in the clip, so a person can hear where it changes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._gmm import Gmm, fit_gmm
from synthscope.check.detectors._lfcc import FRAME, HOP, RATE, frames, lfcc
from synthscope.check.detectors._linear import platt_calibration, write_atomic
from synthscope.check.detectors._load import Loaded
from synthscope.check.detectors._vad import speech_at
from synthscope.check.detectors.base import MODELS, Detector, DetectorFinding, Trainable
from synthscope.errors import InputError, UsageError

Array = NDArray[np.float64]
COMPONENTS, MAX_FRAMES, MIN_VOICED, SEGMENT = 32, 30000, 50, 200  # frames; 200 frames = 2 s
FOLDS, FPR_TARGET = 5, 0.05


class LfccGmmDetector(Detector, Trainable):
    """Model in ``models/lfcc-gmm.npz``."""

    version = "2"
    kinds = frozenset({"audio"})
    model_file = "lfcc-gmm.npz"

    def __init__(self, model_path: Path | None = None, components: int = COMPONENTS) -> None:
        self.model_path = model_path or MODELS / self.model_file
        self.components = components

    def _model(self) -> dict[str, Any]:
        if not hasattr(self, "model_"):
            try:
                with np.load(self.model_path, allow_pickle=False) as z:
                    self.model_ = {k: z[k] for k in z.files}
            except (OSError, ValueError) as exc:
                raise InputError(
                    f"Cannot read the model file {self.model_path}.",
                    zh=f"无法读取模型文件 {self.model_path}。",
                ) from exc
        return self.model_

    def features(self, media: Loaded) -> Array:
        """One row per voiced 20 ms frame (10 ms hop): LFCC, deltas, delta-deltas."""
        return self.voiced_features(media)[0]

    def voiced_features(self, media: Loaded) -> tuple[Array, NDArray[np.int_]]:
        """:meth:`features` and the index of each row's frame in the clip (frame ``i`` starts
        at ``i * HOP`` samples), so segment times are clip times even where silence was cut."""
        x = media.audio_16k()
        framed = frames(x)
        at = speech_frames(x, len(framed))
        return (lfcc(framed[at]) if len(at) else np.zeros((0, 60))), at

    @property
    def threshold(self) -> float:
        return float(self._model()["threshold"])

    def predict(self, media: Loaded) -> DetectorFinding:
        feats, at = self.voiced_features(media)
        if len(feats) < MIN_VOICED:
            return self.finding(
                None,
                "less than half a second of voiced audio (silent or too short)",
                zh="有声音频不足 0.5 秒（静音或过短）",
            )
        llr = self._llr(feats)
        m = self._model()
        # SEGMENT voiced frames each; times are those of the frames in the clip.
        segments = [
            {
                "start_s": round(int(at[i]) * HOP / RATE, 2),
                "end_s": round((int(at[i + len(seg) - 1]) * HOP + FRAME) / RATE, 2),
                "score": round(float(self._proba(seg.mean())), 4),
            }
            for i, seg in ((i, llr[i : i + SEGMENT]) for i in range(0, len(llr), SEGMENT))
        ]
        return self.finding(
            float(self._proba(llr.mean())),
            threshold=float(m["threshold"]),
            voiced_frames=len(llr),
            segments=segments,
        )

    def _llr(self, feats: Array) -> Array:
        m = self._model()
        z = (feats - m["mean"]) / m["scale"]
        real = Gmm(m["real_w"], m["real_mu"], m["real_var"])
        fake = Gmm(m["fake_w"], m["fake_mu"], m["fake_var"])
        return fake.frame_loglik(z) - real.frame_loglik(z)

    def _proba(self, llr: float) -> float:
        m = self._model()
        return float(1 / (1 + np.exp(-(float(m["platt_a"]) * llr + float(m["platt_b"])))))

    def fit(
        self, samples: Sequence[Loaded], labels: list[int], groups: list[str] | None = None
    ) -> LfccGmmDetector:
        feats = [self.features(s) for s in samples]
        keep = [i for i, f in enumerate(feats) if len(f) >= MIN_VOICED]
        feats, y = [feats[i] for i in keep], np.array([labels[i] for i in keep])
        g = [(groups or [str(i) for i in range(len(samples))])[i] for i in keep]
        if len(set(y.tolist())) < 2:
            raise UsageError(
                "Training needs both real and synthetic audio.", zh="训练需要真实和合成两类音频。"
            )
        oof = self._out_of_fold(feats, y, g)
        self.model_ = self._fit_gmms(feats, y)
        calibration = platt_calibration(oof, y, FPR_TARGET)
        self.model_.update({name: np.array(v) for name, v in calibration.items()})
        return self

    def _out_of_fold(self, feats: list[Array], y: NDArray[np.int_], groups: list[str]) -> Array:
        names = sorted(set(groups))
        fold = {name: k % FOLDS for k, name in enumerate(names)}
        oof = np.zeros(len(y))
        for k in range(FOLDS):
            held = [i for i, grp in enumerate(groups) if fold[grp] == k]
            train = [i for i in range(len(y)) if fold[groups[i]] != k]
            if not held or len(set(y[train].tolist())) < 2:
                continue
            self.model_ = self._fit_gmms([feats[i] for i in train], y[train])
            for i in held:
                oof[i] = self._llr(feats[i]).mean()
        return oof

    def _fit_gmms(self, feats: list[Array], y: NDArray[np.int_]) -> dict[str, Any]:
        stacked = np.vstack(feats)
        mean, scale = stacked.mean(axis=0), stacked.std(axis=0) + 1e-6
        model: dict[str, Any] = {"mean": mean, "scale": scale}
        for name, label in (("real", 0), ("fake", 1)):
            x = np.vstack([f for f, lab in zip(feats, y, strict=True) if lab == label])
            x = (x[np.random.default_rng(label).permutation(len(x))[:MAX_FRAMES]] - mean) / scale
            gmm = fit_gmm(x, self.components, seed=label)
            model.update(
                {f"{name}_w": gmm.weights, f"{name}_mu": gmm.means, f"{name}_var": gmm.variances}
            )
        return model

    def save(self, path: Path) -> None:
        buf = io.BytesIO()
        np.savez(buf, **self._model())
        write_atomic(path, buf.getvalue())

    @classmethod
    def examples(cls) -> list[tuple[Detector, Loaded]]:
        from synthscope.check.detectors._fixtures import tone_wav

        return [
            (cls(), Loaded(tone_wav(3.0), "speech.wav")),
            (cls(), Loaded(tone_wav(1.0, silent=True), "silence.wav")),
        ]


def speech_frames(x: Array, count: int) -> NDArray[np.int_]:
    """Indices of the first ``count`` 20 ms frames of ``x`` (10 ms hop) whose centre the voice
    activity detector (Silero, ``_vad``) heard as speech."""
    return np.flatnonzero(speech_at(x, np.arange(count) * HOP + FRAME // 2))

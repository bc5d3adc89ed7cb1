"""The vocoder-trace audio detector: fine spectral texture of voiced speech, logistic + Platt.

Neural vocoders (MelGAN and kin) rebuild a waveform from a mel spectrogram, which fixes only the
smooth envelope; the fine structure between neighbouring frequency bins and frames comes out
smoother and flatter than in a recording. Per 1 kHz band (0-8 kHz at 16 kHz) the features are the
mean absolute log-power step between adjacent bins, the spectral flatness, and the step between
adjacent frames, over voiced frames only. Known weakness: one vocoder family on one speaker taught
it what to look for, and a round trip through 8 kHz erases the upper bands it relies on.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from synthscope.check.detectors._lfcc import RATE, resample
from synthscope.check.detectors._linear import LinearModel, fit_calibrated
from synthscope.check.detectors._load import Loaded
from synthscope.check.detectors._simulate import add_noise, mp3_roundtrip
from synthscope.check.detectors._vad import NO_SPEECH, speech_seconds
from synthscope.check.detectors.base import MODELS, Detector, DetectorFinding, Trainable
from synthscope.errors import UsageError

Array = NDArray[np.float64]
NFFT, HOP, SILENCE_DB, MIN_FRAMES = 512, 256, 35.0, 30
SEGMENT_S = 2.0
# A speech detector says nothing about music or noise: a clip in which the Silero VAD hears less
# than this much speech gets no score (a C2PA sample of 33 s of music scored 1.00 before). Only
# this gate uses Silero; the texture itself is still read over the energy VAD's frames.
MIN_SPEECH_S = 0.5


def texture(x: Array) -> Array | None:
    """24 texture features of 16 kHz samples; None with fewer than MIN_FRAMES voiced frames."""
    if len(x) < NFFT:
        return None
    idx = np.arange(NFFT)[None, :] + HOP * np.arange((len(x) - NFFT) // HOP + 1)[:, None]
    power = np.abs(np.fft.rfft(x[idx] * np.hanning(NFFT))) ** 2
    db = 10 * np.log10(power.sum(axis=1) + 1e-12)
    loud = db > max(np.percentile(db, 99) - SILENCE_DB, -60.0)
    if loud.sum() < MIN_FRAMES:
        return None
    logp = np.log(power[loud] + 1e-12)
    freqs = np.fft.rfftfreq(NFFT, 1 / RATE)
    out = []
    for lo in range(0, RATE // 2, 1000):
        band = logp[:, (freqs >= lo) & (freqs < lo + 1000)]
        flat = np.exp(band.mean(axis=1)) / np.exp(band).mean(axis=1)
        out += [
            np.abs(np.diff(band, axis=1)).mean(),
            flat.mean(),
            np.abs(np.diff(band, axis=0)).mean(),
        ]
    return np.array(out)


class VocoderTraceDetector(Detector, Trainable):
    """Model in ``models/vocoder-trace.json``."""

    version = "3"
    kinds = frozenset({"audio"})
    model_file = "vocoder-trace.json"

    def __init__(self, model_path: Path | None = None) -> None:
        self.model_path = model_path or MODELS / self.model_file

    def model(self) -> LinearModel:
        """The fitted model (loaded on first use)."""
        if not hasattr(self, "model_"):
            self.model_ = LinearModel.load(self.model_path)
        return self.model_

    @property
    def threshold(self) -> float:
        """The calibrated score at or above which the model calls a clip synthetic."""
        return self.model().threshold

    def predict(self, media: Loaded) -> DetectorFinding:
        rate = media.audio()[1]
        if rate < RATE:
            return self.finding(
                None,
                f"sampled at {rate} Hz: the recording has no sound above {rate // 2} Hz, and this "
                f"detector reads the bands up to {RATE // 2} Hz (telephone audio at 8 kHz scored "
                "real speech as synthetic)",
                zh=f"采样率为 {rate} Hz：录音不含 {rate // 2} Hz 以上的声音，而本检测器读取 "
                f"{RATE // 2} Hz 以内的各频段（8 kHz 电话音频曾把真实语音判为合成）",
            )
        x = _samples(media)
        feats = texture(x)
        if feats is None:
            return self.finding(
                None,
                "less than a second of voiced audio (silent or too short)",
                zh="有声音频不足 1 秒（静音或过短）",
            )
        if speech_seconds(x) < MIN_SPEECH_S:
            return self.finding(None, *NO_SPEECH)
        model = self.model()
        return self.finding(
            float(model.proba(feats)[0]),
            threshold=model.threshold,
            segments=self._segments(x, model),
        )

    def _segments(self, x: Array, model: LinearModel) -> list[dict[str, float | None]]:
        step = int(SEGMENT_S * RATE)
        out: list[dict[str, float | None]] = []
        for start in range(0, len(x), step):
            feats = texture(x[start : start + step])
            score = None if feats is None else round(float(model.proba(feats)[0]), 4)
            out.append(
                {"start_s": start / RATE, "end_s": min(len(x), start + step) / RATE, "score": score}
            )
        return out

    def fit(
        self, samples: Sequence[Loaded], labels: list[int], groups: list[str] | None = None
    ) -> VocoderTraceDetector:
        rng = np.random.default_rng(0)
        named = zip(samples, labels, groups or [str(i) for i in range(len(samples))], strict=True)
        rows = [(texture(x), y, g) for s, y, g in named for x in _augmented(s, rng)]
        kept = [(f, y, g) for f, y, g in rows if f is not None]
        y = np.array([r[1] for r in kept])
        if len(set(y.tolist())) < 2:
            raise UsageError(
                "Training needs both real and synthetic audio.", zh="训练需要真实和合成两类音频。"
            )
        x = np.array([r[0] for r in kept])
        self.model_ = fit_calibrated(x, y, _five_folds([r[2] for r in kept]))
        return self

    def save(self, path: Path) -> None:
        self.model().save(path)

    @classmethod
    def examples(cls) -> list[tuple[Detector, Loaded]]:
        from synthscope.check.detectors._fixtures import tone_wav

        return [
            (cls(), Loaded(tone_wav(3.0), "speech.wav")),
            (cls(), Loaded(tone_wav(1.0, silent=True), "silence.wav")),
        ]


def _augmented(media: Loaded, rng: np.random.Generator) -> list[Array]:
    """The clip, an MP3 round trip (48 or 96 kbps) and a noisy copy (25-35 dB SNR), at 16 kHz.

    The rates differ from the robustness sweep's (64 kbps, 20 dB) so the sweep still tests."""
    x, rate = media.audio()
    mp3 = mp3_roundtrip(x, rate, int(rng.choice([48, 96])))
    noisy = add_noise(x.astype(np.float64), float(rng.uniform(25, 35)), rng)
    return [resample(v.astype(np.float32), rate) for v in (x, mp3, noisy)]


def _samples(media: Loaded) -> Array:
    return media.audio_16k()


def _five_folds(groups: list[str]) -> list[str]:
    """Group labels folded into five buckets so calibration folds keep utterances together."""
    names = sorted(set(groups))
    bucket = {name: str(k % 5) for k, name in enumerate(names)}
    return [bucket[g] for g in groups]

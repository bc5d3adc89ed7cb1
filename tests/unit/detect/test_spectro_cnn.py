"""The spectro-cnn audio detector: front end, vocoded training fakes, shipped model, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from synthscope.check.detectors import Loaded, detect
from synthscope.check.detectors._fixtures import speech_samples, speech_wav, tone_wav
from synthscope.check.detectors._spectro import (
    BANDS,
    CHUNK,
    chunk_starts,
    chunk_width,
    log_spectrogram,
    normalise,
)
from synthscope.check.detectors._vocode import griffin_lim, istft, mel_smoothed, stft
from synthscope.check.detectors.spectro_cnn import SpectroCnnDetector, _calibration_part


def test_stft_round_trip_is_exact() -> None:
    x = np.random.default_rng(1).normal(0, 0.1, 16000)
    assert np.abs(istft(stft(x), len(x)) - x).max() < 1e-9


def test_vocoders_keep_the_envelope_but_change_the_fine_structure() -> None:
    x = speech_samples(2.0)
    for fake in (griffin_lim(x, np.random.default_rng(0), iterations=8), mel_smoothed(x)):
        assert fake.shape == x.shape and np.abs(fake).max() <= 1.0
        env_x = np.abs(stft(x)).mean(axis=0)
        env_f = np.abs(stft(fake)).mean(axis=0)
        assert np.corrcoef(np.log(env_x + 1e-6), np.log(env_f + 1e-6))[0, 1] > 0.8
        assert np.abs(fake - x).mean() > 0.01 * np.abs(x).mean()


def test_chunks_cover_the_clip_including_its_tail() -> None:
    assert chunk_starts(99) == []
    assert chunk_starts(150) == [0] and chunk_width(150) == 150
    assert chunk_starts(CHUNK) == [0] and chunk_width(5000) == CHUNK
    starts = chunk_starts(CHUNK + 150)
    assert starts[0] == 0 and starts[-1] == 150 and starts == sorted(set(starts))


def test_chunks_are_normalised_per_band() -> None:
    spec = log_spectrogram(speech_samples(2.5))
    assert spec.shape[1] == BANDS
    chunk = normalise(spec[:CHUNK] + 3.0)  # a louder recording is the same chunk
    assert np.allclose(chunk, normalise(spec[:CHUNK]), atol=1e-4)
    assert np.allclose(chunk.mean(axis=0), 0, atol=1e-4)


def test_shipped_model_scores_speech_with_segments() -> None:
    finding = SpectroCnnDetector().predict(Loaded(speech_wav(5.0), "babble.wav"))
    assert finding.score is not None and 0 <= finding.score <= 1
    segments = finding.evidence["segments"]
    assert segments[0]["start_s"] == 0 and segments[-1]["end_s"] == pytest.approx(5.0, abs=0.05)
    assert any(s["score"] is not None for s in segments)
    assert 0 < finding.evidence["threshold"] < 1


def test_silence_and_short_audio_get_no_score_with_a_reason() -> None:
    detector = SpectroCnnDetector()
    silent = detector.predict(Loaded(tone_wav(3.0, silent=True), "s.wav"))
    assert silent.score is None and "no speech" in (silent.reason or "")
    short = detector.predict(Loaded(speech_wav(0.6), "short.wav"))
    assert short.score is None and "1 s minimum" in (short.reason or "")
    brief = detector.predict(Loaded(speech_wav(1.5), "brief.wav"))  # one chunk of 1.5 s
    assert brief.score is not None and len(brief.evidence["segments"]) == 1
    found = {f["name"]: f for f in detect(Loaded(tone_wav(0.2), "tiny.wav"))}
    assert found["spectro-cnn"]["score"] is None


def test_calibration_part_keeps_groups_whole_and_holds_both_classes() -> None:
    # 10 utterances with a real and a vocoded copy, then 40 real-only utterances
    groups = [f"u{i // 2}" for i in range(20)] + [f"r{i}" for i in range(40)]
    labels = [i % 2 for i in range(20)] + [0] * 40
    held = _calibration_part(groups, labels)
    assert 0 < len(held) < len(groups)
    assert {labels[i] for i in held} == {0, 1}
    for i in held:
        assert {j for j, g in enumerate(groups) if g == groups[i]} <= held


def test_fit_learns_vocoded_speech(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    import soundfile

    samples, labels, groups = [], [], []
    for seed in range(10):
        x = speech_samples(3.0, seed=seed)
        for label, y in ((0, x), (1, mel_smoothed(x))):
            path = tmp_path / f"{seed}-{label}.wav"
            soundfile.write(path, y.astype(np.float32), 16000)
            samples.append(Loaded.open(path))
            labels.append(label)
            groups.append(f"u{seed}")
    detector = SpectroCnnDetector().fit(samples, labels, groups)
    out = tmp_path / "model.onnx"
    detector.save(out)
    reloaded = SpectroCnnDetector(model_path=out)
    fresh = speech_samples(3.0, seed=99)
    scores = []
    for y in (fresh, mel_smoothed(fresh)):
        path = tmp_path / f"fresh-{len(scores)}.wav"
        soundfile.write(path, y.astype(np.float32), 16000)
        scores.append(reloaded.predict(Loaded.open(path)).score)
    assert scores[1] > scores[0]

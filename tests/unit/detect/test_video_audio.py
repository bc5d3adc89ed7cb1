"""Video sampling and tracking, self-blended training faces, VAD, and the spec-cnn audio detector
on inputs made in code (no reference data)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile

from synthscope.check.detectors import Loaded, detect
from synthscope.check.detectors._blend import face_mask, self_blend, training_face
from synthscope.check.detectors._spec import WINDOW, spectrogram, vocoded, windows
from synthscope.check.detectors._vad import CHUNK, speech_probability, trim
from synthscope.check.detectors._video import Track, iou, link, sample_frames
from synthscope.check.detectors.spec_cnn import SpecCnnDetector
from synthscope.check.detectors.video_face import VideoFaceDetector


def two_scene_mp4(fps: int = 10, seconds: int = 4) -> bytes:
    """Dark noise for the first half, a bright pattern for the second: one hard cut."""
    import av

    rng = np.random.default_rng(1)
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for i in range(fps * seconds):
            level = 30 if i < fps * seconds // 2 else 210
            img = np.clip(rng.normal(level, 5, (64, 64, 3)), 0, 255).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def test_sampling_is_uniform_plus_the_frame_after_a_cut() -> None:
    samples = list(sample_frames(two_scene_mp4(), "cut.mp4", every_s=1.5, limit=100))
    times = [round(s.t, 1) for s in samples]
    cuts = [round(s.t, 1) for s in samples if s.cut]
    assert cuts == [2.0]
    assert {0.0, 1.5, 2.0, 3.5} == set(times)


def test_sampling_respects_the_limit() -> None:
    assert len(list(sample_frames(two_scene_mp4(), "cut.mp4", every_s=0.1, limit=5))) == 5


def test_a_video_without_decodable_frames_gets_no_score() -> None:
    data = bytearray(two_scene_mp4())
    mdat = data.find(b"mdat")
    size = int.from_bytes(data[mdat - 4 : mdat], "big")
    end = mdat - 4 + size
    data[mdat + 4 : end] = bytes(end - mdat - 4)  # keep the container, wipe the pictures
    media = Loaded(bytes(data), "wiped.mp4")
    finding = VideoFaceDetector().predict(media)
    assert finding.score is None and finding.reason


def test_a_video_without_faces_says_so() -> None:
    finding = VideoFaceDetector().predict(Loaded(two_scene_mp4(), "noface.mp4"))
    assert finding.score is None and "no face" in (finding.reason or "")
    assert finding.evidence["frames"]


def test_iou_and_tracks_follow_overlapping_boxes() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    tracks: list[Track] = []
    open_ids: list[int] = []
    assert link(tracks, open_ids, 0, [(10, 10, 50, 50), (200, 10, 40, 40)]) == [0, 1]
    assert link(tracks, open_ids, 1, [(205, 12, 40, 40), (14, 12, 50, 50)]) == [1, 0]
    assert link(tracks, open_ids, 2, [(400, 300, 30, 30)]) == [2]
    open_ids.clear()  # a scene cut
    assert link(tracks, open_ids, 3, [(14, 12, 50, 50)]) == [3]
    assert tracks[0].samples == [0, 1]


def test_self_blend_changes_the_face_region_and_its_seam() -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 255, (200, 200, 3), dtype=np.uint8))
    crop, box = training_face(img)  # type: ignore[misc]
    a = np.asarray(crop, np.float32)
    mask = face_mask(box, rng)
    assert mask.shape == a.shape[:2] and mask.min() >= 0.0 and mask.max() <= 1.0
    assert mask[:5, :5].max() < 0.01 and mask[112, 112] > 0.2
    fake = self_blend(a, box, rng)
    assert fake.shape == a.shape and np.abs(fake - a).mean() > 0.5


def test_a_large_picture_without_a_face_gives_no_training_face() -> None:
    from PIL import Image

    assert training_face(Image.new("RGB", (800, 600), (90, 90, 90))) is None


def test_vad_finds_no_speech_in_silence_and_counts_chunks() -> None:
    probs = speech_probability(np.zeros(CHUNK * 10 + 100))
    assert probs.shape == (11,) and probs.max() < 0.5
    speech, index = trim(np.zeros(16000))
    assert len(speech) == 0 and len(index) == 0


def test_vad_batched_pieces_match_on_long_silence_with_a_burst() -> None:
    rng = np.random.default_rng(0)
    x = np.zeros(16000 * 6)
    x[16000 * 3 : 16000 * 4] = rng.normal(0, 0.3, 16000)  # noise, not speech
    probs = speech_probability(x)
    assert len(probs) == -(-len(x) // CHUNK)
    assert probs[:80].max() < 0.5  # the first 2.5 s are silent


def test_spectrogram_windows_have_the_network_shape() -> None:
    x = np.random.default_rng(0).normal(0, 0.1, 16000 * 3)
    spec = spectrogram(x)
    wins, starts = windows(spec)
    assert wins.shape[1:] == (1, 128, WINDOW) and len(wins) == len(starts) >= 2
    assert np.allclose(wins.mean(axis=(1, 2, 3)), 0, atol=1e-4)
    assert windows(spec[: WINDOW - 1])[0].shape[0] == 0


def test_simple_vocoder_keeps_length_and_level() -> None:
    t = np.arange(16000) / 16000
    x = 0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t))
    y = vocoded(x, np.random.default_rng(0))
    assert len(y) == len(x)
    assert abs(np.std(y) - np.std(x)) < 0.01 * np.std(x) + 1e-6
    assert not np.allclose(x, y)


def _wav(x: np.ndarray, rate: int = 16000) -> Loaded:
    buf = io.BytesIO()
    soundfile.write(buf, x.astype(np.float32), rate, format="WAV")
    return Loaded(buf.getvalue(), "a.wav")


@pytest.mark.parametrize(
    ("samples", "words"),
    [(np.zeros(32000), "silent"), (np.zeros(10), "silent")],
)
def test_spec_cnn_bad_audio_gets_no_score(samples: np.ndarray, words: str) -> None:
    finding = SpecCnnDetector().predict(_wav(samples))
    assert finding.score is None and words in (finding.reason or "")


def test_spec_cnn_findings_appear_beside_the_other_audio_detectors() -> None:
    x = np.zeros(32000)
    names = {f["name"] for f in detect(_wav(x))}
    assert {"spec-cnn", "vocoder-trace", "lfcc-gmm"} <= names


def test_spec_cnn_less_speech_than_a_window_gets_no_score(monkeypatch: pytest.MonkeyPatch) -> None:
    import synthscope.check.detectors.spec_cnn as spec_cnn

    monkeypatch.setattr(spec_cnn, "trim", lambda x: (x[:8000], np.arange(8000)))
    x = np.random.default_rng(0).normal(0, 0.1, 32000)
    finding = SpecCnnDetector().predict(_wav(x))
    assert finding.score is None and "window" in (finding.reason or "")


def test_face_blend_fits_on_real_faces_only_and_exports_a_calibrated_model(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from synthscope.check.detectors import _blend_train
    from synthscope.check.detectors._fixtures import noise_png
    from synthscope.check.detectors.face_blend import FaceBlendDetector

    monkeypatch.setattr(_blend_train, "STEPS", 3)
    train = _blend_train.train_network
    monkeypatch.setattr(_blend_train, "train_network", lambda faces: train(faces, 3))
    reals = [Loaded(noise_png(160, seed=i), f"r{i}.png") for i in range(12)]
    fakes = [Loaded(noise_png(160, seed=50), "f.png")]
    det = FaceBlendDetector(model_path=tmp_path / "fb.onnx")
    det.fit(reals + fakes, [0] * 12 + [1])
    assert 0.5 <= det.threshold <= 1.0
    det.save(det.model_path)
    score = FaceBlendDetector(model_path=det.model_path).predict(reals[0]).score
    assert score is not None and 0.0 <= score <= 1.0


def test_face_blend_refuses_too_few_faces() -> None:
    from synthscope.check.detectors._fixtures import noise_png
    from synthscope.check.detectors.face_blend import FaceBlendDetector
    from synthscope.errors import UsageError

    with pytest.raises(UsageError, match="at least 10"):
        FaceBlendDetector().fit([Loaded(noise_png(160), "r.png")], [0])


def test_spec_cnn_scores_segments_and_gives_a_drawable_timeline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import synthscope.check.detectors.spec_cnn as spec_cnn
    from synthscope.service.evidence import evidence_svgs

    x = np.random.default_rng(0).normal(0, 0.1, 16000 * 3)
    x[:8000] = 0  # silence first: segment times must count from the file's start
    monkeypatch.setattr(spec_cnn, "trim", lambda v: (v[8000:], np.arange(8000, len(v))))
    finding = SpecCnnDetector().predict(_wav(x))
    assert finding.score is not None and 0 <= finding.score <= 1
    segments = finding.evidence["segments"]
    assert len(segments) >= 2 and segments[0]["start_s"] == 0.5
    assert all(0 <= s["score"] <= 1 for s in segments)
    assert evidence_svgs(finding.evidence)

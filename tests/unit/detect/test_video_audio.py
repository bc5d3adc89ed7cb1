"""Video sampling and tracking, self-blended training faces, and the spectro-cnn audio detector
on inputs made in code (no reference data)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile

from synthscope.check.detectors import Loaded, detect
from synthscope.check.detectors._blend import face_mask, self_blend, training_face
from synthscope.check.detectors._fixtures import speech_samples
from synthscope.check.detectors._video import Track, iou, link, sample_frames
from synthscope.check.detectors.spectro_cnn import SpectroCnnDetector
from synthscope.check.detectors.video_face import VideoFaceDetector


def shots_mp4(levels: list[int], fps: int = 10) -> bytes:
    """64 px frames of noise around the grey ``levels`` (one per frame): a hard cut wherever the
    level jumps."""
    import av

    rng = np.random.default_rng(1)
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for level in levels:
            img = np.clip(rng.normal(level, 5, (64, 64, 3)), 0, 255).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def two_scene_mp4(fps: int = 10, seconds: int = 4) -> bytes:
    """Dark noise for the first half, a bright pattern for the second: one hard cut."""
    half = fps * seconds // 2
    return shots_mp4([30] * half + [210] * (fps * seconds - half), fps)


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


def _wav(x: np.ndarray, rate: int = 16000) -> Loaded:
    buf = io.BytesIO()
    soundfile.write(buf, x.astype(np.float32), rate, format="WAV")
    return Loaded(buf.getvalue(), "a.wav")


@pytest.mark.parametrize(
    ("samples", "words"),
    [(np.zeros(32000), "no speech"), (np.zeros(10), "1 s minimum")],
)
def test_spectro_cnn_bad_audio_gets_no_score(samples: np.ndarray, words: str) -> None:
    finding = SpectroCnnDetector().predict(_wav(samples))
    assert finding.score is None and words in (finding.reason or "")


def test_spectro_cnn_findings_appear_beside_the_other_audio_detectors() -> None:
    x = np.zeros(32000)
    names = {f["name"] for f in detect(_wav(x))}
    assert {"spectro-cnn", "vocoder-trace", "lfcc-gmm"} <= names


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
    shipped = FaceBlendDetector(model_path=det.model_path)
    crop = training_face(reals[0].image())
    assert crop is not None
    assert 0.0 <= shipped.score_region(crop[0]) <= 1.0
    assert shipped.predict(reals[0]).score is None  # noise is no face when scoring


def test_face_blend_refuses_too_few_faces() -> None:
    from synthscope.check.detectors._fixtures import noise_png
    from synthscope.check.detectors.face_blend import FaceBlendDetector
    from synthscope.errors import UsageError

    with pytest.raises(UsageError, match="at least 10"):
        FaceBlendDetector().fit([Loaded(noise_png(160), "r.png")], [0])


def test_spectro_cnn_scores_segments_and_gives_a_drawable_timeline() -> None:
    from synthscope.service.evidence import evidence_svgs

    x = np.concatenate([np.zeros(16000 * 2), speech_samples(4.0)])  # silence first
    finding = SpectroCnnDetector().predict(_wav(x))
    assert finding.score is not None and 0 <= finding.score <= 1
    segments = finding.evidence["segments"]
    assert segments[0]["start_s"] == 0 and segments[0]["score"] is None  # silence: not scored
    assert any(s["score"] is not None for s in segments[1:])
    assert all(t["score"] is not None for t in finding.evidence["timeline"])
    assert evidence_svgs(finding.evidence)


def test_no_eyes_in_noise_or_a_flat_picture() -> None:
    from PIL import Image

    from synthscope.check.detectors._faces import eyes_in

    noise = np.random.default_rng(0).integers(0, 255, (120, 100, 3), dtype=np.uint8)
    assert eyes_in(Image.fromarray(noise)) is None
    assert eyes_in(Image.new("RGB", (100, 120), (128, 100, 90))) is None


def test_landmark_jitter_is_the_median_move_between_samples_with_both_eyes() -> None:
    from synthscope.check.detectors.video_face import _landmark_jitter

    still = [[0.3, 0.3], [0.7, 0.3]]
    moved = [[0.32, 0.3], [0.72, 0.3]]  # both eyes 0.02 right: mean |change| 0.01
    assert _landmark_jitter([still, still, still]) == 0.0
    assert _landmark_jitter([still, moved, still, None, still]) == 0.01
    assert _landmark_jitter([still, None, moved]) is None  # no two consecutive pairs


def test_samples_of_a_long_video_reach_its_end(monkeypatch: pytest.MonkeyPatch) -> None:
    # 4 samples at most (3 uniform) over a 4 s clip: spaced 4/3 s, not the default 0.5 s that
    # would stop at 1.5 s
    from synthscope.check.detectors import video_face
    from synthscope.check.detectors._video import spacing, video_seconds

    data = two_scene_mp4()
    assert video_seconds(data) == pytest.approx(4.0, abs=0.15)
    assert spacing(0.5, 240, 60.0) == 0.5 and spacing(0.5, 240, None) == 0.5
    assert spacing(0.5, 240, 3600.0) == pytest.approx(20.0)
    seen: list[float] = []
    real = video_face.sample_frames

    def spy(*args: object) -> object:
        for sample in real(*args):  # type: ignore[arg-type]
            seen.append(sample.t)
            yield sample

    monkeypatch.setattr(video_face, "sample_frames", spy)
    VideoFaceDetector(max_frames=4).predict(Loaded(data, "cut.mp4"))  # no face: no score
    assert len(seen) <= 4 and max(seen) >= 2.5


def flicker_mp4(fps: int = 10, seconds: int = 6, shot: int = 5) -> bytes:
    """Dark and bright shots of ``shot`` frames in turn: a cut every half second."""
    return shots_mp4([30 if (i // shot) % 2 == 0 else 210 for i in range(fps * seconds)], fps)


def test_cuts_leave_room_for_the_uniform_samples_to_the_end() -> None:
    data = flicker_mp4()
    greedy = list(sample_frames(data, "f.mp4", every_s=1.0, limit=8))
    paced = list(sample_frames(data, "f.mp4", every_s=1.0, limit=8, seconds=6.0))
    assert len(greedy) == 8 and len(paced) <= 8
    assert max(s.t for s in greedy) < 4.5  # cuts used the limit up
    assert max(s.t for s in paced) >= 5.0
    # a cut that got no sample of its own still ends the tracks at the next sample
    assert all(s.cut for s in paced[1:])

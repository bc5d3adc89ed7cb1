"""Inputs at the edges of what the detectors can read: slivers of pictures, a sample or two of
audio, telephone-rate speech, 16-bit and single-colour pictures, pictures without metadata.
Each gets a finding that says why there is no score, never a traceback or a made-up number."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PIL import Image

from synthscope.check.detector_evidence import DetectorEvidence
from synthscope.check.detectors import Loaded, detect
from synthscope.check.detectors._fixtures import noise_png, speech_samples
from synthscope.check.detectors.metadata import EXIF_MAKE, EXIF_MODEL
from synthscope.check.scan import check_paths
from synthscope.media import Media


def _png(array: np.ndarray, mode: str | None = None) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array, mode).save(buf, "PNG")
    return buf.getvalue()


def _wav(samples: np.ndarray, rate: int) -> bytes:
    buf = io.BytesIO()
    soundfile.write(buf, samples, rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


@pytest.mark.parametrize("size", [(300, 1), (1, 300), (2, 40), (3, 3), (5, 300), (7, 7), (1, 1)])
def test_slivers_of_pictures_are_checked_without_scores(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    rng = np.random.default_rng(1)
    path = tmp_path / "sliver.png"
    path.write_bytes(_png(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)))
    (record,) = check_paths([path], evidence=[DetectorEvidence().findings])
    assert record["error"] is None
    assert record["verdict"]["score"] is None
    assert all(d["score"] is None and d["reason"] for d in record["detectors"])
    (own,) = [w for w in record["watermarks"] if w["scheme"] == "synthscope-svd96"]
    assert own == {
        "scheme": "synthscope-svd96",
        "found": False,
        "payload": None,
        "bits_matched": None,
        "bits": 96,
    }


@pytest.mark.parametrize(("count", "rate"), [(1, 16000), (2, 16000), (1, 44100), (2, 48000)])
def test_a_sample_or_two_of_audio_gets_reasons_not_a_crash(count: int, rate: int) -> None:
    samples = np.random.default_rng(0).standard_normal(count) * 0.1
    findings = detect(Loaded(_wav(samples, rate), "n.wav"))
    assert findings and all(f["score"] is None and f["reason"] for f in findings)


def test_vocoder_trace_does_not_score_telephone_rate_speech() -> None:
    speech = speech_samples(4.0, rate=8000)
    (finding,) = detect(Loaded(_wav(speech, 8000), "call.wav"), ["vocoder-trace"])
    assert finding["score"] is None
    assert "8000 Hz" in finding["reason"] and "8000 Hz" in finding["reason_zh"]
    (scored,) = detect(Loaded(_wav(speech_samples(4.0), 16000), "s.wav"), ["vocoder-trace"])
    assert scored["score"] is not None


def test_metadata_without_a_generator_trace_gives_no_score() -> None:
    plain = Image.fromarray(np.full((48, 64, 3), 90, np.uint8))
    camera = io.BytesIO()
    exif = Image.Exif()
    exif[EXIF_MAKE], exif[EXIF_MODEL] = "Canon", "Canon EOS 80D"
    plain.save(camera, "JPEG", exif=exif)
    (with_camera,) = detect(Loaded(camera.getvalue(), "c.jpg"), ["image-metadata"])
    (without,) = detect(Loaded(_png(np.asarray(plain)), "p.png"), ["image-metadata"])
    assert with_camera["score"] is None and "Canon EOS 80D" in with_camera["reason"]
    assert with_camera["evidence"]["weak"] is False and with_camera["evidence"]["camera"]
    assert without["score"] is None and without["evidence"]["weak"] is True
    assert "no camera data" in without["reason"] and without["reason_zh"]


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (128, 64, 200)])
def test_flat_pictures_get_no_spectral_score(colour: tuple[int, int, int]) -> None:
    flat = np.zeros((200, 200, 3), np.uint8) + np.array(colour, np.uint8)
    (finding,) = detect(Loaded(_png(flat), "flat.png"), ["spectral"])
    assert finding["score"] is None and "greyscale or flat" in finding["reason"]


def test_greyscale_pictures_get_no_spectral_score_colour_ones_do() -> None:
    grey = np.asarray(Image.open(io.BytesIO(noise_png(160, seed=3))).convert("L"))
    (finding,) = detect(Loaded(_png(grey), "grey.png"), ["spectral"])
    assert finding["score"] is None
    (coloured,) = detect(Loaded(noise_png(160, seed=3), "colour.png"), ["spectral"])
    assert coloured["score"] is not None


def test_sixteen_bit_pictures_are_scaled_not_clipped_to_white() -> None:
    ramp = (np.arange(100 * 120, dtype=np.uint32).reshape(100, 120) * 5).astype(np.uint16)
    loaded = Loaded(_png(ramp), "wide.png")
    pixels = np.asarray(loaded.image())
    assert loaded.image_mode.startswith("I")
    assert pixels.shape == (100, 120, 3)
    expected = np.clip(ramp / 65535 * 255 + 0.5, 0, 255).astype(np.uint8)
    assert np.array_equal(pixels[..., 0], expected)
    assert len(np.unique(pixels)) > 200  # before: everything above 255 became 255


def test_a_detector_named_for_a_kind_it_does_not_read_says_so() -> None:
    wav = _wav(speech_samples(2.0), 16000)
    named = detect(Loaded(wav, "s.wav"), ["spectral", "lfcc-gmm"], explain_other_kinds=True)
    findings = {f["name"]: f for f in named}
    assert findings["spectral"]["score"] is None
    assert findings["spectral"]["reason"] == "it reads only image files; this file is audio"
    assert "lfcc-gmm" in findings  # the detector that reads audio still runs
    # the default set stays quiet about detectors of other kinds
    assert "spectral" not in {f["name"] for f in detect(Loaded(wav, "s.wav"))}
    evidence = DetectorEvidence().findings(Media.open(wav, name="s.wav"))
    assert not any("reads only" in f.reason for f in evidence)
    named_evidence = DetectorEvidence(("spectral",)).findings(Media.open(wav, name="s.wav"))
    assert [f.data[0]["reason"] for f in named_evidence] == [
        "it reads only image files; this file is audio"
    ]


def test_detectors_give_the_same_findings_from_many_threads_at_once() -> None:
    """The web service checks uploads in job threads; OpenCV's face cascade shared between them
    failed about a third of concurrent checks."""
    from concurrent.futures import ThreadPoolExecutor

    from synthscope.check.detectors._fixtures import face_images

    files = [Loaded(data, name) for data, name in face_images()] * 6
    files += [Loaded(noise_png(200, seed=s), f"n{s}.png") for s in range(6)]
    alone = [detect(f, ["face-swap", "spectral"]) for f in files]
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(lambda f: detect(f, ["face-swap", "spectral"]), files))
    assert together == alone

"""Explicit labels: visible text >= 5% of the shortest side, 2 s of video with audio kept,
the 短长短短 audio cue written and detected, the text notice."""

from __future__ import annotations

import io

import numpy as np
import pytest

from synthscope.check.labels import _examples as ex
from synthscope.check.labels import _morse
from synthscope.check.labels._overlay import find_font
from synthscope.check.labels.explicit import ExplicitLabeler, is_valid_text
from synthscope.errors import UsageError
from synthscope.media import Media


@pytest.fixture(scope="module")
def font() -> None:
    try:
        find_font(None)
    except UsageError:
        pytest.skip("no CJK font installed (scripts/ensure-debian.sh installs fonts-wqy-microhei)")


@pytest.mark.parametrize(("width", "height"), [(400, 300), (120, 900), (1200, 200)])
def test_image_label_is_tall_enough_and_in_a_corner(font: None, width: int, height: int) -> None:
    media = Media.open(ex.image_bytes("PNG", width, height), name="a.png")
    out = Media.open(ExplicitLabeler().apply(media, ""), name="b.png")
    changed = np.any(media.pixels() != out.pixels(), axis=2)
    rows, cols = np.nonzero(changed)
    assert rows.max() - rows.min() + 1 >= 0.05 * min(width, height)
    assert rows.max() >= height * 0.9 and cols.max() >= width * 0.9  # bottom-right corner


def test_video_label_covers_two_seconds_and_keeps_audio(font: None) -> None:
    import av

    media = Media.open(ex.video_bytes("mp4", frames=36, fps=12, size=(160, 120)), name="v.mp4")
    out = Media.open(ExplicitLabeler().apply(media, "AI合成"), name="w.mp4")
    before, after = media.pixels().astype(int), out.pixels().astype(int)
    corner = (slice(None), slice(90, 120), slice(100, 160))
    diff = np.abs(before[corner] - after[corner]).mean(axis=(1, 2, 3))
    assert (diff[:24] > 10).all() and (diff[26:] < 5).all()  # 12 fps: frames 0-23 are the first 2 s

    def audio_packets(data: bytes) -> list[bytes]:
        with av.open(io.BytesIO(data)) as c:
            return [bytes(p) for p in c.demux(c.streams.audio[0]) if p.size]

    assert audio_packets(media.data) == audio_packets(out.data)


@pytest.mark.parametrize("fmt", ["WAV", "FLAC"])
def test_audio_cue_is_written_and_detected(fmt: str) -> None:
    media = Media.open(ex.audio_bytes(fmt, seconds=1.0), name=f"a.{fmt.lower()}")
    labeler = ExplicitLabeler()
    assert labeler.read(media).claim == "none"
    out = media.replace(labeler.apply(media, ""))
    assert labeler.read(out).claim == "likely_synthetic"
    assert out.samples().shape[0] > media.samples().shape[0]


def test_cue_detector_ignores_a_plain_beep_and_noise() -> None:
    rate = 16000
    beep = np.concatenate([np.zeros(rate // 2), np.sin(2 * np.pi * 1000 * np.arange(rate) / rate)])
    noise = np.random.default_rng(0).normal(0, 0.3, rate * 3)
    assert not _morse.has_cue(beep, rate) and not _morse.has_cue(noise, rate)
    assert _morse.has_cue(np.concatenate([noise * 0.05, _morse.cue(rate), noise * 0.05]), rate)


def test_text_notice_and_rules() -> None:
    media = ex.tiny_markdown()
    out = media.replace(ExplicitLabeler().apply(media, ""))
    text = out.data.decode()
    assert text.startswith("---\ntitle: note\n---\n本内容由人工智能生成")
    assert ExplicitLabeler().read(out).claim == "likely_synthetic"
    assert is_valid_text("人工智能合成") and not is_valid_text("AI") and not is_valid_text("生成")
    with pytest.raises(UsageError, match="人工智能 or AI"):
        ExplicitLabeler().apply(media, "Made by a robot")


@pytest.mark.parametrize("fmt", ["WAV", "FLAC", "OGG"])
def test_audio_cue_is_found_at_either_end_of_a_long_recording(fmt: str) -> None:
    # only the first and last 4 s are decoded for a long recording; a cue in the middle is not
    # a label (as before), one at the start or the end is
    import soundfile

    rate = 16000
    noise = np.random.default_rng(1).normal(0, 0.02, rate * 30)

    def media(samples: np.ndarray) -> Media:
        buffer = io.BytesIO()
        subtype = {"WAV": "PCM_16", "FLAC": "PCM_16", "OGG": "VORBIS"}[fmt]
        soundfile.write(buffer, samples, rate, format=fmt, subtype=subtype)
        return Media.open(buffer.getvalue(), name=f"long.{fmt.lower()}")

    mark = _morse.cue(rate)
    claims = [
        ExplicitLabeler().read(media(np.concatenate(parts))).claim
        for parts in ([mark, noise], [noise, mark], [noise[: rate * 15], mark, noise[rate * 15 :]])
    ]
    assert claims == ["likely_synthetic", "likely_synthetic", "none"]

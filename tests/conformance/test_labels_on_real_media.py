"""Labels on real media: the audio cue never fires on real speech and is found once added; our
watermark reads back from real photos and never from unmarked ones; implicit labels keep real
photos' pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synthscope.check.labels.aigc import new_label
from synthscope.check.labels.explicit import ExplicitLabeler
from synthscope.check.labels.gb45438 import Gb45438Labeler
from synthscope.check.labels.watermark import WatermarkLabeler
from synthscope.media import Media


def _files(root: Path, pattern: str, n: int) -> list[Path]:
    found = sorted(root.glob(pattern))[:n]
    if not found:
        pytest.skip(f"no files matching {pattern} under {root}")
    return found


def test_audio_cue_on_real_speech(reference_data: Path) -> None:
    audio = reference_data / "media" / "audio"
    files = _files(audio, "librispeech/real/*.flac", 20) + _files(
        audio, "ljspeech-melgan/*/*.wav", 20
    )
    labeler = ExplicitLabeler()
    for path in files:
        media = Media.open(path)
        assert labeler.read(media).claim == "none", path.name
    for path in files[:5]:
        media = Media.open(path)
        assert labeler.read(media.replace(labeler.apply(media, ""))).claim != "none", path.name


def test_watermark_and_implicit_label_on_real_photos(reference_data: Path) -> None:
    photos = _files(reference_data / "media" / "images" / "cnndetection", "real/*.jpg", 10)
    marker, implicit = WatermarkLabeler(), Gb45438Labeler()
    label = new_label({"Label": "1", "ContentProducer": "001191X", "ProduceID": "p"})
    for i, path in enumerate(photos):
        media = Media.open(path)
        assert marker.read(media).claim == "none", path.name
        marked = media.replace(marker.apply(media, 1000 + i))
        assert marker.read(marked).data[0]["payload"] == 1000 + i
        labelled = media.replace(implicit.apply(media, label))
        assert np.array_equal(labelled.pixels(), media.pixels())

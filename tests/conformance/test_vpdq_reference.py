"""vPDQ frames against Meta's expected sample hashes (every decoded frame; skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthscope.check.hashes.pdq import PdqHasher
from synthscope.check.hashes.vpdq import VpdqHasher

PDQ = PdqHasher()
VIDEOS = [
    "chair-19-sd-bar",
    "chair-22-sd-grey-bar",
    "pattern-sd-grey-bar",
    "test-padded-dimensions",
    pytest.param(
        "doorknob-hd-no-bar",
        # Measured: mean 5.4 bits (max 22) over good frames; 15 of 120 frame qualities differ.
        # Every frame still matches (< 31). Our RGB conversion of this 720p clip differs from
        # the one Meta's expected file was made with; not resolved yet.
        marks=pytest.mark.xfail(reason="per-video mean 5.4 > 2 bits on this HD clip", strict=True),
    ),
]


@pytest.fixture(scope="module")
def vpdq_data(reference_data: Path) -> Path:
    root = reference_data / "hashing" / "vpdq"
    if not (root / "expected").is_dir():
        pytest.skip(f"no vPDQ reference data at {root}")
    return root


def expected(root: Path, name: str) -> list[tuple[int, int, str, float]]:
    lines = (root / "expected" / f"{name}.txt").read_text().split()
    return [(int(f), int(q), h, float(s)) for f, q, h, s in (line.split(",") for line in lines)]


@pytest.mark.parametrize("name", VIDEOS)
def test_frames_match_meta(vpdq_data: Path, name: str) -> None:
    frames = VpdqHasher(fps=None).frames(vpdq_data / "videos" / f"{name}.mp4")
    meta = expected(vpdq_data, name)
    assert len(frames) == len(meta)
    distances = []
    for ours, (index, quality, value, seconds) in zip(frames, meta, strict=True):
        assert (ours.index, ours.seconds) == (index, pytest.approx(seconds, abs=1e-3))
        if quality >= 50:
            distance = PDQ.distance(ours.value, value)
            assert distance < 31, f"frame {index}"
            distances.append(distance)
    assert sum(distances) / len(distances) <= 2

"""Audio fingerprints survive re-encoding and clipping; vPDQ frames, sampling and comparison."""

from __future__ import annotations

import numpy as np
import pytest

from synthscope.check.hashes.audio import AudioHasher, encode, melody, wav_bytes
from synthscope.check.hashes.base import Frame
from synthscope.check.hashes.vpdq import VpdqHasher, match_percent, parse, serialize
from synthscope.errors import InputError

RATE = 22050
AUDIO = AudioHasher()


@pytest.fixture(scope="module")
def tune() -> np.ndarray:
    return melody(11, 30.0)


@pytest.fixture(scope="module")
def reference(tune: np.ndarray) -> str:
    return AUDIO.hash(wav_bytes(tune)).value


@pytest.mark.parametrize(
    "variant",
    ["mp3", "ogg", "excerpt", "mp3 excerpt", "amplitude clipped", "quieter"],
)
def test_audio_copies_match(tune: np.ndarray, reference: str, variant: str) -> None:
    excerpt = tune[RATE * 7 + 1234 : RATE * 19]
    content = {
        "mp3": lambda: encode(tune, "mp3"),
        "ogg": lambda: encode(tune, "ogg"),
        "excerpt": lambda: wav_bytes(excerpt),
        "mp3 excerpt": lambda: encode(excerpt, "mp3"),
        "amplitude clipped": lambda: wav_bytes(np.clip(tune * 2, -0.3, 0.3)),
        "quieter": lambda: wav_bytes(tune * 0.1),
    }[variant]()
    assert AUDIO.distance(AUDIO.hash(content).value, reference) <= AUDIO.threshold


@pytest.mark.parametrize("seed", [12, 13, 14])
def test_other_audio_does_not_match(reference: str, seed: int) -> None:
    other = AUDIO.hash(encode(melody(seed, 20.0), "mp3")).value
    assert AUDIO.distance(other, reference) > AUDIO.threshold + 5


def test_silence_has_no_quality() -> None:
    assert AUDIO.hash(wav_bytes(np.zeros(RATE * 5, np.float32))).quality == 0


def test_too_short_and_not_audio() -> None:
    with pytest.raises(InputError, match="too short"):
        AUDIO.hash(wav_bytes(np.zeros(1000, np.float32)))
    from synthscope.check.hashes.pdq import PdqHasher

    with pytest.raises(InputError):
        AUDIO.hash(PdqHasher.examples()[0][0])


@pytest.fixture(scope="module")
def videos() -> tuple[bytes, bytes, bytes]:
    return VpdqHasher.examples()[0]


def test_vpdq_samples_one_frame_per_second_by_default(videos: tuple[bytes, bytes, bytes]) -> None:
    every = VpdqHasher(fps=None).frames(videos[0])
    sampled = VpdqHasher().frames(videos[0])
    assert len(every) == 30 and [f.index for f in every] == list(range(30))
    assert [f.seconds for f in sampled] == [0.0, 1.0, 2.0]
    assert [f.index for f in sampled] == [0, 10, 20]
    twice = VpdqHasher(fps=2.0).frames(videos[0])
    assert [f.seconds for f in twice] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]


def test_vpdq_serialisation_round_trip(videos: tuple[bytes, bytes, bytes]) -> None:
    sig = VpdqHasher().hash(videos[0])
    frames = parse(sig.value)
    assert serialize(frames) == sig.value
    assert [(f.value, f.quality, f.seconds) for f in frames] == [
        (f.value, f.quality, f.seconds) for f in sig.frames
    ]
    with pytest.raises(InputError, match="frame 2"):
        parse(sig.value.split(",")[0] + ",abc:100:1.0")


def test_vpdq_match_percent_ignores_low_quality_frames() -> None:
    a = "0" * 64
    b = "f" * 64
    query = [Frame(0, 0.0, a, 100), Frame(1, 1.0, b, 10)]
    candidate = [Frame(0, 0.0, a, 100), Frame(1, 1.0, "1" * 64, 100)]
    assert match_percent(query, candidate) == (100.0, 50.0)
    assert match_percent([Frame(0, 0.0, a, 10)], candidate) == (0.0, 0.0)


def test_audio_only_file_has_no_video() -> None:
    with pytest.raises(InputError, match="no video stream"):
        VpdqHasher().hash(wav_bytes(melody(1, 2.0)))


def test_audio_decoding_stops_at_the_fingerprints_limit() -> None:
    # a long recording is decoded only as far as the fingerprint reads: the same samples as the
    # first part of a whole decode
    from synthscope.check.hashes import _decode

    data = wav_bytes(melody(seed=4, seconds=12.0))
    whole = _decode.audio_samples(data, 8000)
    first = _decode.audio_samples(data, 8000, max_seconds=5.0)
    assert len(whole) >= 12 * 8000 - 8 and len(first) == 5 * 8000
    assert np.array_equal(first, whole[: 5 * 8000])

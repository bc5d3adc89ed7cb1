"""Large audio and video files are read from disk as streams, never whole, with the same results.

``STREAM_BYTES`` is lowered to 0 here so that the small generated fixtures take the on-disk path
that a file of more than 64 MB takes; each test compares with the in-memory path.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path
from typing import Any

import pytest

from synthscope import media as media_module
from synthscope.check.detector_evidence import DetectorEvidence
from synthscope.check.detectors import _load
from synthscope.check.detectors._fixtures import moving_mp4, speech_wav
from synthscope.check.labels import _av_meta
from synthscope.check.labels import _examples as ex
from synthscope.check.labels.aigc import new_label
from synthscope.check.labels.gb45438 import Gb45438Labeler
from synthscope.check.scan import check_paths
from synthscope.errors import MediaError
from synthscope.media import Media

LABEL = new_label({"Label": "1", "ContentProducer": "001191ABCDEF", "ProduceID": "gen-42"})


def _labelled(name: str, data: bytes) -> bytes:
    return Gb45438Labeler().apply(Media.open(data, name=name), LABEL)


@pytest.fixture
def on_disk(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every audio and video file opened from a path is left on disk; reading one whole is
    recorded (the returned list names each file read whole)."""
    monkeypatch.setattr(media_module, "STREAM_BYTES", 0)
    whole: list[str] = []
    media_data = Media.data.fget
    loaded_data = _load.Loaded.data.fget
    assert media_data is not None and loaded_data is not None

    def media_spy(self: Media) -> bytes:
        if self.on_disk:
            whole.append(self.name)
        return media_data(self)  # type: ignore[no-any-return]

    def loaded_spy(self: _load.Loaded) -> bytes:
        if self.path is not None and self._data is None:
            whole.append(self.name)
        return loaded_data(self)  # type: ignore[no-any-return]

    monkeypatch.setattr(Media, "data", property(media_spy))
    monkeypatch.setattr(_load.Loaded, "data", property(loaded_spy))
    return whole


def test_large_video_stays_on_disk(tmp_path: Path, on_disk: list[str]) -> None:
    data = ex.video_bytes("mp4")
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    media = Media.open(path)
    assert media.on_disk and media.path == path
    assert (media.mime, media.kind) == ("video/mp4", "video")
    assert media.sha256 == hashlib.sha256(data).hexdigest()
    with media.stream() as stream:
        assert stream.read() == data
    assert media.stream_info() == Media.open(data, name="clip.mp4").stream_info()
    assert on_disk == []


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_images_are_read_whole_whatever_their_size(
    tmp_path: Path, on_disk: list[str], fmt: str
) -> None:
    path = tmp_path / f"a.{fmt.lower()}"
    path.write_bytes(ex.image_bytes(fmt))
    assert not Media.open(path).on_disk


def test_text_is_read_whole(tmp_path: Path, on_disk: list[str]) -> None:
    path = tmp_path / "note.md"
    path.write_bytes("# 笔记\n\n正文。\n".encode())
    assert not Media.open(path).on_disk


def _results(paths: list[Path]) -> list[dict[str, Any]]:
    evidence = [DetectorEvidence().findings]
    return [{k: v for k, v in r.items() if k != "file"} for r in check_paths(paths, None, evidence)]


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("labelled.mp4", lambda: _labelled("a.mp4", ex.video_bytes("mp4"))),
        ("labelled.mkv", lambda: _labelled("a.mkv", ex.video_bytes("matroska"))),
        ("labelled.wav", lambda: _labelled("a.wav", speech_wav(3.0))),
        ("labelled.flac", lambda: _labelled("a.flac", ex.audio_bytes("FLAC", seconds=2.0))),
        ("labelled.mp3", lambda: _labelled("a.mp3", ex.audio_bytes("MP3", seconds=2.0))),
        ("moving.mp4", moving_mp4),
        ("speech.wav", lambda: speech_wav(3.0)),
    ],
)
def test_check_gives_the_same_record_from_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, make: Any
) -> None:
    path = tmp_path / name
    path.write_bytes(make())
    in_memory = _results([path])
    monkeypatch.setattr(media_module, "STREAM_BYTES", 0)
    assert Media.open(path).on_disk
    assert _results([path]) == in_memory
    if name.startswith("labelled"):
        assert in_memory[0]["aigc"]["present"] and in_memory[0]["verdict"]["label"] == "synthetic"


def test_check_of_a_file_on_disk_never_reads_it_whole(tmp_path: Path, on_disk: list[str]) -> None:
    paths = []
    for name, data in [
        ("a.mp4", _labelled("a.mp4", moving_mp4())),
        ("a.wav", _labelled("a.wav", speech_wav(3.0))),
        ("a.mp3", ex.audio_bytes("MP3", seconds=2.0)),
    ]:
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    results = _results(paths)
    assert [r["error"] for r in results] == [None, None, None]
    assert on_disk == []


def test_truncated_wav_on_disk_is_refused(tmp_path: Path, on_disk: list[str]) -> None:
    data = ex.audio_bytes("WAV", seconds=1.0)
    path = tmp_path / "cut.wav"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match="truncated"):
        Media.open(path)


def test_signature_over_the_packets_verifies_from_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.unit.check.test_gb45438 import _ed25519

    private, public = _ed25519(tmp_path)
    media = Media.open(ex.video_bytes("mp4"), name="a.mp4")
    path = tmp_path / "signed.mp4"
    path.write_bytes(Gb45438Labeler(signing_key=private).apply(media, LABEL))
    monkeypatch.setattr(media_module, "STREAM_BYTES", 0)
    signed = Media.open(path)
    assert signed.on_disk
    finding = Gb45438Labeler(public_keys=[public]).read(signed)
    assert finding.data["signatures"] == {"ReservedCode1": "valid"}


def _chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")


def test_wav_tag_is_found_after_the_samples_and_odd_chunks(tmp_path: Path) -> None:
    body = (
        b"WAVE"
        + _chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16))
        + _chunk(b"LIST", b"odd")  # an odd size: one pad byte follows
        + _chunk(b"data", b"\0\1" * 500)
        + _chunk(b"AIGC", "标识".encode())
    )
    data = b"RIFF" + struct.pack("<I", len(body)) + body
    path = tmp_path / "a.wav"
    path.write_bytes(data)
    with path.open("rb") as stream:
        assert _av_meta.wav_read(stream) == "标识"
    # A chunk past the RIFF size the header declares is not part of the file.
    short = b"RIFF" + struct.pack("<I", len(body) - 14) + body
    path.write_bytes(short)
    with path.open("rb") as stream:
        assert _av_meta.wav_read(stream) is None


def test_loaded_open_streams_large_recordings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "speech.wav"
    path.write_bytes(speech_wav(3.0))
    whole = _load.Loaded.open(path)
    monkeypatch.setattr(media_module, "STREAM_BYTES", 0)
    streamed = _load.Loaded.open(path)
    assert streamed.path == path and whole.path is None
    assert streamed.kind == whole.kind == "audio"
    assert (streamed.audio()[0] == whole.audio()[0]).all()

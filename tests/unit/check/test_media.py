"""Media: real type from content, limits before decoding, one clear error for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthscope.check.labels import _examples as ex
from synthscope.errors import ExitCode, MediaError
from synthscope.media import Limits, Media, write_atomic


@pytest.mark.parametrize(
    ("data", "mime", "kind"),
    [
        (ex.image_bytes("JPEG"), "image/jpeg", "image"),
        (ex.image_bytes("PNG"), "image/png", "image"),
        (ex.image_bytes("WEBP"), "image/webp", "image"),
        (ex.image_bytes("TIFF"), "image/tiff", "image"),
        (ex.image_bytes("GIF"), "image/gif", "image"),
        (ex.audio_bytes("WAV"), "audio/wav", "audio"),
        (ex.audio_bytes("FLAC"), "audio/flac", "audio"),
        (ex.audio_bytes("MP3"), "audio/mpeg", "audio"),
        (ex.video_bytes("mp4"), "video/mp4", "video"),
        (ex.video_bytes("webm"), "video/webm", "video"),
        (
            ex.docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "text",
        ),
        ("# 标题\n".encode(), "text/plain", "text"),
    ],
)
def test_type_comes_from_content(data: bytes, mime: str, kind: str) -> None:
    media = Media.open(data, name="upload.bin")
    assert (media.mime, media.kind) == (mime, kind)


def test_zero_length_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match="empty") as info:
        Media.open(empty)
    assert info.value.exit_code == ExitCode.INPUT


def test_lying_extension_is_refused() -> None:
    with pytest.raises(MediaError, match=r"has the extension \.png but its content is image/jpeg"):
        Media.open(ex.image_bytes("JPEG"), name="photo.png")
    assert Media.open(ex.video_bytes("mp4"), name="clip.mov").mime == "video/mp4"


def test_truncated_jpeg_is_an_input_error() -> None:
    data = ex.image_bytes("JPEG", 256, 256)
    media = Media.open(data[: len(data) // 2], name="cut.jpg")
    with pytest.raises(MediaError, match="truncated or corrupt"):
        media.pixels()


def test_decompression_bomb_is_refused_before_decoding() -> None:
    media = Media.open(ex.declared_png(200_000, 200_000), name="bomb.png")
    # Pillow refuses this one itself (over twice its own limit); the message is still ours
    with pytest.raises(MediaError, match="has 40,000,000,000 pixels, more than the limit"):
        media.pixels()
    with pytest.raises(MediaError, match="has 40,000,000,000 pixels"):
        media.check_limits()
    limits = Limits(max_pixels=10**6)
    small = Media.open(ex.declared_png(5_000, 5_000), name="big.png", limits=limits)
    with pytest.raises(MediaError, match="pixels, more than the limit"):
        small.pixels()


def test_limits_on_bytes_and_duration(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(ex.audio_bytes("WAV", seconds=1.0))
    with pytest.raises(MediaError, match="more than the limit"):
        Media.open(path, limits=Limits(max_bytes=100))
    with pytest.raises(MediaError, match="seconds, more than the limit"):
        Media.open(path, limits=Limits(max_duration_s=0.5)).samples()


def test_garbage_video_is_an_input_error() -> None:
    media = Media.open(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 64, name="broken.mp4")
    with pytest.raises(MediaError):
        media.pixels()


def test_write_atomic_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    write_atomic(target, b"abc")
    assert target.read_bytes() == b"abc" and [p.name for p in tmp_path.iterdir()] == ["out.bin"]
    assert target.stat().st_mode & 0o777 == 0o644  # shared like its input, not private


def test_write_atomic_into_a_missing_folder_says_so_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="Cannot write"):
        write_atomic(tmp_path / "missing" / "out.bin", b"abc")
    assert list(tmp_path.iterdir()) == []

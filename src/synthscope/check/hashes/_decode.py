"""Decoding for the hashers: images with Pillow, video and audio with PyAV.

This is the one place where files become pixels or samples, so the check pipeline's ``Media`` can
replace it later. Every failure becomes an :class:`InputError` that names the file.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from synthscope._sniff import FileType, sniff
from synthscope.check.hashes import _words
from synthscope.check.hashes._words import describe as describe  # re-exported for the hashers
from synthscope.errors import InputError

# The RIFF length check (WAV, WebP) of ``label`` and ``check``, so all three word it alike.
from synthscope.media import check_declared_size, open_source

# Pillow's own bomb limit (about 89 megapixels); larger images are refused, not decoded.
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
# Enough of a file to tell its type (every signature we know is in the first 64 bytes).
_HEAD_BYTES = 4096


def _open_binary(source: Path | str | bytes) -> IO[bytes]:
    """A stream over the content, after refusing an empty file or a RIFF file (WAV, WebP)
    shorter than its header declares, as ``label`` and ``check`` do.

    Raises:
        InputError: unreadable, empty or truncated.
    """
    if isinstance(source, bytes):
        if not source:
            raise InputError("The content is empty (0 bytes).", zh="内容为空（0 字节）。")
        check_declared_size("", source[:12], len(source))
        return open_source(source)
    path = Path(source)
    try:
        size = path.stat().st_size
        if size == 0:
            raise InputError(f"{path} is empty (0 bytes).", zh=f"{path} 是空文件（0 字节）。")
        with path.open("rb") as head:
            check_declared_size(str(path), head.read(12), size)
        return open_source(path)
    except OSError as exc:
        raise _words.unreadable(path, exc) from exc


def content_type(source: Path | str | bytes) -> FileType:
    """What the content is, from its first bytes (for messages that say what a file really is).

    Raises:
        InputError: unreadable or empty.
    """
    if isinstance(source, bytes):
        return sniff(source[:_HEAD_BYTES])
    with _open_binary(source) as fh:
        return sniff(fh.read(_HEAD_BYTES), Path(source).name)


def _not_decodable(source: Path | str | bytes, what: str, exc: BaseException) -> InputError:
    """A file of the right kind that its decoder refuses; one of another kind is named as such
    (``what``: image, video, audio, or audio/video when any of those two would do)."""
    found = _sniffed(source)
    if found is not None and not _words.may_hold(found, what):
        return _words.wrong_kind(source, what, found)
    return _words.undecodable(source, what, exc)


def _sniffed(source: Path | str | bytes) -> FileType | None:
    try:
        return content_type(source)
    except InputError:
        return None


def _no_stream(source: Path | str | bytes, kind: str) -> InputError:
    """A container without a ``kind`` stream; an image (which FFmpeg opens as one frame)
    is named as such."""
    found = _sniffed(source)
    if found is not None and not _words.may_hold(found, kind):
        return _words.wrong_kind(source, kind, found)
    return _words.no_stream(source, kind)


def open_image(source: Path | str | bytes) -> Image.Image:
    """The decoded image (pixels loaded, EXIF orientation not applied).

    Raises:
        InputError: empty, unreadable, not an image, or larger than ``MAX_PIXELS``.
    """
    fh = _open_binary(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(fh)
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _too_large(source, width, height)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_large(source, 0, 0) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise _not_decodable(source, "image", exc) from exc
    finally:
        fh.close()
    return image


def _too_large(source: Path | str | bytes, width: int, height: int) -> InputError:
    name, size = describe(source), f" ({width}x{height})" if width else ""
    return InputError(
        f"{name} is too large to decode{size}: more than {MAX_PIXELS:,} pixels.",
        zh=f"{name} 太大{size}，超过 {MAX_PIXELS:,} 像素，拒绝解码。",
    )


def _open_container(source: Path | str | bytes) -> Any:
    import av

    fh = _open_binary(source)
    try:
        return av.open(fh, mode="r")
    except (av.FFmpegError, OSError, ValueError) as exc:
        fh.close()
        raise _not_decodable(source, "audio/video", exc) from exc


def _rgb_flags() -> int:
    from av.video.reformatter import Interpolation

    return int(Interpolation.POINT) | int(Interpolation.ACCURATE_RND)


# swscale's default YUV->RGB fast path has CPU-specific SIMD code whose rounding differs from its
# C code by one level here and there (x86 takes it only for widths that are multiples of 16). On
# low-contrast frames that moved vPDQ hashes 5.4 bits on average from Meta's (720p doorknob clip).
# Accurate rounding with nearest-neighbour chroma gives the C path's pixels on every CPU: Meta's
# expected hashes exactly on 4 of the 5 sample clips (1.1 bits mean on the fifth).
_RGB_FLAGS = _rgb_flags()


def video_frames(source: Path | str | bytes, fps: float | None) -> Iterator[tuple[int, float, Any]]:
    """(index, seconds, RGB array) of every decoded frame, or of the first frame at or after each
    ``1/fps`` seconds when ``fps`` is given.

    Raises:
        InputError: no video stream, or the stream cannot be decoded.
    """
    import av

    container = _open_container(source)
    try:
        if not container.streams.video:
            raise _no_stream(source, "video")
        stream = container.streams.video[0]
        next_time = 0.0
        for index, frame in enumerate(container.decode(stream)):
            seconds = (
                float(frame.time)
                if frame.time is not None
                else index / float(stream.average_rate or 25)
            )
            if fps is not None and seconds + 1e-6 < next_time:
                continue
            next_time = (int(seconds * fps + 1e-6) + 1) / fps if fps else 0.0
            rgb = frame.reformat(format="rgb24", interpolation=_RGB_FLAGS)
            yield index, seconds, rgb.to_ndarray()
    except av.FFmpegError as exc:
        raise _not_decodable(source, "video", exc) from exc
    finally:
        container.close()


def audio_samples(
    source: Path | str | bytes, rate: int, max_seconds: float | None = None
) -> np.ndarray[Any, np.dtype[np.float32]]:
    """The first audio stream as mono float32 samples at ``rate`` Hz; with ``max_seconds``, only
    that much from the start (decoding stops there, so a long recording is never held whole).

    Raises:
        InputError: no audio stream, or it cannot be decoded.
    """
    import av

    limit = None if max_seconds is None else int(max_seconds * rate)
    container = _open_container(source)
    try:
        if not container.streams.audio:
            raise _no_stream(source, "audio")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks: list[np.ndarray[Any, Any]] = []
        got = 0
        for frame in container.decode(container.streams.audio[0]):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
                got += len(chunks[-1])
            if limit is not None and got >= limit:
                break  # what the resampler gave so far is final; its flush only adds the end
        else:
            chunks.extend(r.to_ndarray().reshape(-1) for r in resampler.resample(None))
    except av.FFmpegError as exc:
        raise _not_decodable(source, "audio", exc) from exc
    finally:
        container.close()
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    return samples if limit is None else samples[:limit]


def kinds(source: Path | str | bytes) -> list[str]:
    """What the content holds, from its bytes (not its name): ``["image"]``, or ``"video"``
    and/or ``"audio"`` for a container with those streams. An image that cannot be decoded is
    still ``["image"]`` (FFmpeg would open a broken JPEG as a one-frame video), so hashing it
    says what is wrong with the image.

    Raises:
        InputError: empty, unreadable, truncated, or none of the three.
    """
    found = content_type(source)
    fh = _open_binary(source)
    try:
        Image.open(fh)
        return ["image"]
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        if found.kind == "image" and found.family != "isobmff":  # HEIF/AVIF: maybe FFmpeg's
            return ["image"]
    finally:
        fh.close()
    container = _open_container(source)
    try:
        streams = [k for k in ("video", "audio") if getattr(container.streams, k)]
    finally:
        container.close()
    if streams:
        return streams
    raise _words.wrong_kind(source, "audio/video", found)
